package org.trapdoor.core.bus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;

/**
 * The system physical address space: a sorted table of non-overlapping decode ranges, searched
 * by binary search on every access.
 *
 * <p>Regions may overlap, as they do in real trees (X-Gene's PCIe {@code csr} holds the clock
 * node's registers; two SATA clock nodes name one register page). Every address has exactly one
 * decoder, chosen by {@link Region#DECODES_FIRST}: the higher explicit priority, then the smaller
 * region, then the one mapped first. A region decodes what no region ahead of it covers, with its
 * own offsets ({@code tx.offset} counts from the region's base, not the piece's). The table is
 * flattened when a region is mapped or unmapped (QEMU's FlatView), so the access path is the
 * same binary search over disjoint ranges whether anything overlaps or not.
 *
 * <p>The table is copy-on-write: {@link #map} and {@link #unmap} build a new table under a lock
 * and publish it through one volatile field, so the dispatch path reads that field once and
 * takes no lock. An address no region decodes gets the AXI DECERR answer (reads all-ones, writes
 * dropped) and is counted.
 *
 * <p>An initiator that sends many transactions to the same few places (a device's upstream
 * port: its MSI doorbell, its DMA buffer) keeps a {@link Route}: the last range it hit, checked
 * with one compare instead of a search. The cached entry belongs to one published table, so it
 * is used only while that table is still the published one: a map or unmap publishes a new
 * table and every route misses once and searches again. Entries are immutable and built with
 * their table, so a hit allocates nothing and two threads racing on one route at worst
 * overwrite each other's (equally valid) entry. CPU accesses ({@link #access}), which carry no
 * initiator, share one such route: a CPU polling one device finds it with one compare, and the
 * route is written only on a miss, so CPUs that keep hitting the same region write nothing.
 */
public final class SystemBus implements AddressSpace {
    /**
     * One published table: every mapped region, and the flat view the search runs on (parallel
     * arrays of disjoint ranges, so that the search touches only primitives).
     */
    private static final class Table {
        final Region[] regions;
        final long[] bases;
        final long[] lasts;
        final Entry[] entries;

        Table(Region[] regions) {
            this.regions = regions;
            List<Entry> flat = flatten(this, regions);
            this.bases = new long[flat.size()];
            this.lasts = new long[flat.size()];
            this.entries = flat.toArray(new Entry[0]);
            for (int i = 0; i < entries.length; i++) {
                bases[i] = entries[i].base;
                lasts[i] = entries[i].base + entries[i].span;
            }
        }

