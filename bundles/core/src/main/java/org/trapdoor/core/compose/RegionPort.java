package org.trapdoor.core.compose;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.core.bus.EnteredHandler;

/**
 * What the system address space calls for reg entry {@code index} of a node: the slot's model,
 * whichever it is now. A CPU access enters the machine's gate here; a device's transaction
 * entered it at its upstream port already and comes in through {@link #accessEntered}.
 */
final class RegionPort implements EnteredHandler {
    private final NodeSlot slot;
    private final int index;
    private final Gate gate;

    RegionPort(NodeSlot slot, int index) {
        this.slot = slot;
        this.index = index;
        this.gate = slot.gate();
    }

    @Override
    public void access(MemoryTransaction tx) {
        int token = gate.enter();
        try {
            accessEntered(tx);
        } finally {
            gate.exit(token);
        }
    }

    @Override
    public void accessEntered(MemoryTransaction tx) {
        Binding b = slot.current();
        if (slot.access.on()) {
            trace(tx, b);
        }
        try {
            MmioHandler h = b.region(index);
            if (h == null) {
                slot.refuse(tx, b);
            } else {
                h.access(tx);
            }
        } catch (RuntimeException | StackOverflowError | LinkageError | AssertionError e) {
            // A model's failure, exception or Error (runaway recursion, a class of a plugin that
            // left), aborts this access only; the machine and the next access go on.
            slot.fault(tx, e);
        }
    }

    /** Out of line, so the access path stays small enough for the JIT to inline into its callers. */
    private void trace(MemoryTransaction tx, Binding b) {
        slot.access.emitText(slot.path, index, tx.address, tx.size, tx.write ? 1 : 0, tx.msi ? 1 : 0,
                b.model() != null ? 1 : 0);
    }
}
