package org.trapdoor.shell.irq;

import java.util.List;

/**
 * The {@code irq} command's result, like {@code /proc/interrupts}.
 *
 * @param kernel     the guest kernel's name, or {@code null} when no guest kernel runs
 * @param controller the root interrupt controller's path, or {@code null}
 * @param lines      one per INTID that is set up or was taken, by INTID
 */
public record IrqListing(String kernel, String controller, List<Line> lines) {
    public IrqListing {
        lines = List.copyOf(lines);
    }

    /**
     * One INTID.
     *
     * @param intid      the INTID
     * @param type       LPI, SPI, PPI or SGI; MSI for a chained MSI controller's vector (a Linux virq)
     * @param handled    interrupts the guest took on it (acknowledged and ended), any CPU
     * @param pended     times the GIC made it pending (since its model was bound), or -1 when the
     *                   interrupt controller is unbound
     * @param controller the MSI controller its message goes through, else the interrupt controller
     * @param owner      the device and vector it belongs to, e.g. {@code 0000:00:01.0 MSI-X 3}; empty if none
     * @param perCpu     {@code handled} per CPU, CPU0 first; empty when the guest does not count per CPU
     */
    public record Line(int intid, String type, long handled, long pended, String controller, String owner,
            List<Long> perCpu) {
        public Line {
            perCpu = perCpu == null ? List.of() : List.copyOf(perCpu);
        }

        /** A line without per-CPU counts. */
        public Line(int intid, String type, long handled, long pended, String controller, String owner) {
            this(intid, type, handled, pended, controller, owner, List.of());
        }
    }
}
