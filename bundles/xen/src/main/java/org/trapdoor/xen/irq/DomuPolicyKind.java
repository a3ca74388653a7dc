package org.trapdoor.xen.irq;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.HypervisorPolicy;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.policy.PolicyRegistry;

/**
 * A policy kind chosen per DomU and applied to its interrupt plumbing: declared in Xen's policy
 * registry with its fallback, applied when a DomU's vGIC is attached and again on every switch
 * (one domain's own choice, or the system-wide one for every DomU). A refused application changes
 * nothing; it is logged and kept as one line in {@link #refusals()}.
 *
 * @param <P> the policy service type of the kind
 */
abstract class DomuPolicyKind<P extends HypervisorPolicy> {
    private static final Logger LOG = LoggerFactory.getLogger(DomuPolicyKind.class);

    private final String kind;
    private final String fallback;
    private final Class<P> type;
    private final PolicyRegistry registry;
    final XenInterrupts irqs;
    private final Function<String, XenDomain> domains;
    /** Applications refused, one line each (what the shell and tests read: never the log). */
    private final List<String> refused = new CopyOnWriteArrayList<>();

    /**
     * Declares the kind and listens for switches and new DomUs.
     *
     * @param domains a domain by name (null when there is none)
     */
    DomuPolicyKind(String kind, String fallback, Class<P> type, PolicyRegistry registry, XenInterrupts irqs,
            Function<String, XenDomain> domains) {
        this.kind = kind;
        this.fallback = fallback;
        this.type = type;
        this.registry = registry;
        this.irqs = irqs;
        this.domains = domains;
        registry.declare(kind, fallback, true);
        registry.addListener(this::changed);
        irqs.onDomuAttached(this::apply);
    }

    /** Applies {@code policy} to {@code domU}'s plumbing. */
    abstract void apply(P policy, XenDomain domU) throws HypervisorException;

    /** Applies the fallback, when no bundle of the kind is registered. */
    abstract void applyFallback(XenDomain domU) throws HypervisorException;

    /** The name of what is in force on {@code domU}'s plumbing now. */
    abstract String active(XenDomain domU);

    /** After a refusal: what the plumbing must do to stay as it was (nothing by default). */
    void refusedOn(XenDomain domU) {
    }

    private void changed(String changedKind, String domain, HypervisorPolicy now) {
        if (!kind.equals(changedKind)) {
            return;
        }
        if (domain != null) {
            XenDomain d = domains.apply(domain);
            if (d != null && !d.hardwareDomain()) {
                String why = apply(d);
                if (why != null) {
                    throw new HypervisorException(why); // the registry keeps the domain's previous choice
                }
            }
            return;
        }
        for (XenDomain d : irqs.domus()) {
            apply(d); // the system-wide choice changed: every DomU without its own follows
        }
    }

    /**
     * Applies the policy in force for {@code domU} (the fallback when no bundle is registered).
     *
     * @return null when applied, else the refusal (counted in {@link #refusals()})
     */
    final String apply(XenDomain domU) {
        HypervisorPolicy p = registry.active(kind, domU.name());
        try {
            if (type.isInstance(p)) {
                apply(type.cast(p), domU);
            } else {
                applyFallback(domU);
            }
        } catch (HypervisorException | UnsupportedOperationException e) {
            String name = p == null ? fallback : p.name();
            LOG.warn("{}: {} {}: {}; {} stays", domU.name(), kind, name, e.getMessage(), active(domU));
            String line = domU.name() + ": " + kind + " " + name + ": " + e.getMessage();
            refused.add(line);
            refusedOn(domU);
            return line + "; " + active(domU) + " stays";
        }
        return null;
    }

    /** Every application refused so far, with its reason. */
    public List<String> refusals() {
        return List.copyOf(refused);
    }
}
