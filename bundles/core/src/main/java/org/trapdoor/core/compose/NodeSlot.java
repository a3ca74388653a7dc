package org.trapdoor.core.compose;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.core.bus.Region;

/**
 * The composer's place for one device-tree node: the binding currently published (one volatile
 * field, read once per transaction), how the user pinned the node, and what it counts.
 *
 * <p>The system address space never points at a model directly: it points at this slot's ports,
 * so a swap is one volatile write here and every region of the node follows at once.
 */
public final class NodeSlot {
    /** How the user pinned the node's binding. */
    enum Pin {
        AUTO, DRIVER, NONE
    }

    private final DtNode node;
    private final boolean enabled;
    private final Binding unbound = Binding.unbound();
    private volatile Binding current = unbound;
    private final LongAdder unboundAccesses = new LongAdder();
    private final LongAdder faults = new LongAdder();
    private volatile String lastFault;

    // Composer state, guarded by the composer's lock.
    Pin pin = Pin.AUTO;
    String pinnedDriver;
    DriverTable.Choice attempted;
    String problem;
    int regCount;
    final List<Region> mapped = new ArrayList<>();
    final List<String> mapProblems = new ArrayList<>();

    NodeSlot(DtNode node, boolean enabled) {
        this.node = node;
        this.enabled = enabled;
    }

    public DtNode node() {
        return node;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The binding published now (may change at any time). */
    public Binding current() {
        return current;
    }

    Binding unboundBinding() {
        return unbound;
    }

    /**
     * Enters the current binding so that a swap waits for this transaction; the caller must call
     * {@link Binding#exit()} when done. Re-reads after arriving so that a swap that has already
     * started draining never misses a late arrival.
     */
    public Binding enter() {
        for (;;) {
            Binding b = current;
            b.arrive();
            if (current == b) {
                return b;
            }
            b.exit();
        }
    }

    /** Publishes {@code next} and waits until no transaction is left in the previous binding. */
    Binding publish(Binding next) {
        Binding old = current;
        current = next;
        long spins = 0;
        while (!old.idle()) {
            if (++spins < 1000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        return old;
    }

    /** Answers a transaction that reached the node while no model serves it: DECERR, counted. */
    public void refuse(MemoryTransaction tx) {
        unboundAccesses.increment();
        tx.fail(MemResult.DECODE_ERROR);
    }

    /** A model threw instead of answering: the access aborts (a slave error) and is counted. */
    public void fault(MemoryTransaction tx, RuntimeException e) {
        faults.increment();
        lastFault = e.toString();
        tx.fail(MemResult.ABORT);
    }

    public long unboundAccesses() {
        return unboundAccesses.sum();
    }

    long faults() {
        return faults.sum();
    }

    String lastFault() {
        return lastFault;
    }
}
