package org.trapdoor.policy.doorbellmap;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.DoorbellPlumbing;
import org.trapdoor.api.hypervisor.DoorbellPolicy;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * The doorbell page mapped into the device's stage 2 (what upstream Xen does for Dom0 since 2025):
 * MSI writes reach the MSI controller, and so does any DMA the guest programs at that address.
 */
@Component(service = {DoorbellPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + DoorbellPolicy.KIND, HypervisorPolicy.NAME + "=" + DoorbellMapPolicy.NAME})
public final class DoorbellMapPolicy implements DoorbellPolicy {
    public static final String NAME = "map";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "doorbell page mapped in the device's stage 2: MSIs and any DMA to it reach the controller";
    }

    @Override
    public void apply(DoorbellPlumbing domain) {
        domain.mapDoorbell();
    }
}
