package org.trapdoor.guest.irqchip;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's free LPIs, as {@code irq-gic-v3-its.c} keeps them in {@code lpi_range_list}: a
 * sorted list of free ranges shared by every ITS. {@link #allocate} is {@code alloc_lpi_range}
 * (the first range that holds the request gives up its lowest INTIDs: no alignment, no rounding);
 * {@link #free} is {@code free_lpi_range} (the range goes back in order and merges with its
 * neighbours). The allocator starts as one range from 8192, as {@code its_lpi_init} frees the
 * whole space.
 */
public final class LpiRanges {
    /** One free range [base, base + span). */
    private static final class Range {
        int base;
        int span;

        Range(int base, int span) {
            this.base = base;
            this.span = span;
        }
    }

    private final List<Range> free = new ArrayList<>();

    /** All of [{@code first}, {@code first + count}) free. */
    public LpiRanges(int first, int count) {
        if (count > 0) {
            free.add(new Range(first, count));
        }
    }

    /** {@code alloc_lpi_range}: the first INTID of {@code n} contiguous free LPIs, now in use; -1 if none. */
    public synchronized int allocate(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("allocation of " + n + " LPIs");
        }
        for (int i = 0; i < free.size(); i++) {
            Range r = free.get(i);
            if (r.span >= n) {
                int base = r.base;
                r.base += n;
                r.span -= n;
                if (r.span == 0) {
                    free.remove(i);
                }
                return base;
            }
        }
        return -1;
    }

    /** {@code free_lpi_range}: gives [{@code base}, {@code base + n}) back. */
    public synchronized void free(int base, int n) {
        if (n < 1) {
            return;
        }
        int at = 0;
        while (at < free.size() && free.get(at).base < base) {
            at++;
        }
        free.add(at, new Range(base, n));
        // Merge with the following range, then with the preceding one.
        if (at + 1 < free.size() && base + n == free.get(at + 1).base) {
            free.get(at).span += free.remove(at + 1).span;
        }
        if (at > 0 && free.get(at - 1).base + free.get(at - 1).span == base) {
            free.get(at - 1).span += free.remove(at).span;
        }
    }

    /** LPIs free now. */
    public synchronized int available() {
        int n = 0;
        for (Range r : free) {
            n += r.span;
        }
        return n;
    }

    /** The free ranges, as {@code [base, span]} pairs in order (tests, diagnostics). */
    public synchronized List<int[]> ranges() {
        List<int[]> out = new ArrayList<>();
        for (Range r : free) {
            out.add(new int[] {r.base, r.span});
        }
        return out;
    }
}
