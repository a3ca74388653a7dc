package org.trapdoor.core.compose;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;

/** What the system address space calls for reg entry {@code index} of a node: the slot's model, whichever it is now. */
final class RegionPort implements MmioHandler {
    private final NodeSlot slot;
    private final int index;

    RegionPort(NodeSlot slot, int index) {
        this.slot = slot;
        this.index = index;
    }

    @Override
    public void access(MemoryTransaction tx) {
        Binding b = slot.enter();
        try {
            MmioHandler h = b.region(index);
            if (h == null) {
                slot.refuse(tx, b);
            } else {
                h.access(tx);
            }
        } catch (RuntimeException e) {
            slot.fault(tx, e);
        } finally {
            b.exit();
        }
    }
}
