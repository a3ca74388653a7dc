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
 */
final class TranslationCache {
    static final int SLOTS = 1024;
    /** What {@link #lookup} returns on a miss; a hit is never negative. */
    static final long MISS = -1;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final long[] keys = new long[SLOTS];
    /**
     * generation [63:32] | redistributor [31:16] | pINTID [15:0]: the ITS has 16-bit LPIs
     * (GITS_TYPER.ID_bits) and a CTE names a 16-bit processor number, so every translation fits.
     */
    private final long[] values = new long[SLOTS];
    /** Per slot: odd while a fill writes it. */
    private final int[] stamps = new int[SLOTS];
    /** Starts at 1 so that an empty slot (generation 0) never matches. */
    private volatile int generation = 1;
    private final EventCounter hits = new EventCounter();
    private final EventCounter misses = new EventCounter();

    private static long key(int deviceId, int eventId) {
        return ((long) deviceId << 32) | Integer.toUnsignedLong(eventId);
    }

    private static int slot(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 54); // top 10 bits: SLOTS = 1024
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

    /** The cached translation, as {@code redistributor << 16 | pINTID}, or {@link #MISS}. */
    long lookup(int deviceId, int eventId) {
        long key = key(deviceId, eventId);
        int i = slot(key);
        int s1 = (int) INTS.getAcquire(stamps, i);
        long k = (long) LONGS.getOpaque(keys, i);
        long v = (long) LONGS.getOpaque(values, i);
        VarHandle.loadLoadFence();
        int s2 = (int) INTS.getOpaque(stamps, i);
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
        int i = slot(key);
        int s = (int) INTS.getVolatile(stamps, i);
        if ((s & 1) != 0 || !INTS.compareAndSet(stamps, i, s, s + 1)) {
            return; // another thread is filling this slot
        }
        LONGS.setOpaque(keys, i, key);
        LONGS.setOpaque(values, i, ((long) gen << 32) | ((long) redistributor << 16) | intid);
        INTS.setRelease(stamps, i, s + 2);
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
