package org.trapdoor.core.bus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;

/**
 * The system physical address space: a sorted table of non-overlapping regions, searched by
 * binary search on every access.
 *
 * <p>The table is copy-on-write: {@link #map} and {@link #unmap} build a new table under a lock
 * and publish it through one volatile field, so the dispatch path reads that field once and
 * takes no lock. An address no region decodes gets the AXI DECERR answer (reads all-ones, writes
 * dropped) and is counted.
 */
public final class SystemBus implements AddressSpace {
    /** One published table: parallel arrays so that the search touches only primitives. */
    private static final class Table {
        final long[] bases;
        final long[] lasts;
        final Region[] regions;

        Table(Region[] regions) {
            this.regions = regions;
            this.bases = new long[regions.length];
            this.lasts = new long[regions.length];
            for (int i = 0; i < regions.length; i++) {
                bases[i] = regions[i].base();
                lasts[i] = regions[i].last();
            }
        }
    }

    private final Object writeLock = new Object();
    private volatile Table table = new Table(new Region[0]);
    private final LongAdder unmapped = new LongAdder();

    /**
     * Maps {@code handler} at [base, base+size).
     *
     * @return the region, to pass to {@link #unmap}
     * @throws IllegalArgumentException for an empty or wrapping region, or one that overlaps a
     *                                  region already mapped (the message names both)
     */
    public Region map(long base, long size, String name, MmioHandler handler) {
        if (size == 0) {
            throw new IllegalArgumentException(String.format("%s: region at 0x%x has size 0", name, base));
        }
        long last = base + size - 1;
        if (Long.compareUnsigned(last, base) < 0) {
            throw new IllegalArgumentException(String.format("%s: region 0x%x+0x%x wraps past the top of the address space",
                    name, base, size));
        }
        Region region = new Region(base, size, name, handler);
        synchronized (writeLock) {
            Region[] cur = table.regions;
            int at = insertionPoint(cur, base);
            if (at > 0 && Long.compareUnsigned(cur[at - 1].last(), base) >= 0) {
                throw overlap(region, cur[at - 1]);
            }
            if (at < cur.length && Long.compareUnsigned(cur[at].base(), last) <= 0) {
                throw overlap(region, cur[at]);
            }
            Region[] next = new Region[cur.length + 1];
            System.arraycopy(cur, 0, next, 0, at);
            next[at] = region;
            System.arraycopy(cur, at, next, at + 1, cur.length - at);
            table = new Table(next);
        }
        return region;
    }

    /** Removes a region returned by {@link #map}; returns false if it was not mapped. */
    public boolean unmap(Region region) {
        synchronized (writeLock) {
            Region[] cur = table.regions;
            for (int i = 0; i < cur.length; i++) {
                if (cur[i] == region) {
                    Region[] next = new Region[cur.length - 1];
                    System.arraycopy(cur, 0, next, 0, i);
                    System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                    table = new Table(next);
                    return true;
                }
            }
            return false;
        }
    }

    private static IllegalArgumentException overlap(Region a, Region b) {
        return new IllegalArgumentException(String.format("%s: region 0x%x-0x%x overlaps %s at 0x%x-0x%x",
                a.name(), a.base(), a.last(), b.name(), b.base(), b.last()));
    }

    /** Index of the first region whose base is above {@code base} (unsigned). */
    private static int insertionPoint(Region[] regions, long base) {
        int lo = 0;
        int hi = regions.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(regions[mid].base(), base) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public void access(MemoryTransaction tx) {
        Table t = table;
        long[] bases = t.bases;
        long addr = tx.address;
        // Last region whose base <= addr (unsigned).
        int lo = 0;
        int hi = bases.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(bases[mid], addr) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0 || Long.compareUnsigned(addr, t.lasts[found]) > 0) {
            unmapped.increment();
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        tx.offset = addr - bases[found];
        t.regions[found].handler().access(tx);
    }

    /** The region that decodes {@code address}, or {@code null}. Slow path. */
    public Region regionAt(long address) {
        for (Region r : table.regions) {
            if (r.contains(address)) {
                return r;
            }
        }
        return null;
    }

    /** Every mapped region, ascending by base. */
    public List<Region> regions() {
        return new ArrayList<>(Arrays.asList(table.regions));
    }

    /** Accesses that no region decoded. */
    public long unmappedAccesses() {
        return unmapped.sum();
    }
}
