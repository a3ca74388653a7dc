package org.trapdoor.guest.iommu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.trapdoor.api.guest.GuestDmaMapping;
import org.trapdoor.api.guest.GuestIommuDomain;

/**
 * One function's IOMMU domain with its {@code iommu_dma_cookie}: its stage-1 page table, the
 * mappings in it and the MSI doorbell pages mapped for it. Two types, as in Linux:
 * <ul>
 * <li>{@link Type#DMA} ({@code IOMMU_DOMAIN_DMA}): the default domain of a function the kernel's
 *     own drivers use through the DMA API. IOVAs follow {@code iommu_dma_alloc_iova}: the size in
 *     pages is rounded up to a power of two when below 32 pages (the range-cache sizes); the
 *     limit is the DMA mask clamped to the aperture; for a PCI function whose mask is wider than
 *     32 bits a range below 4 GiB is tried first, and the whole mask only when that fails. An MSI
 *     doorbell page takes its IOVA from the same allocator ({@code iommu_dma_get_msi_page}), so
 *     it lands top-down below the mask like any buffer: the software MSI window is not reserved
 *     in such a domain ({@code iova_reserve_iommu_regions} skips {@code IOMMU_RESV_SW_MSI}).</li>
 * <li>{@link Type#UNMANAGED} ({@code IOMMU_DOMAIN_UNMANAGED}): a domain its owner (VFIO) maps
 *     explicitly ({@code iommu_map}); it has an MSI cookie ({@code iommu_get_msi_cookie}) at
 *     {@link #MSI_IOVA_BASE}, the software MSI window the SMMU drivers report, and doorbell pages
 *     take its pages in order. The DMA API has no IOVAs to give out here.</li>
 * </ul>
 */
public final class IommuDomain {
    /** Linux's {@code MSI_IOVA_BASE} and {@code MSI_IOVA_LENGTH} (arm-smmu-v3.h, arm-smmu.h). */
    public static final long MSI_IOVA_BASE = 0x0800_0000L, MSI_IOVA_LENGTH = 0x10_0000L;
    static final long PAGE = IovaAllocator.PAGE;
    /** {@code IOVA_RANGE_CACHE_MAX_SIZE}: sizes below 2^(6-1) pages are rounded up to a power of two. */
    static final long RCACHE_LIMIT_PAGES = 1L << 5;
    static final long MASK_32 = 0xFFFF_FFFFL;

    /** The two kinds of domain a function can be attached to, as {@code iommu_domain.type}. */
    public enum Type {
        /** The kernel's own: IOVAs from the domain's allocator, doorbells included. */
        DMA,
        /** Owned by VFIO: mapped explicitly, doorbells in the software MSI window. */
        UNMANAGED
    }

    /** One mapping: what the page table holds for it, and the IOVA pages it reserved. */
    record Mapping(long iova, long phys, long length, int prot, long iovaPages, String purpose) {
    }

    private final String bdf;
    private final Type type;
    private final IommuOps driver;
    private final IommuOps.Context context;
    private final IoPgtableArm table;
    private final IovaAllocator iovas;
    private final TreeMap<Long, Mapping> mappings = new TreeMap<>();
    private final Map<Long, Long> msiPages = new LinkedHashMap<>();
    private long dmaMask = MASK_32;
    /** UNMANAGED: the MSI cookie's next IOVA ({@code cookie->msi_iova}). */
    private long msiIova = MSI_IOVA_BASE;

    IommuDomain(String bdf, Type type, IommuOps driver, IommuOps.Context context, IoPgtableArm table,
            IovaAllocator iovas) {
        this.bdf = bdf;
        this.type = type;
        this.driver = driver;
        this.context = context;
        this.table = table;
        this.iovas = iovas;
    }

    public String bdf() {
        return bdf;
    }

    public Type type() {
        return type;
    }

    public IommuOps driver() {
        return driver;
    }

    public IommuOps.Context context() {
        return context;
    }

    public IoPgtableArm table() {
        return table;
    }

    public synchronized long dmaMask() {
        return dmaMask;
    }

    /** {@code dma_set_mask}: a contiguous low mask (all ones up to some bit). */
    public synchronized void dmaMask(long mask) {
        if (mask == 0 || (mask & (mask + 1)) != 0) {
            throw new IllegalArgumentException(String.format("%s: bad DMA mask 0x%x", bdf, mask));
        }
        dmaMask = mask;
    }

    /**
     * {@code iommu_dma_map_page}: maps [{@code phys}, {@code phys + length}) with {@code prot}
     * ({@link IoPgtableArm#READ}, ...) at a fresh IOVA; returns the IOVA of {@code phys} (with its
     * offset in the page).
     *
     * @throws IllegalStateException when the IOVA space below the mask is exhausted, or the domain
     *                               is unmanaged (its owner chooses the IOVAs)
     */
    public synchronized long map(long phys, long length, int prot, String purpose) {
        if (length <= 0) {
            throw new IllegalArgumentException(bdf + ": DMA mapping of " + length + " bytes");
        }
        if (type != Type.DMA) {
            throw new IllegalStateException(bdf + ": an unmanaged domain has no DMA API IOVAs (its owner maps them)");
        }
        long offset = phys & (PAGE - 1);
        long size = (offset + length + PAGE - 1) & -PAGE;
        long pages = size / PAGE;
        long iovaPages = pages < RCACHE_LIMIT_PAGES ? Long.highestOneBit(pages) == pages ? pages
                : Long.highestOneBit(pages) << 1 : pages;
        long iova = allocateIova(iovaPages, size);
        try {
            table.map(iova, phys - offset, size, prot);
        } catch (RuntimeException e) {
            iovas.free(iova >>> IovaAllocator.PAGE_SHIFT);
            throw e;
        }
        mappings.put(iova, new Mapping(iova, phys - offset, size, prot, iovaPages, purpose));
        return iova + offset;
    }

