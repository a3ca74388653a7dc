package org.trapdoor.policy.xeninit;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.HostBridgeControl;
import org.trapdoor.api.hypervisor.HostBridgeOwnershipPolicy;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * The pending "PCI enumeration on Arm" series and Stefano Stabellini's side of the 2017 thread:
 * Xen runs the bridge's initialisation itself when it finds the bridge, before Dom0 runs, so it
 * may use config space from then on. A bridge without a bring-up sequence (the generic ECAM
 * bridge) is ready as found.
 */
@Component(service = {HostBridgeOwnershipPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + HostBridgeOwnershipPolicy.KIND,
                HypervisorPolicy.NAME + "=" + XenInitPolicy.NAME})
public final class XenInitPolicy implements HostBridgeOwnershipPolicy {
    public static final String NAME = "xen-init";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Xen runs each host bridge's bring-up itself when it finds the bridge";
    }

    @Override
    public void bridgeFound(HostBridgeControl bridge) {
        if (bridge.ready()) {
            return;
        }
        if (bridge.needsBringUp()) {
            bridge.bringUp();
            bridge.markReady("Xen ran the bridge's bring-up sequence");
        } else {
            bridge.markReady("Xen found it; the bridge has no bring-up sequence (generic ECAM)");
        }
    }

    /** Xen made the bridge ready itself; a report from Dom0 changes nothing. */
    @Override
    public void hardwareDomainReported(HostBridgeControl bridge, String bdf) {
        bridgeFound(bridge);
    }
}
