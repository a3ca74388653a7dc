package org.trapdoor.api.pci.host;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * CPU loads and stores at physical addresses, as the owner of a bring-up makes them: a guest
 * kernel's MMIO accessors, or a hypervisor's own mapping of the bridge's registers.
 */
@ConsumerType
public interface RegisterAccess {
    /** A load of 1, 2, 4 or 8 bytes; all-ones when nothing answers. */
    long read(long address, int size);

    void write(long address, int size, long value);

    /**
     * Waits as the driver would between polls ({@code msleep}, {@code udelay}). A model answers
     * at once, so an owner without time to spend may return immediately.
     */
    default void delayMicros(long micros) {
    }

    default int read32(long address) {
        return (int) read(address, 4);
    }

    default void write32(long address, int value) {
        write(address, 4, value & 0xffff_ffffL);
    }
}
