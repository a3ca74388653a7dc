package org.trapdoor.guest.iommu;

import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * A stage-1 VMSAv8-64 translation table in the LPAE long-descriptor format, as Linux's
 * {@code io-pgtable-arm.c} builds it for an SMMU DMA domain: 4 KiB granule, 48-bit input
 * addresses (T0SZ = 16), four levels starting at level 0. A mapping is made of the largest
 * leaves its alignment and size allow, as {@code iommu_map} picks them ({@code iommu_pgsize} over
 * the SMMU's page sizes 4 KiB, 2 MiB and 1 GiB): 1 GiB blocks at level 1, 2 MiB blocks at level 2,
 * 4 KiB pages at level 3. An unmap removes whole leaves; cutting into a block is refused, as
 * Linux 6.x does ("Unmap of a partial large IOPTE is not allowed").
 *
 * <p>Every descriptor is read and written with CPU loads and stores through the kernel's address
 * space; tables come from the page allocator, zeroed. Page descriptors carry AF, inner-shareable
 * (cacheable) or outer-shareable (device) attributes, nG, AP[1] (unprivileged, as Linux sets for
 * every non-privileged mapping), AP[2] for read-only mappings and XN; a write-only mapping is not
 * expressible at stage 1 and becomes read-write, as in Linux.
 */
public final class IoPgtableArm {
    public static final int IAS = 48;
    public static final int T0SZ = 64 - IAS;
    public static final int START_LEVEL = 0;
    static final long PAGE = IovaAllocator.PAGE;
    static final long ADDR_MASK = 0x0000_FFFF_FFFF_F000L;

    /** Descriptor bits (stage 1). */
    static final long TYPE_TABLE = 3, TYPE_PAGE = 3, TYPE_BLOCK = 1, VALID = 1, TYPE_MASK = 3;
    static final long ATTRINDX_SHIFT = 2;
    static final long AP_UNPRIV = 1L << 6, AP_RDONLY = 1L << 7;
    static final long SH_OS = 2L << 8, SH_IS = 3L << 8;
    static final long AF = 1L << 10, NG = 1L << 11, XN = 1L << 54;

    /** MAIR indexes, as io-pgtable-arm's {@code ARM_LPAE_MAIR_ATTR_IDX_*}. */
    public static final int MAIR_IDX_NC = 0, MAIR_IDX_CACHE = 1, MAIR_IDX_DEV = 2;
    /** MAIR: idx0 Normal non-cacheable, idx1 Normal WB RW-allocate, idx2 Device-nGnRE, idx3 inner NC / outer WB. */
    public static final long MAIR = 0x44L | 0xFFL << 8 | 0x04L << 16 | 0xF4L << 24;

    /** Protection flags of a mapping ({@code IOMMU_READ}, ...). */
    public static final int READ = 1, WRITE = 2, CACHE = 4, NOEXEC = 8, MMIO = 16;

    private final Mmio mmio;
    private final PageAllocator pages;
    private final long root;

    public IoPgtableArm(Mmio mmio, PageAllocator pages) {
        this.mmio = mmio;
        this.pages = pages;
        this.root = pages.allocate(PAGE, PAGE);
    }

    /** Physical address of the level-0 table (TTB0). */
    public long root() {
        return root;
    }

    private static int index(long iova, int level) {
        return (int) (iova >>> (39 - 9 * level)) & 0x1FF;
    }

    /** The stage-1 page descriptor for {@code pa} with {@code prot} (without the output address check). */
    static long pte(long pa, int prot) {
        long pte = (pa & ADDR_MASK) | TYPE_PAGE | AF | NG | AP_UNPRIV;
        if ((prot & WRITE) == 0 && (prot & READ) != 0) {
            pte |= AP_RDONLY;
        }
        if ((prot & MMIO) != 0) {
            pte |= (long) MAIR_IDX_DEV << ATTRINDX_SHIFT | SH_OS;
        } else if ((prot & CACHE) != 0) {
            pte |= (long) MAIR_IDX_CACHE << ATTRINDX_SHIFT | SH_IS;
        } else {
            pte |= (long) MAIR_IDX_NC << ATTRINDX_SHIFT | SH_OS;
        }
        if ((prot & NOEXEC) != 0) {
            pte |= XN;
        }
        return pte;
    }

    /** log2 of the size one descriptor at {@code level} maps: 512 GiB, 1 GiB, 2 MiB, 4 KiB. */
    static int levelShift(int level) {
        return 39 - 9 * level;
    }

    /**
     * Maps [{@code iova}, {@code iova + size}) to [{@code pa}, ...), each step with the largest
     * leaf that both addresses are aligned to and that the rest of the range holds.
     *
     * @throws IllegalArgumentException for unaligned or out-of-range arguments, a mapping without
     *                                  READ or WRITE, or an IOVA that is already mapped (nothing of
     *                                  this call's mapping is left behind then)
     */
    public synchronized void map(long iova, long pa, long size, int prot) {
        if (((iova | pa | size) & (PAGE - 1)) != 0 || size <= 0) {
            throw new IllegalArgumentException(String.format("unaligned mapping 0x%x -> 0x%x size 0x%x", iova, pa, size));
        }
        if ((iova + size - 1) >>> IAS != 0 || (pa + size - 1) >>> IAS != 0) {
            throw new IllegalArgumentException(String.format("mapping 0x%x -> 0x%x size 0x%x beyond %d bits", iova, pa,
                    size, IAS));
        }
        if ((prot & (READ | WRITE)) == 0) {
            throw new IllegalArgumentException("a mapping needs READ or WRITE");
        }
        long done = 0;
        while (done < size) {
            long ia = iova + done;
            long oa = pa + done;
            int level = 3;
            for (int l = 1; l <= 2; l++) {
                long bs = 1L << levelShift(l);
                if (((ia | oa) & (bs - 1)) == 0 && size - done >= bs) {
                    level = l;
                    break;
                }
            }
            try {
                install(ia, oa, level, prot);
            } catch (IllegalArgumentException e) {
                // Undo what this call mapped, then refuse, as io-pgtable's -EEXIST.
                if (done > 0) {
                    unmap(iova, done);
                }
                throw e;
            }
            done += 1L << levelShift(level);
        }
    }

    /** Writes one leaf at {@code level}, creating the tables above it. */
    private void install(long iova, long pa, int level, int prot) {
        long table = root;
        for (int l = START_LEVEL; l < level; l++) {
            long slot = table + 8L * index(iova, l);
            long desc = mmio.read64(slot);
            if ((desc & VALID) == 0) {
                long next = pages.allocate(PAGE, PAGE);
                pages.store(slot, 8, next | TYPE_TABLE);
                desc = next | TYPE_TABLE;
            } else if ((desc & TYPE_MASK) != TYPE_TABLE) {
                throw new IllegalArgumentException(String.format("IOVA 0x%x is already mapped (by a block)", iova));
            }
            table = desc & ADDR_MASK;
        }
        long slot = table + 8L * index(iova, level);
        long desc = mmio.read64(slot);
        if ((desc & VALID) != 0) {
            if (level == 3 || (desc & TYPE_MASK) != TYPE_TABLE || !empty(desc & ADDR_MASK, level + 1)) {
                throw new IllegalArgumentException(String.format("IOVA 0x%x is already mapped", iova));
            }
            // A table whose leaves were all unmapped gives way to the block (arm_lpae_init_pte).
        }
        long leaf = pte(pa, prot);
        pages.store(slot, 8, level == 3 ? leaf : (leaf & ~TYPE_MASK) | TYPE_BLOCK);
    }

    /** Whether the table at {@code level} maps nothing. */
    private boolean empty(long table, int level) {
        for (int i = 0; i < 512; i++) {
            long desc = mmio.read64(table + 8L * i);
            if ((desc & VALID) != 0 && (level == 3 || (desc & TYPE_MASK) != TYPE_TABLE
                    || !empty(desc & ADDR_MASK, level + 1))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Unmaps the leaves in [{@code iova}, {@code iova + size}); returns the bytes that were
     * mapped. The caller invalidates the IOMMU's TLB afterwards. Tables are kept for the next
     * mapping.
     *
     * @throws IllegalArgumentException when the range cuts into a block
     */
    public synchronized long unmap(long iova, long size) {
        long done = 0;
        long unmapped = 0;
        while (done < size) {
            long ia = iova + done;
            long table = root;
            int level = START_LEVEL;
            long slot;
            long desc;
            while (true) {
                slot = table + 8L * index(ia, level);
                desc = mmio.read64(slot);
                if ((desc & VALID) == 0 || level == 3 || (desc & TYPE_MASK) != TYPE_TABLE) {
                    break;
                }
                table = desc & ADDR_MASK;
                level++;
            }
            long bs = 1L << levelShift(level);
            long start = ia & -bs;
            if ((desc & VALID) != 0) {
                if (Long.compareUnsigned(start, iova) < 0 || Long.compareUnsigned(start + bs, iova + size) > 0) {
                    throw new IllegalArgumentException(String.format(
                            "unmap of 0x%x+0x%x cuts into the 0x%x-byte block at 0x%x", iova, size, bs, start));
                }
                pages.store(slot, 8, 0);
                unmapped += bs;
            }
            done = start + bs - iova;
        }
        return unmapped;
    }

    /** {@code iova_to_phys}: the physical address {@code iova} maps to, or -1 when unmapped. */
    public synchronized long iovaToPhys(long iova) {
        long table = root;
        for (int level = START_LEVEL; level <= 3; level++) {
            long desc = mmio.read64(table + 8L * index(iova, level));
            if ((desc & VALID) == 0) {
                return -1;
            }
            if (level == 3 || (desc & TYPE_MASK) != TYPE_TABLE) {
                long bs = 1L << levelShift(level);
                return (desc & ADDR_MASK & -bs) | (iova & (bs - 1));
            }
            table = desc & ADDR_MASK;
        }
        return -1;
    }

    /** The level of the leaf that maps {@code iova} (1, 2 or 3), or -1 when unmapped (tests, diagnostics). */
    public synchronized int leafLevel(long iova) {
        long table = root;
        for (int level = START_LEVEL; level <= 3; level++) {
            long desc = mmio.read64(table + 8L * index(iova, level));
            if ((desc & VALID) == 0) {
                return -1;
            }
            if (level == 3 || (desc & TYPE_MASK) != TYPE_TABLE) {
                return level;
            }
            table = desc & ADDR_MASK;
        }
        return -1;
    }
}
