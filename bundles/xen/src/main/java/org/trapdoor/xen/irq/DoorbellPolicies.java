package org.trapdoor.xen.irq;

import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.hypervisor.DoorbellPolicy;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.HypervisorPolicy;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.policy.PolicyRegistry;

/**
 * The {@code doorbell} policy kind in Xen's policy registry: per domain, {@code map} (what Xen
 * does for Dom0 upstream since 2025: the doorbell page in the device's stage 2) unless the user
 * or a policy bundle says otherwise. Applied when a DomU's vGIC is attached (after its
 * {@code domu-msi} mechanism) and on every switch.
 */
public final class DoorbellPolicies {
    private static final Logger LOG = LoggerFactory.getLogger(DoorbellPolicies.class);
    public static final String FALLBACK = DomuDoorbell.MAP;

    private final PolicyRegistry registry;
    private final XenInterrupts irqs;
    private final Function<String, XenDomain> domains;

    public DoorbellPolicies(PolicyRegistry registry, XenInterrupts irqs, Function<String, XenDomain> domains) {
        this.registry = registry;
        this.irqs = irqs;
        this.domains = domains;
        registry.declare(DoorbellPolicy.KIND, FALLBACK, true);
        registry.addListener(this::changed);
        irqs.onDomuAttached(this::apply);
    }

    private void changed(String kind, String domain, HypervisorPolicy now) {
        if (!DoorbellPolicy.KIND.equals(kind)) {
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
            apply(d);
        }
    }

    void apply(XenDomain domU) {
        HypervisorPolicy p = registry.active(DoorbellPolicy.KIND, domU.name());
        try {
            if (p instanceof DoorbellPolicy d) {
                d.apply(irqs.doorbellPlumbing(domU));
            } else {
                irqs.doorbellPlumbing(domU).mapDoorbell();
            }
        } catch (HypervisorException | UnsupportedOperationException e) {
            LOG.warn("{}: doorbell {}: {}; {} stays", domU.name(), p == null ? FALLBACK : p.name(), e.getMessage(),
                    irqs.doorbellPlumbing(domU).active());
        }
    }
}
