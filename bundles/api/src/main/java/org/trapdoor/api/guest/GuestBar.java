package org.trapdoor.api.guest;

/**
 * One Base Address Register as the kernel sized and assigned it.
 *
 * @param index        BAR number (0..5); a 64-bit BAR is reported once, at its low slot
 * @param type         what it decodes
 * @param prefetchable the prefetchable bit of a memory BAR
 * @param size         size found by sizing (write all-ones, read back)
 * @param busAddress   the PCI bus address written to the BAR, or -1 when unassigned
 * @param cpuAddress   the CPU physical address it appears at, or -1 when unassigned
 */
public record GuestBar(int index, Type type, boolean prefetchable, long size, long busAddress, long cpuAddress) {
    /** What a BAR decodes. */
    public enum Type {
        MEM32, MEM64, IO
    }

    public boolean assigned() {
        return busAddress >= 0;
    }

    /** The config-space offset of the (low half of the) BAR. */
    public int offset() {
        return 0x10 + 4 * index;
    }
}
