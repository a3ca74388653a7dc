package org.trapdoor.xen.irq.vgic;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The virtual interrupts queued for one vCPU (Xen's {@code inflight} list): a bitmap by INTID that
 * injectors on any thread set with one atomic OR, with two levels of marks above it (one bit per
 * word that may be non-zero, one bit per marks word) so that a scan visits only words that may
 * hold something and an empty queue is seen with one load. The vCPU side clears bits as it takes
 * them.
 *
 * <p>Marks are cleared lazily by the vCPU's scans, except for the word the vCPU took from last:
 * the word that empties and refills with every MSI keeps its marks, so the steady state costs one
 * atomic OR to queue and one atomic AND to take, and no mark traffic (the GICv3 model's
 * redistributor does the same). A scan that clears a mark re-reads the word and marks it again if
 * a setter filled it meanwhile, so no set bit is ever left unmarked.
 */
final class PendingBits {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TOP;

    static {
        try {
            TOP = MethodHandles.lookup().findVarHandle(PendingBits.class, "top", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] words;
    private final long[] marks;
    @SuppressWarnings("unused") // through TOP
    private volatile long top;
    /** The word last taken from (vCPU side only): its marks stay. */
    private int sticky = -1;

    /** @param ids INTIDs 0..ids-1 can be queued (at most 2^18) */
    PendingBits(int ids) {
        words = new long[(ids + 63) >>> 6];
        marks = new long[(words.length + 63) >>> 6];
        if (marks.length > 64) {
            throw new IllegalArgumentException("too many INTIDs: " + ids);
        }
    }

    int capacity() {
        return words.length << 6;
    }

    /** Sets {@code id}; true when it was clear (a new pending state), false when it merged. */
    boolean set(int id) {
        int w = id >>> 6;
        long bit = 1L << id;
        if (((long) WORD.getAndBitwiseOr(words, w, bit) & bit) != 0) {
            return false;
        }
        int m = w >>> 6;
        long mbit = 1L << w;
        if (((long) WORD.getVolatile(marks, m) & mbit) == 0) {
            WORD.getAndBitwiseOr(marks, m, mbit);
        }
        long tbit = 1L << m;
        if (((long) TOP.getVolatile(this) & tbit) == 0) {
            TOP.getAndBitwiseOr(this, tbit);
        }
        return true;
    }

    /** Clears {@code id}; true when it was set. The vCPU's own take: its word stays marked. */
    boolean take(int id) {
        sticky = id >>> 6;
        return clear(id);
    }

    /** Clears {@code id}; true when it was set. */
    boolean clear(int id) {
        long bit = 1L << id;
        return ((long) WORD.getAndBitwiseAnd(words, id >>> 6, ~bit) & bit) != 0;
    }

    boolean get(int id) {
        return id >= 0 && id < capacity() && ((long) WORD.getVolatile(words, id >>> 6) & (1L << id)) != 0;
    }

    /** True when nothing is queued. */
    boolean isEmpty() {
        return next(0) < 0;
    }

    /** The lowest set INTID at or above {@code from}, or -1. */
    int next(int from) {
        if (from < 0) {
            from = 0;
        }
        int w0 = from >>> 6;
        if (w0 >= words.length) {
            return -1;
        }
        long first = (long) WORD.getVolatile(words, w0) & (-1L << from);
        if (first != 0) {
            return (w0 << 6) + Long.numberOfTrailingZeros(first);
        }
        int start = w0 + 1; // words after w0
        long t = (long) TOP.getVolatile(this) & (-1L << (start >>> 6));
        while (t != 0) {
            int m = Long.numberOfTrailingZeros(t);
            t &= t - 1;
            long mk = (long) WORD.getVolatile(marks, m);
            if (m == start >>> 6) {
                mk &= -1L << (start & 63);
            }
            boolean sawAny = false;
            while (mk != 0) {
                int w = (m << 6) + Long.numberOfTrailingZeros(mk);
                mk &= mk - 1;
                long bits = (long) WORD.getVolatile(words, w);
                if (bits != 0) {
                    return (w << 6) + Long.numberOfTrailingZeros(bits);
                }
                if (w == sticky) {
                    sawAny = true;
                } else {
                    unmark(w);
                }
            }
            if (!sawAny && m != start >>> 6) {
                unmarkTop(m);
            }
        }
        return -1;
    }

    private void unmark(int w) {
        long mbit = 1L << w;
        WORD.getAndBitwiseAnd(marks, w >>> 6, ~mbit);
        if ((long) WORD.getVolatile(words, w) != 0) {
            WORD.getAndBitwiseOr(marks, w >>> 6, mbit); // a setter filled it meanwhile
        }
    }

    private void unmarkTop(int m) {
        if ((long) WORD.getVolatile(marks, m) != 0) {
            return;
        }
        long tbit = 1L << m;
        TOP.getAndBitwiseAnd(this, ~tbit);
        if ((long) WORD.getVolatile(marks, m) != 0) {
            TOP.getAndBitwiseOr(this, tbit); // a setter marked meanwhile
        }
    }

    /** Clears everything (the domain is being torn down). */
    void clearAll() {
        for (int i = 0; i < words.length; i++) {
            WORD.setVolatile(words, i, 0L);
        }
        for (int i = 0; i < marks.length; i++) {
            WORD.setVolatile(marks, i, 0L);
        }
        TOP.setVolatile(this, 0L);
    }
}
