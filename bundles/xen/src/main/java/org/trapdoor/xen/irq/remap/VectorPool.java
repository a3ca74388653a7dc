package org.trapdoor.xen.irq.remap;

import java.util.BitSet;
import java.util.function.IntPredicate;

import org.trapdoor.api.irq.MsiRemapBackend;

/**
 * Xen's allocator of one host MSI controller's vectors for trap-and-remap: blocks of a power of
 * two whose data are consecutive and whose first datum is a multiple of the block (as Linux's
 * {@code bitmap_find_free_region} aligns them: the device ORs the message number into the data),
 * taken from the top of the controller's range, where the hardware domain's driver, allocating
 * from the bottom, reaches last.
 */
public final class VectorPool {
    private final MsiRemapBackend backend;
    private final IntPredicate available;
    private final BitSet taken = new BitSet();
    /** The taken vectors as words (bit v & 63 of word v >> 6), republished on each change: read on the IRQ path. */
    private volatile long[] claimed;

    /**
     * @param available whether a vector not yet taken by Xen is free to take (for example, not an
     *                  SPI the hardware domain has enabled)
     */
    public VectorPool(MsiRemapBackend backend, IntPredicate available) {
        this.backend = backend;
        this.available = available;
        this.claimed = new long[(backend.vectors() + 63) >> 6];
    }

    /** The vectors Xen holds, as {@link MsiRemapBackend#take} wants them (do not modify). */
    public long[] claimed() {
        return claimed;
    }

    private void publish() {
        long[] w = new long[claimed.length];
        long[] bits = taken.toLongArray();
        System.arraycopy(bits, 0, w, 0, Math.min(bits.length, w.length));
        claimed = w;
    }

    public MsiRemapBackend backend() {
        return backend;
    }

    /** Takes an aligned block of {@code n} vectors; returns its first vector, or -1 when none is free. */
    public synchronized int allocate(int n) {
        if (n < 1 || Integer.bitCount(n) != 1) {
            return -1;
        }
        for (int first = backend.vectors() - n; first >= 0; first--) {
            if (fits(first, n)) {
                taken.set(first, first + n);
                publish();
                return first;
            }
        }
        return -1;
    }

    private boolean fits(int first, int n) {
        int d0 = backend.data(first);
        if (d0 % n != 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (taken.get(first + i) || !available.test(first + i) || backend.data(first + i) != d0 + i) {
                return false;
            }
        }
        return true;
    }

    /** Gives a block back. */
    public synchronized void free(int first, int n) {
        if (first >= 0 && n > 0) {
            taken.clear(first, first + n);
            publish();
        }
    }

    /** Vectors Xen holds now. */
    public synchronized int inUse() {
        return taken.cardinality();
    }
}
