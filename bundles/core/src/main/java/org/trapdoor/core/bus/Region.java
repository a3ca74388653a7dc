package org.trapdoor.core.bus;

import org.trapdoor.api.memory.MmioHandler;

/** A window of the system address space and the handler that decodes it. */
public record Region(long base, long size, String name, MmioHandler handler) {
    /** The last address inside the region (inclusive, so a region may end at the top of memory). */
    public long last() {
        return base + size - 1;
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address, last()) <= 0;
    }

    @Override
    public String toString() {
        return String.format("%s 0x%x-0x%x", name, base, last());
    }
}
