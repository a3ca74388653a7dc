package org.trapdoor.core.compose;

import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MsiControllerChange;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;

/**
 * The swap of one node's model, in two steps: {@link #attempt} creates the new model without
 * publishing anything, so that a bind which fails leaves the node as it was; {@link #commit}
 * hands the current model's state over when both model the same kind of hardware (before
 * publishing, so that no transaction ever sees the new model in its reset state: a re-bound ITS
 * never reads as disabled), publishes, drains, catches up on what the old model changed meanwhile
 * ({@link #catchUp}) and closes the old model. A node left unbound keeps its last model's state,
 * and the next model of the same kind takes it over before it is published. An interrupt
 * controller's new model is connected to the CPUs' sink attached to the node, the old one
 * disconnected. Called under the composer's lock.
 */
final class SlotSwapper {
    private static final Logger LOG = LoggerFactory.getLogger(SlotSwapper.class);

    /** A model created for a node and not yet published; {@code problem} says why there is none. */
    record Attempt(DriverTable.Choice want, Binding next, String problem, long startNanos) {
    }

    private final Function<NodeSlot, BindContext> contexts;
    private final MsiChangeBus msiChanges;
    private final SwapHistory history;

    SlotSwapper(Function<NodeSlot, BindContext> contexts, MsiChangeBus msiChanges, SwapHistory history) {
        this.contexts = contexts;
        this.msiChanges = msiChanges;
        this.history = history;
    }

    SwapHistory history() {
        return history;
    }

    /** Creates the model {@code want} asks for (none for null); publishes nothing. */
    Attempt attempt(NodeSlot s, DriverTable.Choice want) {
        long start = System.nanoTime();
        String problem = null;
        Binding next = s.unboundBinding();
        if (want != null) {
            DeviceModel model = null;
            try {
                model = want.entry().driver().create(contexts.apply(s));
                if (model == null) {
                    problem = want.entry().name() + " returned no model";
                } else {
                    next = Binding.of(model, want.entry(), want.kind(), s.regCount);
                }
            } catch (BindException e) {
                problem = e.getMessage();
            } catch (RuntimeException | LinkageError e) {
                problem = want.entry().name() + " failed: " + e;
                LOG.error("driver {} failed on {}", want.entry().name(), s.node().path(), e);
            }
            if (problem != null && model != null) {
                closeQuietly(model, s);
                next = s.unboundBinding();
            }
        } else if (s.pin == NodeSlot.Pin.DRIVER) {
            problem = "pinned driver '" + s.pinnedDriver + "' is not registered";
        }
        return new Attempt(want, next, problem, start);
    }

    /** Gives up an attempt that will not be published: its model is closed, the node untouched. */
    void discard(NodeSlot s, Attempt a) {
        if (a.next().model() != null) {
            closeQuietly(a.next().model(), s);
        }
    }

