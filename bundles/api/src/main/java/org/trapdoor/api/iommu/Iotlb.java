package org.trapdoor.api.iommu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.trapdoor.api.counter.EventCounter;

/**
 * A direct-mapped IOTLB in primitive arrays, shared by the SMMU models.
 *
 * <p>Entries cache one 4 KiB input page of one StreamID: its output page and whether reads and
 * writes are allowed. Each entry also carries the tags the architecture invalidates by —
 * translation regime, ASID, VMID, the stage-1 leaf size (to match TLBI by VA across a block),
 * the IPA and stage-2 leaf size (TLBI by IPA) — so invalidation commands drop exactly what a real
 * TLB tagged that way would (or more, which a TLB is always allowed to do).
 *
 * <p>{@link #lookup} takes no lock and allocates nothing: it reads the entry's key, its value,
 * and the key again (acquire reads; writers publish with release writes, invalidating the key
 * first), so a reader never pairs a key with another entry's value. Fills and invalidations are
 * made by one writer at a time (the model's slow-path lock).
 */
public final class Iotlb {
    /** Regime of entries made by non-secure EL1 stage-1/stage-2 translations. */
    public static final int REGIME_NS_EL1 = 0;
    /** Regime of EL2 (STRW = EL2) stage-1 translations. */
    public static final int REGIME_EL2 = 1;
    /** Cached bypass (no translation): dropped only by configuration invalidation. */
    public static final int REGIME_BYPASS = 2;

    /** A tag value meaning "none" (no ASID: stage 2 only; no VMID: stage 1 only). */
    public static final int NONE = -1;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long INVALID = -1L;
    private static final long PERM_R = 1;
    private static final long PERM_W = 2;

    private final int mask;
    private final long[] keys;
    private final long[] values;
    // Tags, read and written only under the writer's lock.
    private final int[] regime;
    private final int[] asid;
    private final int[] vmid;
    private final byte[] s1Shift;
    private final long[] ipa;
    private final byte[] s2Shift;
    private final EventCounter hits = new EventCounter();
    private final EventCounter misses = new EventCounter();

    /** @param entries a power of two */
    public Iotlb(int entries) {
        if (entries <= 0 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("IOTLB size must be a power of two: " + entries);
        }
        mask = entries - 1;
        keys = new long[entries];
        values = new long[entries];
        regime = new int[entries];
        asid = new int[entries];
        vmid = new int[entries];
        s1Shift = new byte[entries];
        ipa = new long[entries];
        s2Shift = new byte[entries];
        java.util.Arrays.fill(keys, INVALID);
    }

    private static long key(int streamId, long inputAddress) {
        return ((long) (streamId & 0xffff) << 36) | (inputAddress >>> 12);
    }

