package org.trapdoor.api.counter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Counts per index (per INTID, per vector) with {@link EventCounter}'s discipline: each adding
 * thread owns its cells and adds with a plain store; no lock, no atomic read-modify-write. A
 * thread's cells come in chunks allocated the first time it counts an index in them, so a
 * 64K-INTID array costs a thread only the few chunks it touches.
 */
public final class EventCounterArray {
    private static final int CHUNK_BITS = 9;
    private static final int CHUNK = 1 << CHUNK_BITS;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    /** One thread's chunks. */
    static final class Cells {
        final Thread owner;
        final long[][] chunks;

        Cells(Thread owner, int chunks) {
            this.owner = owner;
            this.chunks = new long[chunks][];
        }

        long get(int i) {
            long[] ch = chunks[i >>> CHUNK_BITS];
            return ch == null ? 0 : (long) SLOT.getOpaque(ch, i & (CHUNK - 1));
        }
    }

    private record State(Cells[] live, long[] retired) {
    }

    private final int length;
    private final Cells nobody;
    private Cells hot;
    private volatile State state;
    /** Subtracted per index: what {@link #reset} took away. Written under the monitor. */
    private volatile long[] base;

    public EventCounterArray(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        this.length = length;
        int chunks = (length + CHUNK - 1) >>> CHUNK_BITS;
        nobody = new Cells(null, chunks);
        hot = nobody;
        state = new State(new Cells[0], new long[length]);
        base = new long[length];
    }

    public int length() {
        return length;
    }

    /** Adds one to index {@code i}; an index outside the array is ignored (the caller range-checks). */
    public void increment(int i) {
        if (i < 0 || i >= length) {
            return;
        }
        Cells c = hot;
        if (c.owner != Thread.currentThread()) {
            c = cells();
        }
        long[] ch = c.chunks[i >>> CHUNK_BITS];
        if (ch == null) {
            ch = c.chunks[i >>> CHUNK_BITS] = new long[CHUNK];
        }
        int j = i & (CHUNK - 1);
        SLOT.setOpaque(ch, j, ch[j] + 1);
    }

    /** The count at index {@code i}; 0 outside the array. */
    public long get(int i) {
        if (i < 0 || i >= length) {
            return 0;
        }
        State s = state;
        long n = s.retired()[i];
        for (Cells c : s.live()) {
            n += c.get(i);
        }
        return n - base[i];
    }

    /**
     * Every add to any index since the array was made: {@link #reset} only moves an index's
     * zero point, so it does not take anything away from this total.
     */
    public long total() {
        State s = state;
        long n = 0;
        for (long r : s.retired()) {
            n += r;
        }
        for (Cells c : s.live()) {
            for (long[] ch : c.chunks) {
                if (ch != null) {
                    for (int j = 0; j < ch.length; j++) {
                        n += (long) SLOT.getOpaque(ch, j);
                    }
                }
            }
        }
        return n;
    }

    /** Starts index {@code i} afresh at zero. */
    public synchronized void reset(int i) {
        if (i >= 0 && i < length) {
            long[] b = base.clone();
            b[i] = get(i) + b[i];
            base = b;
        }
    }

    /** Starts every index afresh at zero. */
    public synchronized void resetAll() {
        long[] b = new long[length];
        for (int i = 0; i < length; i++) {
            b[i] = get(i) + base[i];
        }
        base = b;
    }

    private Cells cells() {
        Thread me = Thread.currentThread();
        for (Cells c : state.live()) {
            if (c.owner == me) {
                return c;
            }
        }
        return register(me);
    }

    private synchronized Cells register(Thread me) {
        State s = state;
        long[] retired = s.retired();
        Cells[] live = new Cells[s.live().length + 1];
        int n = 0;
        for (Cells c : s.live()) {
            if (c.owner.isAlive()) {
                live[n++] = c;
            } else {
                // Ended threads' counts fold into one array (JLS 17.4.4: their adds are visible now).
                if (retired == s.retired()) {
                    retired = retired.clone();
                }
                for (int i = 0; i < length; i++) {
                    retired[i] += c.get(i);
                }
            }
        }
        Cells mine = new Cells(me, nobody.chunks.length);
        live[n++] = mine;
        state = new State(Arrays.copyOf(live, n), retired);
        Cells h = hot;
        if (h == nobody || !h.owner.isAlive()) {
            hot = mine;
        }
        return mine;
    }
}