    /** Publishes the attempt's model (or none) in the node's slot; see the class comment. */
    void commit(NodeSlot s, Attempt a) {
        Binding next = a.next();
        Binding before = s.current();
        // The kind of the last model the node had, whether it is being replaced now or left the node unbound.
        String lastKind = before.model() != null ? before.kind() : s.lastKind;
        boolean handOver = before.model() != null && next.model() != null && before.kind().equals(next.kind());
        // The new model carries on from the last one's state (live or parked), rather than from reset.
        boolean continued = false;
        // Before publishing: no transaction may see the new model in its reset state.
        Object handed = null;
        if (handOver) {
            try {
                handed = before.model().saveState();
                next.model().restoreState(handed);
            } catch (RuntimeException e) {
                LOG.warn("{}: state hand-over from {} to {} failed", s.node().path(), before.driver().name(),
                        next.driver().name(), e);
                handOver = false;
            }
            continued = handOver;
        } else if (next.model() != null && before.model() == null && s.parkedKind != null
                && next.kind().equals(s.parkedKind)) {
            try {
                if (s.parkedState != null) {
                    next.model().restoreState(s.parkedState);
                }
                continued = true;
            } catch (RuntimeException e) {
                LOG.warn("{}: restoring the saved state into {} failed", s.node().path(), next.driver().name(), e);
            }
        }
        // The new model's state as restored, if its state values compare by value (two snapshots equal).
        Object restored = handOver ? saveQuietly(next.model()) : null;
        if (restored != null && !restored.equals(saveQuietly(next.model()))) {
            restored = null;
        }
        Binding old = s.publish(next);
        long stall = s.lastDrainNanos();
        DeviceModel oldModel = old.model();
        if (oldModel instanceof InterruptController ic && s.sink != null) {
            InterruptWiring.connect(ic, null, s);
        }
        if (oldModel != null) {
            if (handOver) {
                catchUp(s, old, next, handed, restored);
            } else if (next.model() == null) {
                // Left unbound: keep the registers, so that rebinding the same kind of hardware
                // carries on with the tables already in memory instead of a reset device.
                try {
                    s.parkedState = oldModel.saveState();
                    s.parkedKind = old.kind();
                } catch (RuntimeException e) {
                    LOG.warn("{}: saving the state of {} failed", s.node().path(), old.driver().name(), e);
                }
            }
            closeQuietly(oldModel, s);
        }
        if (next.model() != null) {
            s.parkedState = null;
            s.parkedKind = null;
            s.lastKind = next.kind();
        }
        if (oldModel != next.model() && s.node().has("msi-controller")) {
            MsiController m = next.model() instanceof MsiController mc ? mc : null;
            msiChanges.queue(new MsiControllerChange(s.node().path(), m, m == null ? null : next.driver().name(),
                    m != null && next.kind().equals(lastKind), m != null && continued));
        }
        if (next.model() instanceof InterruptController ic && s.sink != null) {
            // The CPUs stay wired to the node, whichever model serves it; pending state is signalled now.
            InterruptWiring.connect(ic, s.sink, s);
        }
        if (oldModel != next.model()) {
            history.add(s.node().path(), old.driver() == null ? null : old.driver().name(),
                    next.driver() == null ? null : next.driver().name(), a.startNanos(),
                    System.nanoTime() - a.startNanos(), stall);
        }
        s.attempted = a.want();
        s.problem = a.problem();
        if (a.problem() != null) {
            LOG.warn("{} left unbound: {}", s.node().path(), a.problem());
        } else if (next.model() != null) {
            LOG.info("{} bound to {}", s.node().path(), next.driver().name());
        } else if (oldModel != null) {
            LOG.info("{} unbound", s.node().path());
        }
    }

    /**
     * After the drain of a same-kind swap: the old model may have changed between the copy made
     * before publishing and the publish (a register write that raced with the swap). Such a
     * change is carried over only when the new model is still exactly in the copied state, that
     * is when nothing reached it yet: then copying again is as if the write had landed before the
     * publish, and nothing tears. If both changed, two writers raced with the swap; the new
     * model's state is later in time and is kept (the write to the old model is lost, as a write
     * racing with a reset-free hand-over on hardware may be), and the fact is logged. Models
     * whose state value has no value equality (for example one holding an array) are never
     * copied twice: the copy before publishing is then the only one, which is what matters for
     * the data path, since their tables live in emulated memory that both models share.
     */
    private static void catchUp(NodeSlot s, Binding old, Binding next, Object handed, Object restored) {
        if (restored == null) {
            return;
        }
        Object now;
        try {
            now = old.model().saveState();
        } catch (RuntimeException e) {
            LOG.warn("{}: saving the state of {} failed", s.node().path(), old.driver().name(), e);
            return;
        }
        if (now == null || now.equals(handed)) {
            return;
        }
        Object nextNow = saveQuietly(next.model());
        if (restored.equals(nextNow)) {
            try {
                next.model().restoreState(now);
            } catch (RuntimeException e) {
                LOG.warn("{}: state hand-over from {} to {} failed", s.node().path(), old.driver().name(),
                        next.driver().name(), e);
            }
        } else {
            LOG.warn("{}: {} and {} both changed state during the swap; {} keeps its own", s.node().path(),
                    old.driver().name(), next.driver().name(), next.driver().name());
        }
    }

    private static Object saveQuietly(DeviceModel m) {
        try {
            return m.saveState();
        } catch (RuntimeException e) {
            return null;
        }
    }

    static void closeQuietly(DeviceModel m, NodeSlot s) {
        try {
            m.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the model failed", s.node().path(), e);
        }
    }
}