    private int index(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** True when this TLB can hold the address (inputs beyond 48 bits are never cached). */
    public static boolean cacheable(int streamId, long inputAddress) {
        return streamId >= 0 && streamId <= 0xffff && (inputAddress >>> 48) == 0;
    }

    /**
     * The output address for {@code inputAddress}, or -1 on a miss (including an entry that does
     * not allow the access: the caller walks again and reports the fault). Counts hits and misses.
     */
    public long lookup(int streamId, long inputAddress, boolean write) {
        if (cacheable(streamId, inputAddress)) {
            long k = key(streamId, inputAddress);
            int i = index(k);
            if ((long) LONGS.getAcquire(keys, i) == k) {
                long v = (long) LONGS.getAcquire(values, i);
                if ((long) LONGS.getAcquire(keys, i) == k && (v & (write ? PERM_W : PERM_R)) != 0) {
                    hits.increment();
                    return (v & ~0xfffL) | (inputAddress & 0xfff);
                }
            }
        }
        misses.increment();
        return -1;
    }

    /**
     * Caches the 4 KiB page of {@code inputAddress}. Writer side (slow-path lock held).
     *
     * @param outputAddress the translated address of {@code inputAddress}
     * @param stage1Shift   log2 of the stage-1 leaf size (0 if no stage 1)
     * @param ipaAddress    the IPA of this page when stage 2 applies, else 0
     * @param stage2Shift   log2 of the stage-2 leaf size (0 if no stage 2)
     */
    public void insert(int streamId, long inputAddress, long outputAddress, boolean readable, boolean writable,
            int entryRegime, int entryAsid, int entryVmid, int stage1Shift, long ipaAddress, int stage2Shift) {
        if (!cacheable(streamId, inputAddress)) {
            return;
        }
        long k = key(streamId, inputAddress);
        int i = index(k);
        LONGS.setRelease(keys, i, INVALID);
        regime[i] = entryRegime;
        asid[i] = entryAsid;
        vmid[i] = entryVmid;
        s1Shift[i] = (byte) stage1Shift;
        ipa[i] = ipaAddress;
        s2Shift[i] = (byte) stage2Shift;
        long v = (outputAddress & ~0xfffL) | (readable ? PERM_R : 0) | (writable ? PERM_W : 0);
        LONGS.setRelease(values, i, v);
        LONGS.setRelease(keys, i, k);
    }

    private void drop(int i) {
        LONGS.setRelease(keys, i, INVALID);
    }

    private boolean live(int i) {
        return keys[i] != INVALID;
    }

    private long inputPage(int i) {
        return (keys[i] & ((1L << 36) - 1)) << 12;
    }

    private int stream(int i) {
        return (int) (keys[i] >>> 36);
    }

    /** Drops every entry (CFGI_ALL, TLBIALL of everything). */
    public void invalidateAll() {
        for (int i = 0; i <= mask; i++) {
            drop(i);
        }
    }

    /** Drops every entry of one StreamID (its configuration changed). */
    public void invalidateStream(int streamId) {
        for (int i = 0; i <= mask; i++) {
            if (live(i) && stream(i) == (streamId & 0xffff)) {
                drop(i);
            }
        }
    }

    /** Drops the entries of {@code entryRegime} (TLBI_NSNH_ALL, TLBI_EL2_ALL). */
    public void invalidateRegime(int entryRegime) {
        for (int i = 0; i <= mask; i++) {
            if (live(i) && regime[i] == entryRegime) {
                drop(i);
            }
        }
    }

    /**
     * Drops stage-1 entries of a regime: for {@code vmid} ({@link #NONE}: any), for
     * {@code asid} ({@link #NONE}: every ASID), and, when {@code byAddress}, only those whose
     * stage-1 leaf covers {@code va} (TLBI_NH_ALL/ASID/VA/VAA, TLBI_EL2_*, SMMUv2 TLBIASID/VA).
     */
    public void invalidateStage1(int entryRegime, int vmidTag, int asidTag, boolean byAddress, long va) {
        for (int i = 0; i <= mask; i++) {
            if (!live(i) || regime[i] != entryRegime || asid[i] == NONE) {
                continue;
            }
            if (vmidTag != NONE && vmid[i] != NONE && vmid[i] != vmidTag) {
                continue;
            }
            if (asidTag != NONE && asid[i] != asidTag) {
                continue;
            }
            if (byAddress) {
                int sh = s1Shift[i];
                if (((inputPage(i) ^ va) >>> sh) != 0) {
                    continue;
                }
            }
            drop(i);
        }
    }

    /** Drops every entry tagged with {@code vmidTag} (TLBI_S12_VMALL, SMMUv2 TLBIVMID). */
    public void invalidateVmid(int vmidTag) {
        for (int i = 0; i <= mask; i++) {
            if (live(i) && regime[i] == REGIME_NS_EL1 && vmid[i] == vmidTag) {
                drop(i);
            }
        }
    }

    /** Drops stage-2 entries of {@code vmidTag} whose stage-2 leaf covers {@code ipaAddress} (TLBI_S2_IPA). */
    public void invalidateIpa(int vmidTag, long ipaAddress) {
        for (int i = 0; i <= mask; i++) {
            if (live(i) && vmid[i] == vmidTag && s2Shift[i] != 0
                    && ((ipa[i] ^ ipaAddress) >>> s2Shift[i]) == 0) {
                drop(i);
            }
        }
    }

    /** Valid entries now (slow: for shells and tests). */
    public int occupancy() {
        int n = 0;
        for (int i = 0; i <= mask; i++) {
            if (live(i)) {
                n++;
            }
        }
        return n;
    }

    public int capacity() {
        return mask + 1;
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }
}
