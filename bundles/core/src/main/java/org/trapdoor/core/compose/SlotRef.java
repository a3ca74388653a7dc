package org.trapdoor.core.compose;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;

/**
 * A {@link ModelRef} that reads the target slot's published binding: follows every swap. The
 * typed model is resolved once per binding (a type check against an interface is a scan of the
 * class's supertypes, and an ITS asks for its GIC on every MSI), then reused while the binding is
 * the slot's.
 */
final class SlotRef<T extends DeviceModel> implements ModelRef<T> {
    private final NodeSlot slot;
    private final Class<T> kind;
    /** The last binding seen and its model as a {@code T}; replaced whole, so a racy read is safe. */
    private Resolved<T> resolved = new Resolved<>(null, null);

    private record Resolved<T>(Binding binding, T model) {
    }

    SlotRef(NodeSlot slot, Class<T> kind) {
        this.slot = slot;
        this.kind = kind;
    }

    @Override
    public T get() {
        Binding b = slot.current();
        Resolved<T> r = resolved;
        if (r.binding() == b) {
            return r.model();
        }
        DeviceModel m = b.model();
        T t = kind.isInstance(m) ? kind.cast(m) : null;
        resolved = new Resolved<>(b, t); // once per swap
        return t;
    }

    @Override
    public DtNode node() {
        return slot.node();
    }
}