    /**
     * {@code iommu_dma_alloc_iova}: {@code pages} pages below the DMA mask clamped to the
     * aperture, the 32-bit space first for a wider mask.
     */
    private long allocateIova(long pages, long bytes) {
        long aperture = (1L << IoPgtableArm.IAS) - 1;
        long limit = Long.compareUnsigned(dmaMask, aperture) < 0 ? dmaMask : aperture;
        long pfn = -1;
        if (limit > MASK_32) {
            pfn = iovas.allocate(pages, MASK_32 >>> IovaAllocator.PAGE_SHIFT);
        }
        if (pfn < 0) {
            pfn = iovas.allocate(pages, limit >>> IovaAllocator.PAGE_SHIFT);
        }
        if (pfn < 0) {
            throw new IllegalStateException(String.format("%s: no IOVA space for 0x%x bytes below 0x%x", bdf, bytes, limit));
        }
        return pfn << IovaAllocator.PAGE_SHIFT;
    }

    /**
     * {@code iommu_map} into an unmanaged domain, as VFIO's {@code VFIO_IOMMU_MAP_DMA} does it:
     * page-aligned, at the IOVA its owner chose, never over the software MSI window (a reserved
     * region of the group, refused as VFIO refuses it).
     *
     * @throws IllegalStateException    for a DMA domain (the kernel owns its IOVAs)
     * @throws IllegalArgumentException for an unaligned range, one over the MSI window, or one
     *                                  already mapped
     */
    public synchronized void mapAt(long iova, long phys, long length, int prot) {
        if (type != Type.UNMANAGED) {
            throw new IllegalStateException(bdf + ": the kernel chooses the IOVAs of a DMA domain");
        }
        if (Long.compareUnsigned(iova, MSI_IOVA_BASE + MSI_IOVA_LENGTH) < 0
                && Long.compareUnsigned(iova + length, MSI_IOVA_BASE) > 0) {
            throw new IllegalArgumentException(String.format("%s: IOVA 0x%x+0x%x overlaps the reserved MSI window "
                    + "0x%x+0x%x", bdf, iova, length, MSI_IOVA_BASE, MSI_IOVA_LENGTH));
        }
        table.map(iova, phys, length, prot);
        mappings.put(iova, new Mapping(iova, phys, length, prot, 0, "vfio"));
    }

    /**
     * Unmaps the mapping that starts in the page of {@code dmaAddress}, invalidates the SMMU's
     * TLB for it, then frees its IOVAs (in that order, so no stale translation outlives the free).
     *
     * @throws IllegalArgumentException when no mapping starts there
     */
    public synchronized void unmap(long dmaAddress) {
        long iova = dmaAddress & -PAGE;
        Mapping m = mappings.get(iova);
        if (m == null || "msi".equals(m.purpose())) {
            throw new IllegalArgumentException(String.format("%s: no DMA mapping at IOVA 0x%x", bdf, dmaAddress));
        }
        table.unmap(iova, m.length());
        driver.flush(context, iova, m.length());
        mappings.remove(iova);
        if (type == Type.DMA) {
            iovas.free(iova >>> IovaAllocator.PAGE_SHIFT);
        }
    }

    /**
     * {@code iommu_dma_get_msi_page}: the IOVA through which the function reaches
     * {@code doorbell} — its page mapped once per domain, write-only-device (RW at stage 1),
     * device memory, never executable. A DMA domain takes the IOVA from its allocator below the
     * DMA mask, as for any buffer; an unmanaged domain takes the MSI cookie's next page of the
     * software MSI window ({@code cookie->msi_iova}, which only grows). Pages are not unmapped
     * when the vectors go: Linux keeps them until the domain is freed.
     *
     * @throws IllegalStateException when no IOVA is left below the mask
     */
    public synchronized long msiAddress(long doorbell) {
        long page = doorbell & -PAGE;
        Long iova = msiPages.get(page);
        if (iova == null) {
            long at = type == Type.DMA ? allocateIova(1, PAGE) : msiIova;
            int prot = IoPgtableArm.WRITE | IoPgtableArm.NOEXEC | IoPgtableArm.MMIO;
            try {
                table.map(at, page, PAGE, prot);
            } catch (RuntimeException e) {
                if (type == Type.DMA) {
                    iovas.free(at >>> IovaAllocator.PAGE_SHIFT);
                }
                throw e;
            }
            if (type == Type.UNMANAGED) {
                msiIova += PAGE;
            }
            mappings.put(at, new Mapping(at, page, PAGE, prot, type == Type.DMA ? 1 : 0, "msi"));
            msiPages.put(page, at);
            iova = at;
        }
        return iova + (doorbell & (PAGE - 1));
    }

    /** The mapping that covers {@code iova}, or {@code null}. */
    synchronized Mapping mappingAt(long iova) {
        Map.Entry<Long, Mapping> e = mappings.floorEntry(iova);
        return e != null && iova < e.getKey() + e.getValue().length() ? e.getValue() : null;
    }

    /** The domain as shells see it. */
    public synchronized GuestIommuDomain info() {
        List<GuestDmaMapping> list = new ArrayList<>();
        for (Mapping m : mappings.values()) {
            // Stage 1 cannot make a page write-only: a mapping with WRITE is also readable.
            list.add(new GuestDmaMapping(m.iova(), m.phys(), m.length(), true, (m.prot() & IoPgtableArm.WRITE) != 0,
                    m.purpose()));
        }
        return new GuestIommuDomain(bdf, driver.node(), driver.kind(), context.streamId(), context.asid(),
                context.bank(), table.root(), dmaMask, list);
    }
}
