package org.trapdoor.xen.mm;

import org.trapdoor.api.memory.MemoryTransaction;

/**
 * An emulated IPA range (vGIC distributor and redistributors, vITS, vPCI ECAM): what Xen's
 * {@code register_mmio_handler} registers. Called on the accessing CPU's thread with
 * {@link MemoryTransaction#offset} relative to the trap's base and {@link MemoryTransaction#address}
 * the IPA. A read sets {@code data}; an access the emulation refuses calls
 * {@code tx.fail(MemResult.ABORT)}, which is the data abort Xen injects into the guest (counted
 * by the address space). Must not allocate or block on the guest's hot paths.
 */
@FunctionalInterface
public interface MmioTrap {
    void access(MemoryTransaction tx);
}
