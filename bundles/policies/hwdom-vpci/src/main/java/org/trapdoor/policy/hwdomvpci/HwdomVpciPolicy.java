package org.trapdoor.policy.hwdomvpci;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.HwdomConfigAccessPolicy;
import org.trapdoor.api.hypervisor.HwdomConfigWindow;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * The pending series ({@code has_vpci(d) = is_hardware_domain(d) && has_vpci_bridge(d)}):
 * Dom0's accesses to each physical ECAM window are trapped ({@code domain_vpci_init} registers one
 * handler per bridge); registers without a handler pass through to the hardware, while the
 * Command register's memory-decode bit and the BARs are Xen's, so Xen maps BARs into Dom0's
 * stage 2 only while decoding is on.
 */
@Component(service = {HwdomConfigAccessPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + HwdomConfigAccessPolicy.KIND,
                HypervisorPolicy.NAME + "=" + HwdomVpciPolicy.NAME})
public final class HwdomVpciPolicy implements HwdomConfigAccessPolicy {
    public static final String NAME = "vpci";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Dom0's ECAM accesses trapped through a hardware-domain vPCI (pending series)";
    }

    @Override
    public void apply(HwdomConfigWindow window) {
        window.trapThroughVpci();
    }
}
