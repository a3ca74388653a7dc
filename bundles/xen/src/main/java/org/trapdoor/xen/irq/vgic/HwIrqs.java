package org.trapdoor.xen.irq.vgic;

/**
 * What a virtual GIC asks of the physical GIC for a virtual interrupt that is a physical one
 * passed through (an SPI routed to a domain: the list register's HW bit). Xen enables the
 * physical SPI when the guest enables the virtual one ({@code vgic_enable_irqs}), and deactivates
 * it when the guest ends the virtual one (the HW bit in {@code ICH_LR}: the guest's EOI of the
 * virtual INTID deactivates the physical INTID).
 */
public interface HwIrqs {
    /** No physical interrupts behind the virtual ones (unit tests of a vGIC alone). */
    HwIrqs NONE = new HwIrqs() {
        @Override
        public void deactivate(int pcpu, int pintid) {
            // nothing behind
        }

        @Override
        public void enable(int pintid, boolean enabled) {
            // nothing behind
        }
    };

    /** The guest ended the virtual interrupt: deactivate physical {@code pintid} on physical CPU {@code pcpu}. */
    void deactivate(int pcpu, int pintid);

    /** The guest enabled or disabled the virtual interrupt: do the same to physical {@code pintid}. */
    void enable(int pintid, boolean enabled);
}
