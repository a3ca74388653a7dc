package org.trapdoor.api.machine;

import java.util.List;

import org.trapdoor.api.dt.RegEntry;

/**
 * A snapshot of one platform node for shells and tests.
 *
 * @param driver          the bound driver's name, or {@code null}
 * @param unboundAccesses transactions that reached the node's regions while it had no model
 * @param problem         why the last bind attempt failed, or {@code null}
 * @param upstreamAborts  device transactions (DMA and MSI writes) that had to pass through this
 *                        node as their IOMMU and were aborted because it had no model; 0 for a
 *                        node that is no device's IOMMU
 */
public record NodeInfo(String path, List<String> compatibles, List<RegEntry> reg, NodeState state,
        String driver, String summary, long unboundAccesses, String problem, long upstreamAborts) {

    /** A node no device uses as its IOMMU (or one that never aborted upstream traffic). */
    public NodeInfo(String path, List<String> compatibles, List<RegEntry> reg, NodeState state, String driver,
            String summary, long unboundAccesses, String problem) {
        this(path, compatibles, reg, state, driver, summary, unboundAccesses, problem, 0);
    }
}
