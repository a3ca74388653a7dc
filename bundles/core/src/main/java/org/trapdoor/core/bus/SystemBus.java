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
 *
 * <p>An initiator that sends many transactions to the same few places (a device's upstream
 * port: its MSI doorbell, its DMA buffer) keeps a {@link Route}: the last region it hit, checked
 * with one compare instead of a search. The cached entry belongs to one published table, so it
 * is used only while that table is still the published one: a map or unmap publishes a new
 * table and every route misses once and searches again. Entries are immutable and built with
 * their table, so a hit allocates nothing and two threads racing on one route at worst
 * overwrite each other's (equally valid) entry. CPU accesses ({@link #access}), which carry no
 * initiator, share one such route: a CPU polling one device finds it with one compare, and the
 * route is written only on a miss, so CPUs that keep hitting the same region write nothing.
 */
public final class SystemBus implements AddressSpace {
    /** One published table: parallel arrays so that the search touches only primitives. */
    private static final class Table {
        final long[] bases;
        final long[] lasts;
        final Region[] regions;
        final Entry[] entries;

        Table(Region[] regions) {
            this.regions = regions;
            this.bases = new long[regions.length];
            this.lasts = new long[regions.length];
            this.entries = new Entry[regions.length];
            for (int i = 0; i < regions.length; i++) {
                bases[i] = regions[i].base();
                lasts[i] = regions[i].last();
                entries[i] = new Entry(this, regions[i]);
            }
        }

        /** Index of the region decoding {@code addr}, or -1. */
        int find(long addr) {
            int lo = 0;
            int hi = bases.length - 1;
            int found = -1;
            // Last region whose base <= addr (unsigned).
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (Long.compareUnsigned(bases[mid], addr) <= 0) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found < 0 || Long.compareUnsigned(addr, lasts[found]) > 0 ? -1 : found;
        }
    }

    /** One region of one published table, as a route caches it. Immutable. */
    private static final class Entry {
        final Table table;
        final long base;
        /** last - base: an address is inside when (address - base) <= span, unsigned. */
        final long span;
        final MmioHandler handler;
        final EnteredHandler entered;

        Entry(Table table, Region r) {
            this.table = table;
            this.base = r.base();
            this.span = r.last() - r.base();
            this.handler = r.handler();
            this.entered = r.handler() instanceof EnteredHandler e ? e : null;
        }
    }

    /**
     * One initiator's memory of where its last transaction went. Create one per initiator (a
     * device's port), at attach time; never per transaction.
     */
    public static final class Route {
        private Entry last;
    }

    private final Object writeLock = new Object();
    private volatile Table table = new Table(new Region[0]);
    private final LongAdder unmapped = new LongAdder();
    /** The route of accesses that come with none (CPUs). */
    private final Route cpuRoute = new Route();

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
        Entry e = lookup(tx, cpuRoute);
        if (e != null) {
            e.handler.access(tx);
        }
    }

    /**
     * The entry decoding {@code tx.address} with {@code tx.offset} set, remembered in
     * {@code route}; or null after answering DECERR.
     */
    private Entry lookup(MemoryTransaction tx, Route route) {
        Table t = table;
        long addr = tx.address;
        Entry e = route.last;
        if (e == null || e.table != t || Long.compareUnsigned(addr - e.base, e.span) > 0) {
            int found = t.find(addr);
            if (found < 0) {
                unmapped.increment();
                tx.fail(MemResult.DECODE_ERROR);
                return null;
            }
            e = t.entries[found];
            route.last = e;
        }
        tx.offset = addr - e.base;
        return e;
    }

    /**
     * {@link #access} for an initiator that is already inside the machine's in-flight gate for
     * this whole transaction (so a node's port need not enter it again), remembering the region
     * hit in {@code route}. No lock, no allocation.
     */
    public void accessEntered(MemoryTransaction tx, Route route) {
        Entry e = lookup(tx, route);
        if (e == null) {
            return;
        }
        if (e.entered != null) {
            e.entered.accessEntered(tx);
        } else {
            e.handler.access(tx);
        }
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
