package org.trapdoor.api.model;

import org.osgi.annotation.versioning.ConsumerType;
import org.trapdoor.api.memory.MmioHandler;

/**
 * A bound instance of a hardware model for one device-tree node.
 *
 * <p>The composer maps each {@code reg} entry of the node into the system address space and
 * forwards accesses to {@link #region(int)}. While the node is unbound (driver stopped, or
 * {@code unbind}), the same addresses answer all-ones / drop writes and are counted.
 */
@ConsumerType
public interface DeviceModel {
    /** The handler for the node's {@code reg} entry {@code index}, or {@code null} if not served. */
    MmioHandler region(int index);

    /**
     * State to hand to a replacement model of the same kind (registers, queues), like QEMU's
     * vmstate: a plain value. {@code null} if all state lives in emulated memory.
     */
    default Object saveState() {
        return null;
    }

    /** Takes over state saved by a previous model for the same node. Unknown state is ignored. */
    default void restoreState(Object state) {
    }

    /** A one-line summary for the {@code platform} command. */
    default String summary() {
        return "";
    }

    /** Called once when the model is unbound; in-flight transactions have drained. */
    default void close() {
    }
}
