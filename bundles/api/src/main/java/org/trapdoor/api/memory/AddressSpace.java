package org.trapdoor.api.memory;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A physical address space: dispatches each transaction to the region that decodes its address.
 * Unmapped addresses get the architected answer (reads all-ones, writes dropped, result
 * {@link MemResult#DECODE_ERROR}) and are counted.
 */
@ProviderType
public interface AddressSpace {
    /** Performs the transaction; on return its result and (for reads) data are set. */
    void access(MemoryTransaction tx);

    /** Convenience for slow paths (shell, tests): a CPU read. */
    default long read(long address, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(address, size);
        access(tx);
        return tx.data;
    }

    /** Convenience for slow paths (shell, tests): a CPU write; returns the result. */
    default MemResult write(long address, int size, long value) {
        MemoryTransaction tx = new MemoryTransaction().write(address, size, value);
        access(tx);
        return tx.result;
    }
}
