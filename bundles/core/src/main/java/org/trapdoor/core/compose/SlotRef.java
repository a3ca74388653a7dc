package org.trapdoor.core.compose;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.platform.DeviceModel;
import org.trapdoor.api.platform.ModelRef;

/** A {@link ModelRef} that reads the target slot's published binding: follows every swap. */
final class SlotRef<T extends DeviceModel> implements ModelRef<T> {
    private final NodeSlot slot;
    private final Class<T> kind;

    SlotRef(NodeSlot slot, Class<T> kind) {
        this.slot = slot;
        this.kind = kind;
    }

    @Override
    public T get() {
        DeviceModel m = slot.current().model();
        return kind.isInstance(m) ? kind.cast(m) : null;
    }

    @Override
    public DtNode node() {
        return slot.node();
    }
}
