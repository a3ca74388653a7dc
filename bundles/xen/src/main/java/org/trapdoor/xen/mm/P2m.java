package org.trapdoor.xen.mm;

import org.trapdoor.api.iommu.Vmsav8Walker;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * A domain's stage-2 translation (Xen's P2M): VMSAv8-64 stage-2 translation tables in emulated RAM,
 * 40-bit IPA, 4 KiB granule, starting at level 1 with two concatenated root tables (VTCR_EL2.T0SZ =
 * 24, SL0 = 1), as Xen sets up {@code p2m_root_order} = 1 for a 40-bit IPA. The same tables serve
 * the CPU's stage 2 and the SMMU's stage 2 for the domain's devices (Xen shares them on Arm), so
 * the SMMU model walks exactly what this class writes.
 *
 * <p>{@link #map} uses the largest block that fits (1 GiB at level 1, 2 MiB at level 2, else 4 KiB
 * pages) and splits a block when part of it is remapped or unmapped, as Xen's
 * {@code p2m_set_entry} shatters superpages. Table frames come from Xen's {@link FrameAllocator}.
 *
 * <p>Concurrency: changes are serialised on this object; {@link #lookup} walks without a lock.
 * A new table is filled before the descriptor pointing at it is written, so a concurrent walk sees
 * the old or the new mapping. Every change that removes or alters a mapping bumps
 * {@link #generation()}, which the domain's TLB checks (a TLB flush by VMID).
 */
public final class P2m {
    public static final int IPA_BITS = 40;
    public static final int START_LEVEL = 1;
    /** Two concatenated 4 KiB tables at level 1 cover 40 bits (1024 entries of 1 GiB). */
    public static final int ROOT_PAGES = 2;

    /** {@link #lookup} result bits in the low, page-offset part. */
    public static final long READ = 1;
    public static final long WRITE = 2;

    private static final long VALID = 1;
    private static final long TABLE_OR_PAGE = 3;
    private static final long BLOCK = 1;
    private static final long AF = 1L << 10;
    /** MemAttr[3:0] (bits 5:2): Normal, Inner/Outer Write-Back cacheable. */
    private static final long ATTR_NORMAL_WB = 0xfL << 2;
    /** MemAttr[3:0]: Device-nGnRE. */
    private static final long ATTR_DEVICE_NGNRE = 0x1L << 2;
    private static final long S2AP_READ = 1L << 6;
    private static final long S2AP_WRITE = 1L << 7;
    /** SH[1:0] (bits 9:8): Inner Shareable. */
    private static final long SH_INNER = 3L << 8;
    /** XN[1:0] (bits 54:53): never executable. */
    private static final long XN = 2L << 53;
    private static final int TYPE_SHIFT = 55;
    private static final long TYPE_MASK = 0xfL << TYPE_SHIFT;
    private static final long OA_MASK = 0x0000_ffff_ffff_f000L;

    private final PhysicalMemory ram;
    private final FrameAllocator frames;
    private final int vmid;
    private final long root;
    private final int outputBits;
    private volatile long generation;
    private long tableFrames;
    private boolean destroyed;

    /**
     * @param outputBits physical address size (VTCR_EL2.PS): 40 or 48
     */
    public P2m(PhysicalMemory ram, FrameAllocator frames, int vmid, int outputBits) {
        if (vmid < 0 || vmid > 0xff) {
            throw new IllegalArgumentException("VMID " + vmid + " outside 8 bits");
        }
        if (outputBits != 40 && outputBits != 42 && outputBits != 44 && outputBits != 48) {
            throw new IllegalArgumentException("PA size " + outputBits + " bits is not a VTCR_EL2.PS size");
        }
        this.ram = ram;
        this.frames = frames;
        this.vmid = vmid;
        this.outputBits = outputBits;
        long r = frames.allocate(ROOT_PAGES, ROOT_PAGES);
        if (r < 0) {
            throw new IllegalStateException("out of memory for a P2M root table");
        }
        this.root = r;
        this.tableFrames = ROOT_PAGES;
    }

    public int vmid() {
        return vmid;
    }

    /** Machine address of the concatenated root tables (VTTBR_EL2.BADDR, STE.S2TTB). */
    public long root() {
        return root;
    }

    /** VTTBR_EL2: VMID in [55:48], the root in BADDR. */
    public long vttbr() {
        return ((long) vmid << 48) | root;
    }

    /**
     * VTCR_EL2 as Xen programs it for this P2M: T0SZ = 64 - 40, SL0 = 1 (start at level 1), IRGN0 =
     * ORGN0 = Write-Back, SH0 = Inner Shareable, TG0 = 4 KiB, PS from the PA size.
     */
    public long vtcr() {
        long t0sz = 64 - IPA_BITS;
        long sl0 = 1;
        long ps = switch (outputBits) {
            case 40 -> 2;
            case 42 -> 3;
            case 44 -> 4;
            default -> 5;
        };
        return t0sz | (sl0 << 6) | (1L << 8) | (1L << 10) | (3L << 12) | (0L << 14) | (ps << 16);
    }

    /** The regime a VMSAv8 walker (the SMMU's stage 2) uses to walk these tables. */
    public Vmsav8Walker.Regime regime() {
        Vmsav8Walker.Regime r = new Vmsav8Walker.Regime();
        r.granuleShift = 12;
        r.inputBits = IPA_BITS;
        r.startLevel = START_LEVEL;
        r.ttb = root;
        r.outputBits = outputBits;
        r.stage2 = true;
        return r;
    }

    /** Bumped whenever a mapping is removed or changed: cached translations older than it are stale. */
    public long generation() {
        return generation;
    }

    /** Frames the tables use now, the root included. */
    public synchronized long tableFrames() {
        return tableFrames;
    }

    /**
     * Maps {@code [ipa, ipa+size)} to {@code [pa, pa+size)} with {@code type}, replacing what was
     * mapped there.
     *
     * @throws IllegalArgumentException for unaligned or out-of-range addresses
     * @throws IllegalStateException    when Xen's heap has no frame left for a table
     */
    public synchronized void map(long ipa, long pa, long size, P2mType type) {
        if (type == P2mType.INVALID) {
            throw new IllegalArgumentException("map with type INVALID: use unmap");
        }
        checkRange(ipa, size);
        if ((pa & (FrameAllocator.PAGE_SIZE - 1)) != 0 || pa < 0 || ((pa + size - 1) >>> outputBits) != 0) {
            throw new IllegalArgumentException(String.format("PA 0x%x +0x%x is not page aligned inside %d bits",
                    pa, size, outputBits));
        }
        alive();
        boolean replaced = false;
        long done = 0;
        while (done < size) {
            long i = ipa + done;
            long p = pa + done;
            int level = largestLevel(i, p, size - done);
            replaced |= set(i, level, leaf(p, level, type));
            done += 1L << levelShift(level);
        }
        if (replaced) {
            generation++;
        }
    }

    /** Unmaps {@code [ipa, ipa+size)}; what was not mapped stays unmapped. */
    public synchronized void unmap(long ipa, long size) {
        checkRange(ipa, size);
        alive();
        long done = 0;
        while (done < size) {
            long i = ipa + done;
            int level = largestLevel(i, 0, size - done);
            set(i, level, 0);
            done += 1L << levelShift(level);
        }
        generation++;
    }

    /**
     * Walks the tables for {@code ipa}: the machine address of its page with {@link #READ} /
     * {@link #WRITE} in the low bits, or -1 when the IPA is not mapped (a stage-2 translation fault).
     * Allocation- and lock-free.
     */
    public long lookup(long ipa) {
        if ((ipa >>> IPA_BITS) != 0) {
            return -1;
        }
        long table = root;
        for (int level = START_LEVEL; level <= 3; level++) {
            long desc = ram.load64(table + index(ipa, level) * 8);
            if ((desc & VALID) == 0) {
                return -1;
            }
            boolean isTable = level < 3 && (desc & 3) == TABLE_OR_PAGE;
            if (isTable) {
                table = desc & OA_MASK;
                continue;
            }
            int shift = levelShift(level);
            long page = ((desc & OA_MASK) & -(1L << shift)) | (ipa & ((1L << shift) - 1) & ~0xfffL);
            return page | ((desc & S2AP_READ) != 0 ? READ : 0) | ((desc & S2AP_WRITE) != 0 ? WRITE : 0);
        }
        return -1;
    }

    /** The machine address {@code ipa} translates to, or -1 (slow paths: copy_from_guest, tools). */
    public long translate(long ipa) {
        long e = lookup(ipa);
        return e < 0 ? -1 : (e & OA_MASK) | (ipa & 0xfff);
    }

    /** The type of the entry mapping {@code ipa}, or {@link P2mType#INVALID}. */
    public P2mType type(long ipa) {
        if ((ipa >>> IPA_BITS) != 0) {
            return P2mType.INVALID;
        }
        long table = root;
        for (int level = START_LEVEL; level <= 3; level++) {
            long desc = ram.load64(table + index(ipa, level) * 8);
            if ((desc & VALID) == 0) {
                return P2mType.INVALID;
            }
            if (level < 3 && (desc & 3) == TABLE_OR_PAGE) {
                table = desc & OA_MASK;
                continue;
            }
            return P2mType.ofCode((int) ((desc & TYPE_MASK) >>> TYPE_SHIFT));
        }
        return P2mType.INVALID;
    }

    /**
     * Frees every table frame (the domain is dead; its SMMU contexts must be gone first).
     * Idempotent; any later use throws.
     */
    public synchronized void destroy() {
        if (destroyed) {
            return;
        }
        for (int i = 0; i < (ROOT_PAGES << 9); i++) {
            freeSubtree(ram.load64(root + i * 8L), START_LEVEL);
        }
        frames.free(root, ROOT_PAGES);
        tableFrames = 0;
        destroyed = true;
        generation++;
    }

    private void freeSubtree(long desc, int level) {
        if (level >= 3 || (desc & 3) != TABLE_OR_PAGE) {
            return;
        }
        long table = desc & OA_MASK;
        for (int i = 0; i < 512; i++) {
            freeSubtree(ram.load64(table + i * 8L), level + 1);
        }
        frames.free(table, 1);
    }

    private void alive() {
        if (destroyed) {
            throw new IllegalStateException("P2M of VMID " + vmid + " is destroyed");
        }
    }

    private static void checkRange(long ipa, long size) {
        if ((ipa & 0xfff) != 0 || (size & 0xfff) != 0 || size <= 0 || ipa < 0
                || ((ipa + size - 1) >>> IPA_BITS) != 0) {
            throw new IllegalArgumentException(String.format("IPA 0x%x +0x%x is not page aligned inside %d bits",
                    ipa, size, IPA_BITS));
        }
    }

    static int levelShift(int level) {
        return 12 + (3 - level) * 9;
    }

    private static long index(long ipa, int level) {
        int shift = levelShift(level);
        long bits = level == START_LEVEL ? IPA_BITS - shift : 9;
        return (ipa >>> shift) & ((1L << bits) - 1);
    }

    /** The highest level (largest block) whose block is aligned at both addresses and fits in {@code left}. */
    private static int largestLevel(long ipa, long pa, long left) {
        for (int level = START_LEVEL; level < 3; level++) {
            long block = 1L << levelShift(level);
            if (((ipa | pa) & (block - 1)) == 0 && left >= block) {
                return level;
            }
        }
        return 3;
    }

    private long leaf(long pa, int level, P2mType type) {
        long d = (pa & OA_MASK) | AF | ((long) type.code << TYPE_SHIFT)
                | (type.read ? S2AP_READ : 0) | (type.write ? S2AP_WRITE : 0);
        d |= type.device ? ATTR_DEVICE_NGNRE | XN : ATTR_NORMAL_WB | SH_INNER;
        if (type == P2mType.IOMMU_MAP_RW) {
            d |= XN;
        }
        return d | (level == 3 ? TABLE_OR_PAGE : BLOCK);
    }

    /**
     * Writes {@code desc} (a leaf at {@code level}, or 0) for {@code ipa}, creating tables on the
     * way and splitting a larger block that covers it. Returns whether a valid entry was replaced.
     * A table replaced by a leaf (or cleared) is freed.
     */
    private boolean set(long ipa, int level, long desc) {
        long table = root;
        for (int l = START_LEVEL; l < level; l++) {
            long slot = table + index(ipa, l) * 8;
            long cur = ram.load64(slot);
            if ((cur & VALID) == 0) {
                if (desc == 0) {
                    return false;
                }
                long t = newTable();
                ram.store64(slot, t | TABLE_OR_PAGE);
                table = t;
            } else if ((cur & 3) == BLOCK) {
                table = shatter(slot, cur, l);
            } else {
                table = cur & OA_MASK;
            }
        }
        long slot = table + index(ipa, level) * 8;
        long old = ram.load64(slot);
        ram.store64(slot, desc);
        if (level < 3 && (old & 3) == TABLE_OR_PAGE) {
            freeSubtree(old, level);
        }
        return (old & VALID) != 0;
    }

    /** Replaces the block at {@code slot} (level {@code level}) by a table of the same mappings one level down. */
    private long shatter(long slot, long block, int level) {
        long t = newTable();
        int childShift = levelShift(level + 1);
        long attrs = block & ~OA_MASK & ~3L;
        long base = block & OA_MASK & -(1L << levelShift(level));
        long kind = level + 1 == 3 ? TABLE_OR_PAGE : BLOCK;
        for (int i = 0; i < 512; i++) {
            ram.store64(t + i * 8L, (base + ((long) i << childShift)) | attrs | kind);
        }
        ram.store64(slot, t | TABLE_OR_PAGE);
        generation++;
        return t;
    }

    private long newTable() {
        long t = frames.allocatePage();
        if (t < 0) {
            throw new IllegalStateException("Xen's heap has no free frame for a P2M table (VMID " + vmid + ")");
        }
        tableFrames++;
        return t;
    }
}
