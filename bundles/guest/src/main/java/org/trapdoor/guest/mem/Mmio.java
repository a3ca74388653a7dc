package org.trapdoor.guest.mem;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * CPU loads and stores to device registers ({@code readl_relaxed}/{@code writeq_relaxed}) through
 * the address space the kernel runs against. One transaction object is reused, so an instance
 * belongs to the thread doing set-up. A failed read returns all-ones, as on the bus.
 */
public final class Mmio {
    private final AddressSpace memory;
    private final MemoryTransaction tx = new MemoryTransaction();

    public Mmio(AddressSpace memory) {
        this.memory = memory;
    }

    public synchronized long read(long address, int size) {
        memory.access(tx.read(address, size));
        return tx.ok() ? tx.data & MemoryTransaction.allOnes(size) : MemoryTransaction.allOnes(size);
    }

    public int read32(long address) {
        return (int) read(address, 4);
    }

    public long read64(long address) {
        return read(address, 8);
    }

    /** Returns whether the target accepted the store. */
    public synchronized boolean write(long address, int size, long value) {
        memory.access(tx.write(address, size, value & MemoryTransaction.allOnes(size)));
        return tx.ok();
    }

    public boolean write32(long address, int value) {
        return write(address, 4, value & 0xffff_ffffL);
    }

    public boolean write64(long address, long value) {
        return write(address, 8, value);
    }
}
