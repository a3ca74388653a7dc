package org.trapdoor.api.memory;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Emulated RAM, as models see it when they walk tables the guest placed in memory (ITS device
 * tables, SMMU stream tables, command queues) and as guests see it when they fill them.
 *
 * <p>Accesses outside RAM throw {@link MemoryAccessException}: a model turns that into its
 * architected error (an ITS stall, an SMMU F_WALK_EABT), never into a crash.
 */
@ProviderType
public interface PhysicalMemory {
    /** True when every byte of [address, address+length) is backed by RAM. */
    boolean isRam(long address, long length);

    /** Little-endian load of 1, 2, 4 or 8 bytes. */
    long load(long address, int size);

    /** Little-endian store of 1, 2, 4 or 8 bytes. */
    void store(long address, int size, long value);

    default long load64(long address) {
        return load(address, 8);
    }

    default int load32(long address) {
        return (int) load(address, 4);
    }

    default void store64(long address, long value) {
        store(address, 8, value);
    }

    default void store32(long address, int value) {
        store(address, 4, value & 0xffff_ffffL);
    }

    void read(long address, byte[] dst, int offset, int length);

    void write(long address, byte[] src, int offset, int length);
}
