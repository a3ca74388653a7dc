package org.trapdoor.policy.doorbellabortsanitise;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.DoorbellPlumbing;
import org.trapdoor.api.hypervisor.DoorbellPolicy;
import org.trapdoor.api.hypervisor.HypervisorPolicy;

/**
 * Julien Grall's alternative in the 2017 thread: the doorbell is not mapped, the device's write
 * faults in the SMMU, and the hypervisor recovers it, checks it against the MSI state the guest
 * programmed and forwards only a legitimate message. Needs an IOMMU that reports a faulting
 * write's data (the SMMUv3 model's FAULT_WDATA capability); without it every MSI is lost, counted.
 */
@Component(service = {DoorbellPolicy.class, HypervisorPolicy.class},
        property = {HypervisorPolicy.KIND + "=" + DoorbellPolicy.KIND,
                HypervisorPolicy.NAME + "=" + DoorbellAbortSanitisePolicy.NAME})
public final class DoorbellAbortSanitisePolicy implements DoorbellPolicy {
    public static final String NAME = "abort-sanitise";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "doorbell unmapped: the SMMU aborts, Xen recovers the write (FAULT_WDATA), checks and forwards it";
    }

    @Override
    public void apply(DoorbellPlumbing domain) {
        domain.abortAndSanitise();
    }
}
