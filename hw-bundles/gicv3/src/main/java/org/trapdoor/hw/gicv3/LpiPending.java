package org.trapdoor.hw.gicv3;

import static org.trapdoor.api.irq.InterruptController.FIRST_LPI;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One redistributor's pending LPIs while EnableLPIs is set (the architecture leaves the pending
 * table's contents to the redistributor then; {@link Redistributor} writes them back when it is
 * cleared). A bitmap with two levels of marks (one per word that may be non-zero, one per marks
 * word that may be non-zero), so a scan visits only what is pending, never the whole INTID space.
 *
 * <p>Lock-free: a setter sets its bit with one atomic update and marks the word; a scan that finds
 * a marked word empty unmarks it, then re-reads the word and marks it again if a bit came (both
 * sides write then read with volatile semantics, so one of them sees the other).
 */
final class LpiPending {
    /** Atomic and volatile access to the bitmaps (plain long arrays). */
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TOP;

    static {
        try {
            TOP = MethodHandles.lookup().findVarHandle(LpiPending.class, "marksTop", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] bits = new long[Gicv3.LPI_LIMIT / 64];
    private final long[] marks = new long[Gicv3.LPI_LIMIT / 64 / 64];
    private volatile long marksTop;
    // The pending word of the LPI this CPU took last. A scan unmarks the empty words it meets
    // but this one, so the word that empties and refills with every MSI keeps its marks (no
    // atomic update of them per MSI); it is unmarked once another word has been taken from.
    private int lastTakenWord = -1;

    /** True when no word is marked: nothing can be pending (a setter marks after it sets). */
    boolean isEmpty() {
        return marksTop == 0;
    }

    boolean isPending(int intid) {
        return ((long) WORD.getVolatile(bits, intid >>> 6) & (1L << intid)) != 0;
    }

    /**
     * Sets {@code intid}'s pending bit; returns whether it was pending before. One atomic update
     * of the word; the marks are only read, unless the word was unmarked.
     */
    boolean set(int intid) {
        int w = intid >>> 6;
        long bit = 1L << intid;
        long before = (long) WORD.getAndBitwiseOr(bits, w, bit);
        if ((before & bit) != 0) {
            return true;
        }
        mark(w);
        return false;
    }

    /** Clears {@code intid}'s pending bit; returns whether it was pending before. */
    boolean clear(int intid) {
        long bit = 1L << intid;
        long before = (long) WORD.getAndBitwiseAnd(bits, intid >>> 6, ~bit);
        return (before & bit) != 0;
    }

    /** The CPU took {@code intid} (see {@link #lastTakenWord}); only that CPU's acknowledge calls this. */
    void taken(int intid) {
        lastTakenWord = intid >>> 6;
    }

    /** Takes every pending bit of word {@code w} (MOVALL); returns them. */
    long takeWord(int w) {
        return (long) WORD.getAndSet(bits, w, 0L);
    }

    long word(int w) {
        return (long) WORD.getVolatile(bits, w);
    }

    /** Loads word {@code w} from the pending table (EnableLPIs), marking it if not empty. */
    void load(int w, long value) {
        WORD.setVolatile(bits, w, value);
        if (value != 0) {
            mark(w);
        }
    }

    /** Forgets every pending bit and mark (before the table is loaded again). */
    void clearAll() {
        for (int w = 0; w < bits.length; w++) {
            WORD.setVolatile(bits, w, 0L);
        }
        for (int m = 0; m < marks.length; m++) {
            WORD.setVolatile(marks, m, 0L);
        }
        marksTop = 0;
    }

    /**
     * Marks pending word {@code w}, after a bit of it was set. A mark already there is left
     * alone: a scan that unmarks re-reads the word afterwards and marks it again if a bit came.
     */
    private void mark(int w) {
        int m = w >>> 6;
        long bit = 1L << w;
        if (((long) WORD.getVolatile(marks, m) & bit) == 0) {
            WORD.getAndBitwiseOr(marks, m, bit);
        }
        if ((marksTop & (1L << m)) == 0) {
            TOP.getAndBitwiseOr(this, 1L << m);
        }
    }

    /** A scan found word {@code w} empty: unmark it, unless a setter filled it meanwhile. */
    private void unmark(int w) {
        int m = w >>> 6;
        WORD.getAndBitwiseAnd(marks, m, ~(1L << w));
        if ((long) WORD.getVolatile(bits, w) != 0) {
            mark(w);
        }
    }

    /** A scan found marks word {@code m} empty: drop its top bit, unless a setter marked it meanwhile. */
    private void unmarkTop(int m) {
        TOP.getAndBitwiseAnd(this, ~(1L << m));
        if ((long) WORD.getVolatile(marks, m) != 0) {
            TOP.getAndBitwiseOr(this, 1L << m);
        }
    }

    /**
     * The highest-priority enabled pending LPI below {@code limit} (INTIDs below {@code idLimit}),
     * by the cached configuration bytes {@code config} (priority [7:2], enable [0], indexed from
     * {@link org.trapdoor.api.irq.InterruptController#FIRST_LPI}); ties go to the lowest INTID. -1 if none.
     */
    int best(int limit, byte[] config, int idLimit) {
        if (marksTop == 0) {
            return -1;
        }
        int best = -1;
        int bestPrio = limit;
        int words = idLimit / 64;
        // Only marked words, only pending bits: O(pending LPIs), plus marks left by LPIs taken since.
        long top = marksTop;
        while (top != 0) {
            int m = Long.numberOfTrailingZeros(top);
            top &= top - 1;
            long marked = (long) WORD.getVolatile(marks, m);
            if (marked == 0) {
                unmarkTop(m);
                continue;
            }
            while (marked != 0) {
                int w = m * 64 + Long.numberOfTrailingZeros(marked);
                marked &= marked - 1;
                long pending = w < words ? (long) WORD.getVolatile(bits, w) : 0;
                if (pending == 0) {
                    if (w != lastTakenWord) {
                        unmark(w);
                    }
                    continue;
                }
                while (pending != 0) {
                    int id = w * 64 + Long.numberOfTrailingZeros(pending);
                    pending &= pending - 1;
                    int cfg = config[id - FIRST_LPI];
                    if ((cfg & 0xfc) < bestPrio && (cfg & 1) != 0) {
                        best = id;
                        bestPrio = cfg & 0xfc;
                    }
                }
            }
        }
        return best;
    }
}
