package org.trapdoor.policy.domumsinone;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * Upstream Xen on Arm today: a DomU's devices get no MSIs. The capability is hidden, not refused:
 * Arm builds no vPCI MSI/MSI-X handlers ({@code CONFIG_HAS_PCI_MSI} is x86-only), so vPCI's
 * capability chain leaves MSI and MSI-X out and the guest's driver falls back to no interrupts;
 * an MSI the device still sends (programmed before the assignment) is dropped and counted as
 * {@code DOMU_NO_MSI}.
 */
@Component(service = {DomuMsiPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + DomuMsiPolicy.KIND, HypervisorPolicy.NAME + "=" + DomuMsiNonePolicy.NAME})
public final class DomuMsiNonePolicy implements DomuMsiPolicy {
    public static final String NAME = "none";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "no DomU MSIs (upstream): capability hidden, stray MSIs dropped as DOMU_NO_MSI";
    }

    @Override
    public void apply(DomuMsiPlumbing domain) {
        domain.noMsi();
    }
}
