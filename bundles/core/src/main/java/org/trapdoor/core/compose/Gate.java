package org.trapdoor.core.compose;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The machine's one in-flight gate: every transaction that may use a published binding (a CPU
 * access, a device's DMA or MSI) enters it once, for its whole trip through the machine, and a
 * swap waits at it until every transaction that could still hold the binding it replaced has
 * left. It replaces a counter per binding, which cost two atomic operations on one shared cache
 * line per node a transaction crossed (two nodes for an MSI: the bridge, then the doorbell).
 *
 * <p>Mechanics: a grace-period scheme with two epochs, as in sleepable RCU. Each thread that
 * enters owns a cell with one counter per parity of {@link #epoch}, which only it writes, with
 * plain stores: no atomic read-modify-write and no shared cache line per transaction.
 * {@link #enter} reads the epoch, increments its own counter of that parity, fences (store then
 * load) and re-reads the epoch; if it changed it backs out and retries. {@link #exit} decrements
 * with a release store. {@link #synchronize} (the swap, after publishing) advances the epoch and
 * waits until every live thread's counter of the old parity is zero. New arrivals count in the
 * new parity, so a swap is never starved by steady traffic. The first thread to enter keeps a
 * fast path to its cell (one reference compare); others find theirs by a short scan.
 *
 * <p>Why a swap that called {@link #synchronize} after publishing {@code next} in place of
 * {@code old} leaves no transaction inside {@code old}: consider a transaction T that reads the
 * slot's binding and gets {@code old}. T entered the gate before that read, with epoch e, and its
 * second read of the epoch also returned e. The increment is ordered before that re-read by the
 * full fence between them, and the swap's write of the binding, its write of the epoch and its
 * reads of the counters are sequentially consistent (volatile), so the two sides are a Dekker
 * pair: one of them sees the other's write. T read {@code old}, so that read came
 * before the swap's publish, hence before the swap's epoch write: T's epoch re-read saw e, so
 * the swap's write made it e+1 (the swap advanced from e, not from a later epoch; swaps are
 * serialised by this object's lock and T's re-read of e means no advance had happened yet) and
 * T's increment, which precedes its re-read, is visible to the swap's sum of parity e. The swap
 * therefore waits until T has left. A transaction that entered with e+1 reads the epoch after
 * the swap wrote it, so its later read of the binding sees {@code next} or newer. One that
 * entered with e-1 or earlier was already waited for by the swap that advanced from e-1. The
 * epoch is compared whole (not only its parity), so a transaction delayed across two swaps
 * between its read and its increment notices and retries.
 *
 * <p>Consequences: a swap waits for every transaction in the machine that began before it, not
 * only those in its own node; transactions are short, so that is a short wait. Nothing inside a
 * transaction may swap a binding (it would wait for itself); nothing does: swaps come from the
 * composer's callers (shell, configuration, tests). A transaction never blocks at the gate; it
 * only retries when a swap advanced the epoch between its two reads. Entering again inside a
 * transaction (a device's DMA started by a CPU's register write) is allowed: it just counts
 * twice. The binding reads a model makes through a {@code ModelRef} (the ITS reaching its GIC)
 * are covered as well, since they happen inside the transaction.
 */
public final class Gate {
    /** Where a cell's two counters sit in its array: mid-array, so no neighbour shares their line. */
    private static final int AT = 7;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    /** One thread's counters, [AT] for parity 0 and [AT + 1] for parity 1. */
    private static final class Cell {
        final Thread owner;
        final long[] count = new long[16];

        Cell(Thread owner) {
            this.owner = owner;
        }
    }

    private static final Cell NOBODY = new Cell(null);

    /** The fast path's cell; read without ordering (a stale value only sends a thread to the scan). */
    private Cell hot = NOBODY;
    private volatile Cell[] cells = new Cell[0];
    private volatile int epoch;

    /**
     * Enters the gate: the binding reads that follow are protected until {@link #exit}. Returns
     * the token to pass to {@code exit}. No lock, no allocation (after a thread's first entry), no
     * atomic read-modify-write: one fence.
     */
    public int enter() {
        long[] k = cell().count;
        for (;;) {
            int e = epoch;
            int at = AT + (e & 1);
            COUNT.setOpaque(k, at, k[at] + 1);
            VarHandle.fullFence();
            if (epoch == e) {
                return e & 1;
            }
            COUNT.setRelease(k, at, k[at] - 1);
        }
    }

    /** Leaves the gate; {@code token} is what {@link #enter} returned on this thread. */
    public void exit(int token) {
        long[] k = cell().count;
        int at = AT + token;
        COUNT.setRelease(k, at, k[at] - 1);
    }

    private Cell cell() {
        Cell c = hot;
        if (c.owner == Thread.currentThread()) {
            return c;
        }
        Thread me = Thread.currentThread();
        for (Cell x : cells) {
            if (x.owner == me) {
                return x;
            }
        }
        return register(me);
    }

    private synchronized Cell register(Thread me) {
        Cell[] old = cells;
        Cell[] live = new Cell[old.length + 1];
        int n = 0;
        for (Cell x : old) {
            if (x.owner.isAlive()) {
                live[n++] = x; // an ended thread is in no transaction: its cell goes
            }
        }
        Cell mine = new Cell(me);
        live[n++] = mine;
        cells = Arrays.copyOf(live, n);
        Cell h = hot;
        if (h == NOBODY || !h.owner.isAlive()) {
            hot = mine;
        }
        return mine;
    }

    /**
     * Waits until no transaction that entered before this call is left in the machine. Called by
     * a swap after it published the new binding, before it hands state over and closes the old
     * model. Must not be called from inside a transaction.
     */
    synchronized void synchronize() {
        int e = epoch;
        epoch = e + 1;
        int at = AT + (e & 1);
        long spins = 0;
        while (!drained(at)) {
            if (++spins < 1000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private boolean drained(int at) {
        for (Cell x : cells) {
            if ((long) COUNT.getVolatile(x.count, at) != 0 && x.owner.isAlive()) {
                return false;
            }
        }
        return true;
    }
}
