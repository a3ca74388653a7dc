package org.trapdoor.policy.dom0init;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.HostBridgeControl;
import org.trapdoor.api.hypervisor.HostBridgeOwnershipPolicy;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * Upstream Xen on Arm today: firmware or Dom0 initialises a host bridge (clocks, PHY lanes, link),
 * and Xen only needs config access. Xen never touches the bridge's config space before it knows
 * the bridge is up, and the first thing that tells it so is Dom0 itself: a
 * {@code PHYSDEVOP_pci_device_add} for a function behind the bridge proves that Dom0 has
 * initialised it and enumerated through it (Julien Grall's proposal in the 2017 design thread).
 * Until then Xen refuses its own config accesses to the bridge and counts them.
 */
@Component(service = {HostBridgeOwnershipPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + HostBridgeOwnershipPolicy.KIND,
                HypervisorPolicy.NAME + "=" + Dom0InitPolicy.NAME})
public final class Dom0InitPolicy implements HostBridgeOwnershipPolicy {
    public static final String NAME = "dom0-init";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Dom0 (or firmware) initialises host bridges; Xen touches config space once Dom0 reports a device";
    }

    /** Nothing to do yet: Dom0 has not run, so the bridge is not known to be up. */
    @Override
    public void bridgeFound(HostBridgeControl bridge) {
    }

    @Override
    public void hardwareDomainReported(HostBridgeControl bridge, String bdf) {
        if (!bridge.ready()) {
            bridge.markReady("Dom0 reported " + bdf + " with PHYSDEVOP_pci_device_add, so it has initialised the bridge");
        }
    }
}
