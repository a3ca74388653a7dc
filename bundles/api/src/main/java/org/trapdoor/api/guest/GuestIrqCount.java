package org.trapdoor.api.guest;

import java.util.List;

/**
 * One line of the kernel's {@code /proc/interrupts}: interrupts handled per INTID.
 *
 * @param intid  the INTID
 * @param type   {@code "LPI"}, {@code "SPI"}, {@code "PPI"} or {@code "SGI"}
 * @param owner  who the INTID belongs to, e.g. {@code "0000:00:01.0 MSI-X 3"}; empty when none
 * @param count  interrupts handled (acknowledged and ended) on any CPU
 * @param perCpu the same per CPU, CPU0 first, one entry per CPU the kernel runs on; empty when the
 *               kernel does not count per CPU
 */
public record GuestIrqCount(int intid, String type, String owner, long count, List<Long> perCpu) {

    public GuestIrqCount {
        perCpu = perCpu == null ? List.of() : List.copyOf(perCpu);
    }

    /** A line without per-CPU counts. */
    public GuestIrqCount(int intid, String type, String owner, long count) {
        this(intid, type, owner, count, List.of());
    }
}
