package org.trapdoor.xen.irq;

import java.util.function.Function;

import org.trapdoor.api.hypervisor.DoorbellPolicy;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.policy.PolicyRegistry;

/**
 * The {@code doorbell} policy kind in Xen's policy registry: per domain, {@code map} (what Xen
 * does for Dom0 upstream since 2025: the doorbell page in the device's stage 2) unless the user
 * or a policy bundle says otherwise. Applied when a DomU's vGIC is attached (after its
 * {@code domu-msi} mechanism) and on every switch.
 */
public final class DoorbellPolicies extends DomuPolicyKind<DoorbellPolicy> {
    public static final String FALLBACK = DomuDoorbell.MAP;

    public DoorbellPolicies(PolicyRegistry registry, XenInterrupts irqs, Function<String, XenDomain> domains) {
        super(DoorbellPolicy.KIND, FALLBACK, DoorbellPolicy.class, registry, irqs, domains);
    }

    @Override
    void apply(DoorbellPolicy policy, XenDomain domU) throws HypervisorException {
        policy.apply(irqs.doorbellPlumbing(domU));
    }

    @Override
    void applyFallback(XenDomain domU) throws HypervisorException {
        irqs.doorbellPlumbing(domU).mapDoorbell();
    }

    @Override
    String active(XenDomain domU) {
        return irqs.doorbellPlumbing(domU).active();
    }
}
