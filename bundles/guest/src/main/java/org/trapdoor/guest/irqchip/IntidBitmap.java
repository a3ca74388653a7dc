package org.trapdoor.guest.irqchip;

import java.util.BitSet;

/**
 * Free INTIDs of one range (a v2m frame's SPIs), handed out as {@code bitmap_find_free_region}
 * does over the frame's bitmap: a power-of-two block aligned on its <em>offset</em> from the
 * range's first INTID, the lowest such block that is free. When the range does not start on a
 * multiple of the block size, the block's first INTID is not aligned either, and a multi-message
 * MSI whose data is that INTID does not reach INTIDs first + i (the function replaces the data's
 * low bits with the vector number); Linux allocates so all the same.
 */
public final class IntidBitmap {
    private final int first;
    private final int count;
    private final BitSet used = new BitSet();

    public IntidBitmap(int first, int count) {
        this.first = first;
        this.count = count;
    }

    /** The first INTID of a free block of {@code size} (a power of two), now in use; -1 if none. */
    public synchronized int allocate(int size) {
        if (size < 1 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("block size " + size + " is not a power of two");
        }
        for (int off = 0; off + size <= count; off += size) {
            int next = used.nextSetBit(off);
            if (next < 0 || next >= off + size) {
                used.set(off, off + size);
                return first + off;
            }
        }
        return -1;
    }

    /** Returns a block to the pool. */
    public synchronized void free(int intid, int size) {
        int off = intid - first;
        if (off >= 0 && off + size <= count) {
            used.clear(off, off + size);
        }
    }

    /** The smallest power of two not below {@code n} (1 for n &lt;= 1). */
    public static int roundUpPow2(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    public int first() {
        return first;
    }

    public int count() {
        return count;
    }

    /** INTIDs in use. */
    public synchronized int used() {
        return used.cardinality();
    }
}
