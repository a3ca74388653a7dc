package org.trapdoor.api.counter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A count that many threads add to and anyone reads, made for the hot paths: each adding thread
 * owns a cell, and adds to it with a plain store, since no other thread ever writes it. No lock,
 * no atomic read-modify-write, no allocation after a thread's first add.
 *
 * <p>Why not {@link java.util.concurrent.atomic.LongAdder}: uncontended it still pays one
 * locked compare-and-set per add, and an MSI's way from a device to a CPU is counted a dozen
 * times (device, port, controller, GIC, the machine's ledger, the CPU's handler); those
 * compare-and-sets were most of its cost.
 *
 * <p>The first thread to add keeps a fast path (one reference compare); others find their cell
 * by a short scan. A new cell folds the cells of threads that have ended into a retired total,
 * so threads that come and go do not grow the counter. {@link #sum()} is exact for every add
 * that happened-before it (a join, a queue hand-off, a volatile read) and sees others soon after.
 */
public final class EventCounter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Cell.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One thread's share, padded so two threads' cells never share a cache line. */
    static final class Cell {
        long p0, p1, p2, p3, p4, p5, p6;
        final Thread owner;
        long value;
        long q0, q1, q2, q3, q4, q5, q6;

        Cell(Thread owner) {
            this.owner = owner;
        }

        long value() {
            return (long) VALUE.getOpaque(this);
        }
    }

    /** The live cells and what ended threads added, swapped as one. */
    private record Cells(Cell[] live, long retired) {
    }

    private static final Cell NOBODY = new Cell(null);

    /** The fast path's cell; read without ordering (a stale value only sends a thread to the scan). */
    private Cell hot = NOBODY;
    private volatile Cells cells = new Cells(new Cell[0], 0);
    /** Subtracted from the raw total: {@link #reset()} without touching the owners' cells. */
    private volatile long base;

    /** Adds one. */
    public void increment() {
        Cell c = hot;
        if (c.owner != Thread.currentThread()) {
            c = cell();
        }
        VALUE.setOpaque(c, c.value + 1);
    }

    /** Adds {@code n}. */
    public void add(long n) {
        Cell c = hot;
        if (c.owner != Thread.currentThread()) {
            c = cell();
        }
        VALUE.setOpaque(c, c.value + n);
    }

    /** The total of every add so far, less what {@link #reset()} took away. */
    public long sum() {
        return raw() - base;
    }

    /** Starts the count afresh at zero. */
    public synchronized void reset() {
        base = raw();
    }

    private long raw() {
        Cells s = cells;
        long n = s.retired();
        for (Cell c : s.live()) {
            n += c.value();
        }
        return n;
    }

    private Cell cell() {
        Thread me = Thread.currentThread();
        for (Cell c : cells.live()) {
            if (c.owner == me) {
                return c;
            }
        }
        return register(me);
    }

    private synchronized Cell register(Thread me) {
        Cells s = cells;
        long retired = s.retired();
        Cell[] live = new Cell[s.live().length + 1];
        int n = 0;
        for (Cell c : s.live()) {
            // A thread that has ended made its last add visible to whoever sees it ended (JLS 17.4.4).
            if (c.owner.isAlive()) {
                live[n++] = c;
            } else {
                retired += c.value();
            }
        }
        Cell mine = new Cell(me);
        live[n++] = mine;
        cells = new Cells(java.util.Arrays.copyOf(live, n), retired);
        Cell h = hot;
        if (h == NOBODY || !h.owner.isAlive()) {
            hot = mine;
        }
        return mine;
    }

    @Override
    public String toString() {
        return Long.toString(sum());
    }
}
