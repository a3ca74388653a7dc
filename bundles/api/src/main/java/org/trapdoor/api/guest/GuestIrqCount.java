package org.trapdoor.api.guest;

/**
 * One line of the kernel's {@code /proc/interrupts}: interrupts handled per INTID.
 *
 * @param intid the INTID
 * @param type  {@code "LPI"}, {@code "SPI"}, {@code "PPI"} or {@code "SGI"}
 * @param owner who the INTID belongs to, e.g. {@code "0000:00:01.0 MSI-X 3"}; empty when none
 * @param count interrupts handled (acknowledged and ended) on any CPU
 */
public record GuestIrqCount(int intid, String type, String owner, long count) {
}
