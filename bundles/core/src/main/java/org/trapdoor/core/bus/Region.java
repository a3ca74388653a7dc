package org.trapdoor.core.bus;

import java.util.Comparator;

import org.trapdoor.api.memory.MmioHandler;

/**
 * A window of the system address space and the handler that decodes it.
 *
 * @param priority an explicit decode priority (QEMU's {@code memory_region_add_subregion_overlap});
 *                 0 for every node's {@code reg}
 * @param order    when it was mapped (tree order for the nodes), the last tie-break of {@link #DECODES_FIRST}
 */
public record Region(long base, long size, String name, MmioHandler handler, int priority, long order) {
    /**
     * Which of two overlapping regions decodes the addresses they share: the higher priority,
     * then the smaller region (the more specific decode: a block's sub-decoder forwards its
     * sub-range to the smaller block, as X-Gene's PCIe CSR does for the clock registers at
     * csr + 0xc000), then the one mapped first. A total order, so every address has exactly one
     * decoder.
     */
    public static final Comparator<Region> DECODES_FIRST = Comparator.comparingInt(Region::priority).reversed()
            .thenComparing(Region::size, Long::compareUnsigned).thenComparingLong(Region::order);

    public Region(long base, long size, String name, MmioHandler handler) {
        this(base, size, name, handler, 0, 0);
    }

    /** The last address inside the region (inclusive, so a region may end at the top of memory). */
    public long last() {
        return base + size - 1;
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address, last()) <= 0;
    }

    /** True when the two share at least one address. */
    public boolean overlaps(Region o) {
        return Long.compareUnsigned(base, o.last()) <= 0 && Long.compareUnsigned(o.base, last()) <= 0;
    }

    @Override
    public String toString() {
        return String.format("%s 0x%x-0x%x", name, base, last());
    }
}
