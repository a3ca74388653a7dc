package org.trapdoor.policy.domumsitrapremap;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * Edgar Iglesias's proposal in the 2017 thread, for MSI controllers that cannot be virtualised: the
 * DomU sees a GICv2m-style frame; Xen traps its MSI address, data and mask writes, programs the
 * device with the real doorbell and a vector of its own, and when the physical interrupt arrives
 * injects the SPI the guest asked for. Trapping alone does not stop a device from writing any
 * vector to a mapped doorbell by DMA (Julien Grall's objection); the {@code doorbell} kind is where
 * that is addressed.
 */
@Component(service = {DomuMsiPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + DomuMsiPolicy.KIND,
                HypervisorPolicy.NAME + "=" + DomuMsiTrapRemapPolicy.NAME})
public final class DomuMsiTrapRemapPolicy implements DomuMsiPolicy {
    public static final String NAME = "trap-remap";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "trap the guest's MSI writes, program Xen's own vector and real doorbell, inject the guest's SPI";
    }

    @Override
    public void apply(DomuMsiPlumbing domain) {
        domain.trapAndRemap();
    }
}