        /** Index of the range decoding {@code addr}, or -1. */
        int find(long addr) {
            int lo = 0;
            int hi = bases.length - 1;
            int found = -1;
            // Last range whose base <= addr (unsigned).
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

    /**
     * The disjoint ranges and their decoders: a sweep over every region's first address and the
     * address after its last, keeping the regions that cover the current point ordered by
     * {@link Region#DECODES_FIRST}. Adjacent pieces of one region are merged. O(n log n).
     */
    private static List<Entry> flatten(Table table, Region[] regions) {
        int n = regions.length;
        List<Entry> out = new ArrayList<>(n);
        if (n == 0) {
            return out;
        }
        Region[] byBase = regions.clone();
        Arrays.sort(byBase, (a, b) -> Long.compareUnsigned(a.base(), b.base()));
        Region[] byLast = regions.clone();
        Arrays.sort(byLast, (a, b) -> Long.compareUnsigned(a.last(), b.last()));
        long[] points = new long[2 * n];
        int np = 0;
        for (Region r : regions) {
            points[np++] = r.base();
            if (r.last() != -1L) {
                points[np++] = r.last() + 1;
            }
        }
        long[] sorted = Arrays.stream(points, 0, np).map(v -> v ^ Long.MIN_VALUE).sorted().distinct()
                .map(v -> v ^ Long.MIN_VALUE).toArray();
        TreeSet<Region> active = new TreeSet<>(Region.DECODES_FIRST);
        int ib = 0;
        int il = 0;
        Region open = null;
        long openBase = 0;
        long openLast = 0;
        for (int k = 0; k < sorted.length; k++) {
            long p = sorted[k];
            while (il < n && Long.compareUnsigned(byLast[il].last(), p) < 0) {
                active.remove(byLast[il++]);
            }
            while (ib < n && byBase[ib].base() == p) {
                active.add(byBase[ib++]);
            }
            Region win = active.isEmpty() ? null : active.first();
            long last = k + 1 < sorted.length ? sorted[k + 1] - 1 : -1L;
            if (win != null && win == open && openLast + 1 == p) {
                openLast = last;
                continue;
            }
            if (open != null) {
                out.add(new Entry(table, openBase, openLast, open));
            }
            open = win;
            openBase = p;
            openLast = last;
        }
        if (open != null) {
            out.add(new Entry(table, openBase, openLast, open));
        }
        return out;
    }

    /** One decode range of one published table, as a route caches it. Immutable. */
    private static final class Entry {
        final Table table;
        final long base;
        /** last - base: an address is inside when (address - base) <= span, unsigned. */
        final long span;
        /** The decoding region's base: offsets count from it, not from this range. */
        final long origin;
        final Region region;
        final MmioHandler handler;
        final EnteredHandler entered;

        Entry(Table table, long base, long last, Region r) {
            this.table = table;
            this.base = base;
            this.span = last - base;
            this.origin = r.base();
            this.region = r;
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
    /** Regions mapped so far: the map order of {@link Region#order}. Guarded by writeLock. */
    private long mapped;
    private volatile Table table = new Table(new Region[0]);
    private final LongAdder unmapped = new LongAdder();
    /** The route of accesses that come with none (CPUs). */
    private final Route cpuRoute = new Route();

    /** Maps {@code handler} at [base, base+size) with priority 0: {@link #map(long, long, String, MmioHandler, int)}. */
    public Region map(long base, long size, String name, MmioHandler handler) {
        return map(base, size, name, handler, 0);
    }

    /**
     * Maps {@code handler} at [base, base+size). Where it overlaps regions already mapped,
     * {@link Region#DECODES_FIRST} says which decodes each shared address.
     *
     * @param priority QEMU's overlap priority: a higher one decodes shared addresses whatever its size
     * @return the region, to pass to {@link #unmap}
     * @throws IllegalArgumentException for an empty or wrapping region
     */
    public Region map(long base, long size, String name, MmioHandler handler, int priority) {
        if (size == 0) {
            throw new IllegalArgumentException(String.format("%s: region at 0x%x has size 0", name, base));
        }
        long last = base + size - 1;
        if (Long.compareUnsigned(last, base) < 0) {
            throw new IllegalArgumentException(String.format("%s: region 0x%x+0x%x wraps past the top of the address space",
                    name, base, size));
        }
        synchronized (writeLock) {
            Region region = new Region(base, size, name, handler, priority, ++mapped);
            Region[] cur = table.regions;
            int at = insertionPoint(cur, base);
            Region[] next = new Region[cur.length + 1];
            System.arraycopy(cur, 0, next, 0, at);
            next[at] = region;
            System.arraycopy(cur, at, next, at + 1, cur.length - at);
            table = new Table(next);
            return region;
        }
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

    /** The other mapped regions that share an address with {@code region}. Slow path. */
    public List<Region> overlapping(Region region) {
        List<Region> out = new ArrayList<>();
        for (Region r : table.regions) {
            if (r != region && r.overlaps(region)) {
                out.add(r);
            }
        }
        return out;
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
        tx.offset = addr - e.origin;
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

    /** The region that decodes {@code address} (the overlap rule applied), or {@code null}. Slow path. */
    public Region regionAt(long address) {
        Table t = table;
        int i = t.find(address);
        return i < 0 ? null : t.entries[i].region;
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
