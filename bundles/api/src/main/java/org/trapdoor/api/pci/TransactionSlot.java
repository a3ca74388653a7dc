package org.trapdoor.api.pci;

import java.util.concurrent.atomic.AtomicBoolean;

import org.trapdoor.api.memory.MemoryTransaction;

/**
 * One reusable transaction for an initiator that is normally driven by one thread at a time. A
 * second thread arriving while it is in use gets a fresh transaction instead of a lock, so the
 * common path allocates nothing and never blocks.
 */
final class TransactionSlot {
    private final MemoryTransaction tx = new MemoryTransaction();
    private final AtomicBoolean busy = new AtomicBoolean();

    MemoryTransaction acquire() {
        return busy.compareAndSet(false, true) ? tx : new MemoryTransaction();
    }

    void release(MemoryTransaction t) {
        if (t == tx) {
            busy.set(false);
        }
    }
}
