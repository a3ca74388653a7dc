package org.trapdoor.shell.iommu;

import java.util.List;

import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.machine.NodeState;

/**
 * What {@code iommu} found: every IOMMU node of the platform and the DMA domains a guest kernel
 * set up behind each.
 *
 * @param kernel  the guest kernel's name, or {@code null} when none has booted
 * @param entries one per IOMMU node, in tree order
 */
public record IommuListing(String kernel, List<Entry> entries) {

    public IommuListing {
        entries = List.copyOf(entries);
    }

    /**
     * One IOMMU node.
     *
     * @param path           the node's device-tree path
     * @param model          {@code smmuv3} or {@code smmuv2}, from its compatible
     * @param state          how the node is bound
     * @param driver         the bound driver, or {@code null}
     * @param summary        the bound model's own summary (mode, IOTLB, faults), or empty
     * @param problem        why the last bind failed, or {@code null}
     * @param upstreamAborts device transactions aborted because the node had no model
     * @param streams        the StreamIDs the host bridges' {@code iommu-map} send to it
     * @param domains        the guest's DMA domains on this IOMMU (its stream table entries or
     *                       SMR/S2CR/context-bank set-ups), by StreamID
     */
    public record Entry(String path, String model, NodeState state, String driver, String summary, String problem,
            long upstreamAborts, List<IommuTopology.StreamRange> streams, List<GuestIommuDomain> domains) {

        public Entry {
            streams = List.copyOf(streams);
            domains = List.copyOf(domains);
        }
    }
}
