package org.trapdoor.policy.hwdomdirect;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.HwdomConfigAccessPolicy;
import org.trapdoor.api.hypervisor.HwdomConfigWindow;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * Upstream Xen today: {@code has_vpci(d)} is false on Arm, so {@code handle_device} maps every
 * {@code reg} of the host bridge, the ECAM window included, 1:1 into Dom0 and Dom0 drives config
 * space natively; nothing is trapped.
 */
@Component(service = {HwdomConfigAccessPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + HwdomConfigAccessPolicy.KIND,
                HypervisorPolicy.NAME + "=" + HwdomDirectPolicy.NAME})
public final class HwdomDirectPolicy implements HwdomConfigAccessPolicy {
    public static final String NAME = "direct";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the host bridge's ECAM window mapped 1:1 into Dom0 (upstream)";
    }

    @Override
    public void apply(HwdomConfigWindow window) {
        window.mapDirect();
    }
}
