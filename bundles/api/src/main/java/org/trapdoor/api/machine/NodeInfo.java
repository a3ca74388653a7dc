package org.trapdoor.api.machine;

import java.util.List;

import org.trapdoor.api.dt.RegEntry;

/**
 * A snapshot of one platform node for shells and tests.
 *
 * @param driver          the bound driver's name, or {@code null}
 * @param unboundAccesses transactions that reached the node's regions while it had no model
 * @param problem         why the last bind attempt failed, or {@code null}
 */
public record NodeInfo(String path, List<String> compatibles, List<RegEntry> reg, NodeState state,
        String driver, String summary, long unboundAccesses, String problem) {
}
