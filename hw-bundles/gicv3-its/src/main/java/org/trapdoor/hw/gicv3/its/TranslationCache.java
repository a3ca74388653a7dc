package org.trapdoor.hw.gicv3.its;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.trapdoor.api.counter.EventCounter;

/**
 * The ITS's translation cache: (DeviceID, EventID) to (pINTID, redistributor), what a real ITS
 * keeps so that an MSI does not read the Device, Interrupt Translation and Collection tables
 * from memory each time. The architecture lets an ITS cache those entries and has software
 * change them only through commands (writing a mapped table directly is UNPREDICTABLE), so every
 * command that rewrites an entry (MAPD, MAPC, MAPTI, MAPI, DISCARD, MOVI), and every
 * enabling of the ITS (where changed BASERs and tables come into use), {@link #invalidateAll()
 * invalidates} the whole cache.
 *
 * <p>Direct-mapped, in primitive arrays. An entry carries the generation it was computed in and
 * only matches while that generation is current: a fill that raced with an invalidation (it read
 * the tables before the command changed them) is dead on arrival. Each slot is a small seqlock,
 * so a lookup takes no lock and makes no atomic update; a fill takes the slot with one
 * compare-and-set (a miss only) and gives up if another thread is filling it.
 *
 * <p>The cache grows with the population it serves: it starts at {@link #MIN_SLOTS} and, when
 * fills keep evicting live entries of other translations (more mapped events in use than slots:
 * 1,024 functions of 32 vectors are 32,768) for more than one lookup in nine, it is replaced by
 * one four times larger, up to {@link #MAX_SLOTS}; a few keys that share a slot do not grow it. At a fixed 1,024 slots every MSI of such a machine missed and walked the
 * three tables (measured by {@code MsiScalingBenchmark}: 0 hits from 256 functions on), so the
 * cost of an MSI grew with the machine. The replacement starts empty (its entries are refilled
 * on their next miss), and is published whole, so a lookup or fill that still holds the old one
 * only misses or fills the old one. How large the cache is shows nowhere but in speed: the
 * architecture leaves an ITS's caching to the implementation.
 */
final class TranslationCache {
    static final int MIN_SLOTS = 1024;
    static final int MAX_SLOTS = 1 << 16;
    /** What {@link #lookup} returns on a miss; a hit is never negative. */
    static final long MISS = -1;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    /** One size of the cache; replaced whole when it grows (final fields: safe to publish racily). */
    private static final class Table {
        final long[] keys;
        /**
         * generation [63:32] | redistributor [31:16] | pINTID [15:0]: the ITS has 16-bit LPIs
         * (GITS_TYPER.ID_bits) and a CTE names a 16-bit processor number, so every translation fits.
         */
        final long[] values;
        /** Per slot: odd while a fill writes it. */
        final int[] stamps;
        /** 64 - log2(slots): the hash's top bits index the slot. */
        final int shift;

        Table(int slots) {
            keys = new long[slots];
            values = new long[slots];
            stamps = new int[slots];
            shift = 64 - Integer.numberOfTrailingZeros(slots);
        }

        int slot(long key) {
            long h = key * 0x9E37_79B9_7F4A_7C15L;
            return (int) (h >>> shift);
        }
    }

    /** The table in use. Plain: a thread that still sees the last one only misses in it. */
    private Table table = new Table(MIN_SLOTS);
    /**
     * Fills that evicted a live entry of another translation since the table was made. Updated
     * without synchronization: a lost increment only delays growing.
     */
    private int conflicts;
    /** {@link #hits} when the current window of conflicts began. */
    private long hitsMark;
    /** Starts at 1 so that an empty slot (generation 0) never matches. */
    private volatile int generation = 1;
    private final EventCounter hits = new EventCounter();
    private final EventCounter misses = new EventCounter();

    private static long key(int deviceId, int eventId) {
        return ((long) deviceId << 32) | Integer.toUnsignedLong(eventId);
    }

    /** The redistributor of a hit. */
    static int redistributor(long hit) {
        return (int) (hit >>> 16);
    }

    /** The pINTID of a hit. */
    static int intid(long hit) {
        return (int) (hit & 0xFFFF);
    }

    /** The generation a walk starts in: pass it to {@link #fill}. */
    int generation() {
        return generation;
    }

    /** Slots in the table in use (tests, status). */
    int slots() {
        return table.keys.length;
    }

    /** The cached translation, as {@code redistributor << 16 | pINTID}, or {@link #MISS}. */
    long lookup(int deviceId, int eventId) {
        long key = key(deviceId, eventId);
        Table t = table;
        int i = t.slot(key);
        int s1 = (int) INTS.getAcquire(t.stamps, i);
        long k = (long) LONGS.getOpaque(t.keys, i);
        long v = (long) LONGS.getOpaque(t.values, i);
        VarHandle.loadLoadFence();
        int s2 = (int) INTS.getOpaque(t.stamps, i);
        if ((s1 & 1) == 0 && s1 == s2 && k == key && (int) (v >>> 32) == generation) {
            hits.increment();
            return v & 0xFFFF_FFFFL;
        }
        misses.increment();
        return MISS;
    }

    /**
     * Caches a translation computed from the tables as they were in generation {@code gen}:
     * a 16-bit LPI and a 16-bit processor number (the ITS checks both before it calls this).
     */
    void fill(int deviceId, int eventId, int gen, int intid, int redistributor) {
        long key = key(deviceId, eventId);
        Table t = table;
        int i = t.slot(key);
        int s = (int) INTS.getVolatile(t.stamps, i);
        if ((s & 1) != 0 || !INTS.compareAndSet(t.stamps, i, s, s + 1)) {
            return; // another thread is filling this slot
        }
        long before = t.keys[i];
        boolean evicts = before != key && (int) (t.values[i] >>> 32) == generation;
        LONGS.setOpaque(t.keys, i, key);
        LONGS.setOpaque(t.values, i, ((long) gen << 32) | ((long) redistributor << 16) | intid);
        INTS.setRelease(t.stamps, i, s + 2);
        if (evicts && ++conflicts > t.keys.length / 4) {
            // A window's worth of evictions: grow if they are more than one lookup in nine of the
            // window (the translations in use do not fit), not for a few slots two keys share.
            long h = hits.sum();
            if ((long) conflicts * 8 > h - hitsMark && t.keys.length < MAX_SLOTS && table == t) {
                table = new Table(t.keys.length * 4);
            }
            conflicts = 0;
            hitsMark = h;
        }
    }

    /** Every entry stops matching. Called with the ITS's command lock held, after the table write. */
    void invalidateAll() {
        generation = generation + 1;
    }

    long hits() {
        return hits.sum();
    }

    long misses() {
        return misses.sum();
    }
}
