package org.trapdoor.core.compose;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;

/**
 * The CPUs' IRQ lines: an {@link InterruptSink} attached to an interrupt-controller node stays
 * with the node whichever model serves it. The swap disconnects the old model and connects the
 * new one ({@link #connect}); guarded by the composer's lock.
 */
final class InterruptWiring {
    private static final Logger LOG = LoggerFactory.getLogger(InterruptWiring.class);

    private final DeviceTree tree;

    InterruptWiring(DeviceTree tree) {
        this.tree = tree;
    }

    /** Attaches {@code sink} (null detaches) to the slot and connects the model bound now. */
    static void attach(NodeSlot s, InterruptSink sink) {
        InterruptSink before = s.sink;
        s.sink = sink;
        if (s.current().model() instanceof InterruptController ic && (sink != null || before != null)) {
            connect(ic, sink, s);
        }
    }

    /** The root's interrupt parent, or null. */
    DtNode rootInterruptController() {
        try {
            DtNode n = tree.root().interruptParent();
            return n != null && n.has("interrupt-controller") ? n : null;
        } catch (DeviceTreeException e) {
            return null;
        }
    }

    /** Connects {@code sink} (null disconnects) to a model; a model that throws is logged, not fatal. */
    static void connect(InterruptController ic, InterruptSink sink, NodeSlot s) {
        try {
            ic.connect(sink);
        } catch (RuntimeException e) {
            LOG.warn("{}: connecting the CPUs' interrupt sink failed", s.node().path(), e);
        }
    }
}
