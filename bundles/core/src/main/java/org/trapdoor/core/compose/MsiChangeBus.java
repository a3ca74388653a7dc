package org.trapdoor.core.compose;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.machine.MsiControllerChange;
import org.trapdoor.api.machine.MsiControllerListener;

/**
 * Reports changes of the model on MSI-controller nodes. A swap queues its change while it holds
 * the composer's lock; the operation that made it reports the queue once it has left the lock,
 * so a listener may read the machine or bind. Reports go out in publish order, one batch at a
 * time, so reports from two threads never interleave or reorder.
 */
final class MsiChangeBus {
    private static final Logger LOG = LoggerFactory.getLogger(MsiChangeBus.class);

    private final Object composerLock;
    private final List<MsiControllerListener> listeners = new CopyOnWriteArrayList<>();
    /** Changes published but not yet reported; guarded by the composer's lock. */
    private final List<MsiControllerChange> pending = new ArrayList<>();
    /** Held while reporting. */
    private final Object reporting = new Object();

    MsiChangeBus(Object composerLock) {
        this.composerLock = composerLock;
    }

    AutoCloseable watch(MsiControllerListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("no listener given");
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Queues a change; the caller holds the composer's lock. */
    void queue(MsiControllerChange change) {
        pending.add(change);
    }

    /** Reports the queued changes; called by every composer operation after it left the lock. */
    void report() {
        synchronized (reporting) {
            List<MsiControllerChange> batch;
            synchronized (composerLock) {
                if (pending.isEmpty()) {
                    return;
                }
                batch = List.copyOf(pending);
                pending.clear();
            }
            for (MsiControllerChange c : batch) {
                for (MsiControllerListener l : listeners) {
                    try {
                        l.msiControllerChanged(c);
                    } catch (RuntimeException e) {
                        LOG.warn("{}: an MSI-controller listener failed", c.node(), e);
                    }
                }
            }
        }
    }
}
