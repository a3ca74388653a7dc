package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Kind {@code bridge-owner}: who initialises a host bridge that needs set-up (clocks, PHY lanes,
 * link training), and so when the hypervisor may touch its config space.
 */
@ConsumerType
public interface HostBridgeOwnershipPolicy extends HypervisorPolicy {
    String KIND = "bridge-owner";

    /** The hypervisor found the bridge in the platform at boot (before Dom0 runs). */
    void bridgeFound(HostBridgeControl bridge);

    /** Dom0 reported a function behind the bridge ({@code PHYSDEVOP_pci_device_add}). */
    void hardwareDomainReported(HostBridgeControl bridge, String bdf);
}
