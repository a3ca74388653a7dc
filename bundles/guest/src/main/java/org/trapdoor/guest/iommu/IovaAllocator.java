package org.trapdoor.guest.iommu;

import java.util.Map;
import java.util.TreeMap;

/**
 * One DMA domain's I/O virtual address space, handed out as Linux's {@code iova.c} does for
 * {@code iommu-dma}: in whole pages, size-aligned (a block of {@code n} pages starts on a
 * multiple of the power of two at or above {@code n}), from the highest free range below the
 * limit the caller gives (top-down), never at IOVA 0, never over a reserved range (the MSI
 * window, the host bridge's windows). Freed ranges are reused.
 */
public final class IovaAllocator {
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE = 1L << PAGE_SHIFT;

    /** First allocatable page frame: IOVA 0 is never handed out. */
    private final long startPfn;
    /** Last page frame of the domain's aperture (the IOMMU's input address size). */
    private final long endPfn;
    /** Busy ranges by first page frame: value {end pfn (exclusive), reserved ? 1 : 0}. */
    private final TreeMap<Long, long[]> busy = new TreeMap<>();

    /** @param apertureBits the input address size of the domain (48 for a 4-level stage-1 table) */
    public IovaAllocator(int apertureBits) {
        this.startPfn = 1;
        this.endPfn = ((1L << apertureBits) >>> PAGE_SHIFT) - 1;
    }

    /** Keeps [{@code address}, {@code address + length}) out of every allocation ({@code reserve_iova}). */
    public synchronized void reserve(long address, long length) {
        if (length <= 0) {
            return;
        }
        long lo = address >>> PAGE_SHIFT;
        long hi = Math.min((address + length - 1) >>> PAGE_SHIFT, endPfn) + 1;
        if (lo > endPfn) {
            return;
        }
        // Merge with every busy range it touches, so ranges never overlap.
        Map.Entry<Long, long[]> e = busy.floorEntry(hi);
        while (e != null && e.getValue()[0] >= lo) {
            lo = Math.min(lo, e.getKey());
            hi = Math.max(hi, e.getValue()[0]);
            busy.remove(e.getKey());
            e = busy.floorEntry(hi);
        }
        busy.put(lo, new long[] {hi, 1});
    }

    /**
     * Allocates {@code pages} pages at or below {@code limitPfn}, top-down and size-aligned.
     *
     * @return the first page frame, or -1 when no range below the limit is free
     */
    public synchronized long allocate(long pages, long limitPfn) {
        if (pages <= 0) {
            throw new IllegalArgumentException("IOVA allocation of " + pages + " pages");
        }
        long align = Long.highestOneBit(pages) == pages ? pages : Long.highestOneBit(pages) << 1;
        long high = Math.min(limitPfn, endPfn) + 1; // exclusive
        Map.Entry<Long, long[]> below = busy.lowerEntry(high);
        while (true) {
            if (below != null && below.getValue()[0] > high) {
                // The range below straddles the candidate top: skip under it.
                high = below.getKey();
                below = busy.lowerEntry(high);
                continue;
            }
            long floor = Math.max(startPfn, below == null ? 0 : below.getValue()[0]);
            if (high >= pages) {
                long candidate = (high - pages) & -align;
                if (candidate >= floor) {
                    busy.put(candidate, new long[] {candidate + pages, 0});
                    return candidate;
                }
            }
            if (below == null) {
                return -1;
            }
            high = below.getKey();
            below = busy.lowerEntry(high);
        }
    }

    /** Frees the allocation starting at {@code pfn}; returns its size in pages, 0 if there is none. */
    public synchronized long free(long pfn) {
        long[] r = busy.get(pfn);
        if (r == null || r[1] != 0) {
            return 0;
        }
        busy.remove(pfn);
        return r[0] - pfn;
    }

    /** Pages allocated (not reserved) now. */
    public synchronized long allocatedPages() {
        long n = 0;
        for (Map.Entry<Long, long[]> e : busy.entrySet()) {
            if (e.getValue()[1] == 0) {
                n += e.getValue()[0] - e.getKey();
            }
        }
        return n;
    }
}
