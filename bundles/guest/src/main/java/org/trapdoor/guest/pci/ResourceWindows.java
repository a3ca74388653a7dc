package org.trapdoor.guest.pci;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestPciHost.Window;

/**
 * The host bridge's apertures and what has been allocated in them, with Linux's placement rules
 * ({@code __pci_assign_resource} → {@code pci_bus_alloc_resource} → {@code pci_bus_alloc_from_region}):
 * <ol>
 * <li>first a window whose prefetchable and 64-bit flags both match the BAR's;</li>
 * <li>a prefetchable 64-bit BAR then tries any prefetchable window (a 32-bit one);</li>
 * <li>a prefetchable or 64-bit BAR finally tries any memory window;</li>
 * </ol>
 * a non-prefetchable BAR never goes into a prefetchable window; a 64-bit BAR prefers bus
 * addresses at or above 4 GiB, a 32-bit BAR must stay below 4 GiB; I/O starts at 0x1000
 * ({@code PCIBIOS_MIN_IO}). Inside a window the first naturally aligned gap wins.
 */
final class ResourceWindows {
    static final long MIN_IO = 0x1000;
    private static final long FOUR_GIB = 1L << 32;

    private static final class Aperture {
        final Window window;
        /** Allocated [start, end] bus-address intervals, ascending. */
        final List<long[]> used = new ArrayList<>();

        Aperture(Window window) {
            this.window = window;
        }

        boolean mem64() {
            return window.type() == GuestBar.Type.MEM64;
        }
    }

    private final List<Aperture> apertures = new ArrayList<>();

    ResourceWindows(List<Window> windows) {
        for (Window w : windows) {
            apertures.add(new Aperture(w));
        }
    }

    /** A placement: the bus address and the window it is in. */
    record Placement(long busAddress, Window window) {
        long cpuAddress() {
            return window.cpuAddress() + (busAddress - window.pciAddress());
        }
    }

    /** Finds and reserves room for a naturally aligned BAR, or returns {@code null} when none fits. */
    Placement allocate(GuestBar.Type type, boolean prefetchable, long size) {
        return allocate(type, prefetchable, size, size);
    }

    /**
     * Finds and reserves {@code size} bytes aligned to {@code align} (a power of two: a BAR's
     * size, or a bridge window's largest child alignment), or returns {@code null}.
     */
    Placement allocate(GuestBar.Type type, boolean prefetchable, long size, long align) {
        if (type == GuestBar.Type.IO) {
            return tryAll(size, align, MIN_IO, FOUR_GIB - 1, a -> a.window.type() == GuestBar.Type.IO);
        }
        boolean mem64 = type == GuestBar.Type.MEM64;
        // 1: prefetchable and 64-bit flags must match.
        Placement p = tryMem(size, align, mem64, a -> a.window.prefetchable() == prefetchable && a.mem64() == mem64,
                prefetchable);
        // 2: "the prefetchable window is only 32 bits wide".
        if (p == null && prefetchable && mem64) {
            p = tryMem(size, align, true, a -> a.window.prefetchable(), true);
        }
        // 3: "if we failed, try without prefetch / 64-bit".
        if (p == null && (prefetchable || mem64)) {
            p = tryMem(size, align, mem64, a -> true, prefetchable);
        }
        return p;
    }

    private interface Match {
        boolean test(Aperture a);
    }

    private Placement tryMem(long size, long align, boolean mem64, Match match, boolean prefetchable) {
        Match memOnly = a -> a.window.type() != GuestBar.Type.IO && match.test(a)
                && (prefetchable || !a.window.prefetchable());
        if (mem64) {
            Placement high = tryAll(size, align, FOUR_GIB, -1L, memOnly);
            return high != null ? high : tryAll(size, align, 0, -1L, memOnly);
        }
        return tryAll(size, align, 0, FOUR_GIB - 1, memOnly);
    }

    /** First fit over the matching apertures, in DT order, inside bus addresses [min, max]. */
    private Placement tryAll(long size, long align, long min, long max, Match match) {
        for (Aperture a : apertures) {
            if (!match.test(a)) {
                continue;
            }
            long start = a.window.pciAddress();
            long end = start + a.window.size() - 1;
            if (Long.compareUnsigned(start, min) < 0) {
                start = min;
            }
            if (Long.compareUnsigned(end, max) > 0) {
                end = max;
            }
            if (Long.compareUnsigned(start, end) > 0) {
                continue;
            }
            long at = firstFit(a, start, end, size, align);
            if (at != -1) {
                reserve(a, at, at + size - 1);
                return new Placement(at, a.window);
            }
        }
        return null;
    }

    private static long firstFit(Aperture a, long start, long end, long size, long alignment) {
        long candidate = align(start, alignment);
        for (long[] u : a.used) {
            if (Long.compareUnsigned(u[1], candidate) < 0) {
                continue;
            }
            if (fits(candidate, size, Math.min(end, u[0] - 1)) && Long.compareUnsigned(u[0], candidate) > 0) {
                return candidate;
            }
            candidate = align(u[1] + 1, alignment);
            if (candidate == 0) {
                return -1;
            }
        }
        return fits(candidate, size, end) ? candidate : -1;
    }

    /** Does [at, at+size) end at or before {@code last} without wrapping? */
    private static boolean fits(long at, long size, long last) {
        long e = at + size - 1;
        return Long.compareUnsigned(e, at) >= 0 && Long.compareUnsigned(e, last) <= 0;
    }

    private static long align(long v, long alignment) {
        return (v + alignment - 1) & -alignment;
    }

    private static void reserve(Aperture a, long start, long end) {
        int i = 0;
        while (i < a.used.size() && Long.compareUnsigned(a.used.get(i)[0], start) < 0) {
            i++;
        }
        a.used.add(i, new long[] {start, end});
    }
}
