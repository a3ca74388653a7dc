package org.trapdoor.api.hypervisor;

/**
 * A host bridge the hypervisor drives.
 *
 * @param node            device-tree path
 * @param compatible      the bridge's first {@code compatible}
 * @param segment         PCI segment
 * @param firstBus        first bus number
 * @param lastBus         last bus number
 * @param owner           the host-bridge ownership policy in force, e.g. {@code dom0-init}
 * @param ready           whether the hypervisor may access its config space
 * @param readyReason     how it knows (or why not yet)
 * @param refusedAccesses config accesses refused because the bridge was not ready
 */
public record HostBridgeStatus(String node, String compatible, int segment, int firstBus, int lastBus, String owner,
        boolean ready, String readyReason, long refusedAccesses) {
}
