package org.trapdoor.xen.irq;

import java.util.function.Function;

import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.policy.PolicyRegistry;

/**
 * The {@code domu-msi} policy kind in Xen's policy registry: per domain, {@code none} (upstream)
 * unless the user or a policy bundle says otherwise. The policy in force is applied to a DomU's
 * {@link DomuMsiPlumbing} when its vGIC is attached and again on every switch
 * ({@code policy set DOMAIN domu-msi NAME}, a bundle stopped and its fallback taking over).
 */
public final class DomuMsiPolicies extends DomuPolicyKind<DomuMsiPolicy> {
    /** The default: upstream has no DomU MSIs. */
    public static final String FALLBACK = "none";

    /** @param domains a domain by name (null when there is none) */
    public DomuMsiPolicies(PolicyRegistry registry, XenInterrupts irqs, Function<String, XenDomain> domains) {
        super(DomuMsiPolicy.KIND, FALLBACK, DomuMsiPolicy.class, registry, irqs, domains);
    }

    @Override
    void apply(DomuMsiPolicy policy, XenDomain domU) throws HypervisorException {
        policy.apply(irqs.msiPlumbing(domU));
    }

    @Override
    void applyFallback(XenDomain domU) throws HypervisorException {
        irqs.msiPlumbing(domU).noMsi();
    }

    @Override
    String active(XenDomain domU) {
        return irqs.msiPlumbing(domU).active();
    }

    /** A refused switch changes nothing: the mechanism in force stays (none when nothing was set up). */
    @Override
    void refusedOn(XenDomain domU) {
        DomuMsiPlumbing now = irqs.msiPlumbing(domU);
        if ("none".equals(now.active())) {
            now.noMsi();
        }
    }
}
