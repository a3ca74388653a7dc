package org.trapdoor.xen.mm;

import java.util.BitSet;

import org.trapdoor.api.memory.PhysicalMemory;

/**
 * Xen's heap of machine frames (4 KiB): the host RAM Xen keeps for itself after Dom0's direct-mapped
 * banks, from which it takes P2M tables and DomU memory, and to which a destroyed domain's memory
 * returns. Frames are scrubbed (zeroed) when handed out, as Xen scrubs pages before giving them to a
 * domain, so no domain reads what another left behind.
 *
 * <p>Slow path only (domain build, P2M table allocation): synchronized.
 */
public final class FrameAllocator {
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;

    private static final byte[] ZEROS = new byte[64 * 1024];

    private final PhysicalMemory ram;
    private final long base;
    private final int frames;
    /** Set bit: frame in use. */
    private final BitSet used;
    private int free;

    /**
     * @param ram  the machine's RAM, where the frames are
     * @param base machine address of the first frame (page aligned)
     * @param size bytes (whole pages)
     */
    public FrameAllocator(PhysicalMemory ram, long base, long size) {
        if ((base & (PAGE_SIZE - 1)) != 0 || (size & (PAGE_SIZE - 1)) != 0 || size <= 0) {
            throw new IllegalArgumentException(String.format("heap [0x%x, +0x%x) is not whole pages", base, size));
        }
        if (!ram.isRam(base, size)) {
            throw new IllegalArgumentException(String.format("heap [0x%x, +0x%x) is not RAM", base, size));
        }
        if ((size >>> PAGE_SHIFT) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("heap too large: 0x" + Long.toHexString(size));
        }
        this.ram = ram;
        this.base = base;
        this.frames = (int) (size >>> PAGE_SHIFT);
        this.used = new BitSet(frames);
        this.free = frames;
    }

    /**
     * Takes {@code count} contiguous frames whose first frame is aligned to {@code alignPages}
     * frames (a power of two), zeroed. Returns the machine address, or -1 when no such run is free.
     */
    public synchronized long allocate(int count, int alignPages) {
        if (count <= 0 || alignPages <= 0 || Integer.bitCount(alignPages) != 1) {
            throw new IllegalArgumentException("allocate " + count + " frame(s) aligned to " + alignPages);
        }
        long firstFrameNumber = base >>> PAGE_SHIFT;
        int i = used.nextClearBit(0);
        while (i >= 0 && i + count <= frames) {
            // Align the machine frame number, not the index.
            long mfn = firstFrameNumber + i;
            long aligned = (mfn + alignPages - 1) & -(long) alignPages;
            i = (int) (aligned - firstFrameNumber);
            if (i + count > frames) {
                break;
            }
            int busy = used.nextSetBit(i);
            if (busy < 0 || busy >= i + count) {
                used.set(i, i + count);
                free -= count;
                long address = base + ((long) i << PAGE_SHIFT);
                scrub(address, (long) count << PAGE_SHIFT);
                return address;
            }
            i = used.nextClearBit(busy);
        }
        return -1;
    }

    /** One zeroed frame, or -1. */
    public long allocatePage() {
        return allocate(1, 1);
    }

    /** Returns frames taken by {@link #allocate}. A frame that is not in use is a bug in Xen: refused loudly. */
    public synchronized void free(long address, int count) {
        if (address < base || ((address - base) & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("0x%x is not a frame of this heap", address));
        }
        int i = (int) ((address - base) >>> PAGE_SHIFT);
        if (count <= 0 || i + count > frames) {
            throw new IllegalArgumentException(String.format("free 0x%x +%d frames: outside the heap", address, count));
        }
        int notUsed = used.nextClearBit(i);
        if (notUsed < i + count) {
            throw new IllegalStateException(String.format("double free of frame 0x%x",
                    base + ((long) notUsed << PAGE_SHIFT)));
        }
        used.clear(i, i + count);
        free += count;
    }

    public synchronized int freeFrames() {
        return free;
    }

    public int totalFrames() {
        return frames;
    }

    public long base() {
        return base;
    }

    public long size() {
        return (long) frames << PAGE_SHIFT;
    }

    private void scrub(long address, long length) {
        for (long off = 0; off < length; off += ZEROS.length) {
            ram.write(address + off, ZEROS, 0, (int) Math.min(ZEROS.length, length - off));
        }
    }
}
