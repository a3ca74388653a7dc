package org.trapdoor.xen;

import org.trapdoor.api.guest.GuestInterrupts;
import org.trapdoor.xen.domain.XenDomain;

/**
 * What Xen's interrupt subsystem (the vGIC, vITS and physical routing in
 * {@code org.trapdoor.xen.irq}) does for the domain builders: trap the domain's GIC ranges on its
 * address space and give its kernel a virtual CPU interface.
 */
public interface VirtualInterrupts {
    /** Dom0's vGIC at the host's GIC addresses (and one vITS per host ITS). */
    GuestInterrupts attachDom0(XenDomain dom0);

    /** A DomU's vGIC at {@code GUEST_GICV3_GICD_BASE} / {@code GUEST_GICV3_GICR0_BASE}. */
    GuestInterrupts attachDomU(XenDomain domU);

    /** The domain is being destroyed: its routes and traps go, its vIRQs are dropped. */
    void destroy(XenDomain domain);

    /** Every physical interrupt taken for a guest, with its fate (empty without a vGIC). */
    default org.trapdoor.api.irq.InterruptCounters ledger() {
        return new org.trapdoor.api.irq.InterruptCounters();
    }

    /** {@link #of(java.util.function.Function, java.util.function.Function, java.util.function.Consumer)} with a ledger. */
    static VirtualInterrupts of(java.util.function.Function<XenDomain, GuestInterrupts> dom0,
            java.util.function.Function<XenDomain, GuestInterrupts> domU,
            java.util.function.Consumer<XenDomain> destroy,
            java.util.function.Supplier<org.trapdoor.api.irq.InterruptCounters> ledger) {
        VirtualInterrupts v = of(dom0, domU, destroy);
        return new VirtualInterrupts() {
            @Override
            public GuestInterrupts attachDom0(XenDomain d) {
                return v.attachDom0(d);
            }

            @Override
            public GuestInterrupts attachDomU(XenDomain d) {
                return v.attachDomU(d);
            }

            @Override
            public void destroy(XenDomain d) {
                v.destroy(d);
            }

            @Override
            public org.trapdoor.api.irq.InterruptCounters ledger() {
                return ledger.get();
            }
        };
    }

    /**
     * The interrupt subsystem from its three operations, so that it need not depend on this
     * package (which depends on it through the component): no package cycle.
     */
    static VirtualInterrupts of(java.util.function.Function<XenDomain, GuestInterrupts> dom0,
            java.util.function.Function<XenDomain, GuestInterrupts> domU,
            java.util.function.Consumer<XenDomain> destroy) {
        return new VirtualInterrupts() {
            @Override
            public GuestInterrupts attachDom0(XenDomain d) {
                return dom0.apply(d);
            }

            @Override
            public GuestInterrupts attachDomU(XenDomain d) {
                return domU.apply(d);
            }

            @Override
            public void destroy(XenDomain d) {
                destroy.accept(d);
            }
        };
    }

    /**
     * Xen built without a vGIC: no domain gets interrupts; its GIC ranges stay unmapped, so its
     * kernel's GIC probe reads all-ones (counted stage-2 aborts) and it runs without interrupts.
     */
    VirtualInterrupts NONE = new VirtualInterrupts() {
        private final GuestInterrupts none = new GuestInterrupts() {
            @Override
            public org.trapdoor.api.irq.InterruptController interruptController(String node) {
                return null;
            }

            @Override
            public void attach(String node, org.trapdoor.api.irq.InterruptSink sink) {
                // no virtual CPU interface to connect to
            }
        };

        @Override
        public GuestInterrupts attachDom0(XenDomain dom0) {
            return none;
        }

        @Override
        public GuestInterrupts attachDomU(XenDomain domU) {
            return none;
        }

        @Override
        public void destroy(XenDomain domain) {
            // nothing was attached
        }
    };
}
