package org.trapdoor.api.pci;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.trapdoor.api.memory.MemoryTransaction;

/**
 * Reusable transactions for an initiator that is normally driven by one thread at a time. The
 * first thread to send owns one transaction, which it takes and gives back with plain writes (no
 * atomic operation on an MSI's way); any other thread shares a second one through a
 * compare-and-set. A thread that finds its transaction in use (a send re-entered, or two other
 * threads at once) gets a fresh one instead of a lock, so the common path allocates nothing and
 * never blocks.
 */
final class TransactionSlot {
    private final MemoryTransaction ownerTx = new MemoryTransaction();
    private final MemoryTransaction sharedTx = new MemoryTransaction();
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    /** Only the owner thread reads or writes it. */
    private boolean ownerBusy;
    private final AtomicBoolean sharedBusy = new AtomicBoolean();

    MemoryTransaction acquire() {
        Thread me = Thread.currentThread();
        Thread o = owner.getPlain();
        if (o == me || o == null && owner.compareAndSet(null, me)) {
            if (!ownerBusy) {
                ownerBusy = true;
                return ownerTx;
            }
            return new MemoryTransaction();
        }
        return sharedBusy.compareAndSet(false, true) ? sharedTx : new MemoryTransaction();
    }

    void release(MemoryTransaction t) {
        if (t == ownerTx) {
            ownerBusy = false;
        } else if (t == sharedTx) {
            sharedBusy.setRelease(false); // the next acquire's compare-and-set orders after it
        }
    }
}
