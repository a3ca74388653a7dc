package org.trapdoor.xen.irq.vgic;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The virtual interrupts queued for one vCPU (Xen's {@code inflight} list): a bitmap by INTID that
 * injectors on any thread set with one atomic OR, with one mark bit per non-empty word so that a
 * scan visits only the words that may hold something. The vCPU side clears bits as it takes them.
 * Marks are cleared lazily by scans; a scan that clears a mark re-reads the word and marks it again
 * if a setter filled it meanwhile, so no set bit is ever left unmarked.
 */
final class PendingBits {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] words;
    private final long[] marks;

    /** @param ids INTIDs 0..ids-1 can be queued */
    PendingBits(int ids) {
        words = new long[(ids + 63) >>> 6];
        marks = new long[(words.length + 63) >>> 6];
    }

    int capacity() {
        return words.length << 6;
    }

    /** Sets {@code id}; true when it was clear (a new pending state), false when it merged. */
    boolean set(int id) {
        int w = id >>> 6;
        long bit = 1L << id;
        long before = (long) WORD.getAndBitwiseOr(words, w, bit);
        if ((before & bit) != 0) {
            return false;
        }
        long mbit = 1L << w;
        if (((long) WORD.getVolatile(marks, w >>> 6) & mbit) == 0) {
            WORD.getAndBitwiseOr(marks, w >>> 6, mbit);
        }
        return true;
    }

    /** Clears {@code id}; true when it was set. */
    boolean clear(int id) {
        long bit = 1L << id;
        return ((long) WORD.getAndBitwiseAnd(words, id >>> 6, ~bit) & bit) != 0;
    }

    boolean get(int id) {
        return id >= 0 && id < capacity() && ((long) WORD.getVolatile(words, id >>> 6) & (1L << id)) != 0;
    }

    /** True when no bit can be set (every mark word reads zero). */
    boolean isEmpty() {
        for (int m = 0; m < marks.length; m++) {
            if ((long) WORD.getVolatile(marks, m) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The lowest set INTID at or above {@code from}, or -1. */
    int next(int from) {
        if (from < 0) {
            from = 0;
        }
        int w = from >>> 6;
        if (w >= words.length) {
            return -1;
        }
        long first = (long) WORD.getVolatile(words, w) & (-1L << from);
        if (first != 0) {
            return (w << 6) + Long.numberOfTrailingZeros(first);
        }
        int start = w + 1;
        for (int m = start >>> 6; m < marks.length; m++) {
            long mk = (long) WORD.getVolatile(marks, m);
            if (m == start >>> 6) {
                mk &= -1L << (start & 63); // only the words after w
            }
            while (mk != 0) {
                int wi = (m << 6) + Long.numberOfTrailingZeros(mk);
                mk &= mk - 1;
                long bits = (long) WORD.getVolatile(words, wi);
                if (bits != 0) {
                    return (wi << 6) + Long.numberOfTrailingZeros(bits);
                }
                unmark(wi);
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

    /** Clears everything (the domain is being torn down). */
    void clearAll() {
        for (int i = 0; i < words.length; i++) {
            WORD.setVolatile(words, i, 0L);
        }
        for (int i = 0; i < marks.length; i++) {
            WORD.setVolatile(marks, i, 0L);
        }
    }
}
