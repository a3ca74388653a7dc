package org.trapdoor.xen.irq;

import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.HypervisorPolicy;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.policy.PolicyRegistry;

/**
 * The {@code domu-msi} policy kind in Xen's policy registry: per domain, {@code none} (upstream)
 * unless the user or a policy bundle says otherwise. The policy in force is applied to a DomU's
 * {@link org.trapdoor.api.hypervisor.DomuMsiPlumbing} when its vGIC is attached and again on every
 * switch ({@code policy set DOMAIN domu-msi NAME}, a bundle stopped and its fallback taking over).
 */
public final class DomuMsiPolicies {
    private static final Logger LOG = LoggerFactory.getLogger(DomuMsiPolicies.class);
    /** The default: upstream has no DomU MSIs. */
    public static final String FALLBACK = "none";

    private final PolicyRegistry registry;
    private final XenInterrupts irqs;
    private final Function<String, XenDomain> domains;
    /** Switches refused, one line each (what the shell and tests read: never the log). */
    private final java.util.List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Declares the kind and listens for switches.
     *
     * @param domains a domain by name (null when there is none)
     */
    public DomuMsiPolicies(PolicyRegistry registry, XenInterrupts irqs, Function<String, XenDomain> domains) {
        this.registry = registry;
        this.irqs = irqs;
        this.domains = domains;
        registry.declare(DomuMsiPolicy.KIND, FALLBACK, true);
        registry.addListener(this::changed);
        irqs.onDomuAttached(this::apply);
    }

    private void changed(String kind, String domain, HypervisorPolicy now) {
        if (!DomuMsiPolicy.KIND.equals(kind)) {
            return;
        }
        if (domain != null) {
            XenDomain d = domains.apply(domain);
            if (d != null && !d.hardwareDomain()) {
                apply(d);
            }
            return;
        }
        for (XenDomain d : irqs.domus()) {
            apply(d); // the system-wide choice changed: every DomU without its own follows
        }
    }

    /** Every switch refused so far, with its reason. */
    public java.util.List<String> refusals() {
        return java.util.List.copyOf(refused);
    }

    /** Applies the policy in force for {@code domU} (none when no bundle is registered). */
    void apply(XenDomain domU) {
        HypervisorPolicy p = registry.active(DomuMsiPolicy.KIND, domU.name());
        try {
            if (p instanceof DomuMsiPolicy m) {
                m.apply(irqs.msiPlumbing(domU));
            } else {
                irqs.msiPlumbing(domU).noMsi();
            }
        } catch (HypervisorException | UnsupportedOperationException e) {
            // A refused switch changes nothing: the mechanism in force stays (none when nothing was set up).
            DomuMsiPlumbing now = irqs.msiPlumbing(domU);
            LOG.warn("{}: domu-msi {}: {}; {} stays", domU.name(), p == null ? FALLBACK : p.name(), e.getMessage(),
                    now.active());
            refused.add(domU.name() + ": domu-msi " + (p == null ? FALLBACK : p.name()) + ": " + e.getMessage());
            if ("none".equals(now.active())) {
                now.noMsi();
            }
        }
    }
}
