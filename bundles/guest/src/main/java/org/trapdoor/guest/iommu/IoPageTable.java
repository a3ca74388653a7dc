package org.trapdoor.guest.iommu;

import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * A stage-1 VMSAv8-64 translation table in the LPAE long-descriptor format, as Linux's
 * {@code io-pgtable-arm.c} builds it for an SMMU DMA domain: 4 KiB granule, 48-bit input
 * addresses (T0SZ = 16), four levels starting at level 0, 4 KiB leaf pages.
 *
 * <p>Every descriptor is read and written with CPU loads and stores through the kernel's address
 * space; tables come from the page allocator, zeroed. Page descriptors carry AF, inner-shareable
 * (cacheable) or outer-shareable (device) attributes, nG, AP[1] (unprivileged, as Linux sets for
 * every non-privileged mapping), AP[2] for read-only mappings and XN; a write-only mapping is not
 * expressible at stage 1 and becomes read-write, as in Linux.
 */
public final class IoPageTable {
    public static final int IAS = 48;
    public static final int T0SZ = 64 - IAS;
    public static final int START_LEVEL = 0;
    static final long PAGE = IovaAllocator.PAGE;
    static final long ADDR_MASK = 0x0000_FFFF_FFFF_F000L;

    /** Descriptor bits (stage 1). */
    static final long TYPE_TABLE = 3, TYPE_PAGE = 3, VALID = 1;
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

    public IoPageTable(Mmio mmio, PageAllocator pages) {
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

    /**
     * Maps [{@code iova}, {@code iova + size}) to [{@code pa}, ...) in 4 KiB pages.
     *
     * @throws IllegalArgumentException for unaligned or out-of-range arguments, a mapping without
     *                                  READ or WRITE, or an IOVA that is already mapped
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
        for (long off = 0; off < size; off += PAGE) {
            long slot = leafSlot(iova + off, true);
            if ((mmio.read64(slot) & VALID) != 0) {
                // Undo what this call mapped, then refuse, as io-pgtable's -EEXIST.
                for (long u = 0; u < off; u += PAGE) {
                    pages.store(leafSlot(iova + u, false), 8, 0);
                }
                throw new IllegalArgumentException(String.format("IOVA 0x%x is already mapped", iova + off));
            }
            pages.store(slot, 8, pte(pa + off, prot));
        }
    }

    /**
     * Unmaps [{@code iova}, {@code iova + size}); returns the bytes that were mapped. The caller
     * invalidates the IOMMU's TLB afterwards. Tables are kept for the next mapping.
     */
    public synchronized long unmap(long iova, long size) {
        long done = 0;
        for (long off = 0; off < size; off += PAGE) {
            long slot = leafSlot(iova + off, false);
            if (slot >= 0 && (mmio.read64(slot) & VALID) != 0) {
                pages.store(slot, 8, 0);
                done += PAGE;
            }
        }
        return done;
    }

    /** {@code iova_to_phys}: the physical address {@code iova} maps to, or -1 when unmapped. */
    public synchronized long iovaToPhys(long iova) {
        long slot = leafSlot(iova, false);
        if (slot < 0) {
            return -1;
        }
        long pte = mmio.read64(slot);
        return (pte & VALID) == 0 ? -1 : (pte & ADDR_MASK) | (iova & (PAGE - 1));
    }

    /** The level-3 descriptor's address for {@code iova}; tables are created when {@code create}, else -1 when missing. */
    private long leafSlot(long iova, boolean create) {
        long table = root;
        for (int level = START_LEVEL; level < 3; level++) {
            long slot = table + 8L * index(iova, level);
            long desc = mmio.read64(slot);
            if ((desc & VALID) == 0) {
                if (!create) {
                    return -1;
                }
                long next = pages.allocate(PAGE, PAGE);
                pages.store(slot, 8, next | TYPE_TABLE);
                desc = next | TYPE_TABLE;
            }
            table = desc & ADDR_MASK;
        }
        return table + 8L * index(iova, 3);
    }
}
