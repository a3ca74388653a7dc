package org.trapdoor.guest.iommu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.trapdoor.api.guest.GuestDmaMapping;
import org.trapdoor.api.guest.GuestIommuDomain;

/**
 * One function's DMA domain ({@code IOMMU_DOMAIN_DMA} with an {@code iommu_dma_cookie}): its
 * stage-1 page table, its IOVA space and the mappings in it, and the MSI doorbell pages mapped
 * into its software MSI window.
 *
 * <p>IOVAs follow {@code iommu_dma_alloc_iova}: the size in pages is rounded up to a power of two
 * when below 32 pages (the range-cache sizes); the limit is the DMA mask clamped to the aperture;
 * for a PCI function whose mask is wider than 32 bits a range below 4 GiB is tried first, and
 * the whole mask only when that fails.
 */
public final class DmaDomain {
    /** Linux's {@code MSI_IOVA_BASE} and {@code MSI_IOVA_LENGTH} (arm-smmu-v3.h, arm-smmu.h). */
    public static final long MSI_IOVA_BASE = 0x0800_0000L, MSI_IOVA_LENGTH = 0x10_0000L;
    static final long PAGE = IovaAllocator.PAGE;
    /** {@code IOVA_RANGE_CACHE_MAX_SIZE}: sizes below 2^(6-1) pages are rounded up to a power of two. */
    static final long RCACHE_LIMIT_PAGES = 1L << 5;
    static final long MASK_32 = 0xFFFF_FFFFL;

    /** One mapping: what the page table holds for it, and the IOVA pages it reserved. */
    record Mapping(long iova, long phys, long length, int prot, long iovaPages, String purpose) {
    }

    private final String bdf;
    private final IommuDriver driver;
    private final IommuDriver.Context context;
    private final IoPageTable table;
    private final IovaAllocator iovas;
    private final TreeMap<Long, Mapping> mappings = new TreeMap<>();
    private final Map<Long, Long> msiPages = new LinkedHashMap<>();
    private long dmaMask = MASK_32;

    DmaDomain(String bdf, IommuDriver driver, IommuDriver.Context context, IoPageTable table, IovaAllocator iovas) {
        this.bdf = bdf;
        this.driver = driver;
        this.context = context;
        this.table = table;
        this.iovas = iovas;
    }

    public String bdf() {
        return bdf;
    }

    public IommuDriver driver() {
        return driver;
    }

    public IommuDriver.Context context() {
        return context;
    }

    public IoPageTable table() {
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
     * Maps [{@code phys}, {@code phys + length}) with {@code prot} ({@link IoPageTable#READ}, ...)
     * at a fresh IOVA; returns the IOVA of {@code phys} (with its offset in the page).
     *
     * @throws IllegalStateException when the IOVA space below the mask is exhausted
     */
    public synchronized long map(long phys, long length, int prot, String purpose) {
        if (length <= 0) {
            throw new IllegalArgumentException(bdf + ": DMA mapping of " + length + " bytes");
        }
        long offset = phys & (PAGE - 1);
        long size = (offset + length + PAGE - 1) & -PAGE;
        long pages = size / PAGE;
        long iovaPages = pages < RCACHE_LIMIT_PAGES ? Long.highestOneBit(pages) == pages ? pages
                : Long.highestOneBit(pages) << 1 : pages;
        long aperture = (1L << IoPageTable.IAS) - 1;
        long limit = Long.compareUnsigned(dmaMask, aperture) < 0 ? dmaMask : aperture;
        long pfn = -1;
        if (limit > MASK_32) {
            pfn = iovas.allocate(iovaPages, MASK_32 >>> IovaAllocator.PAGE_SHIFT);
        }
        if (pfn < 0) {
            pfn = iovas.allocate(iovaPages, limit >>> IovaAllocator.PAGE_SHIFT);
        }
        if (pfn < 0) {
            throw new IllegalStateException(String.format("%s: no IOVA space for 0x%x bytes below 0x%x", bdf, size, limit));
        }
        long iova = pfn << IovaAllocator.PAGE_SHIFT;
        try {
            table.map(iova, phys - offset, size, prot);
        } catch (RuntimeException e) {
            iovas.free(pfn);
            throw e;
        }
        mappings.put(iova, new Mapping(iova, phys - offset, size, prot, iovaPages, purpose));
        return iova + offset;
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
        iovas.free(iova >>> IovaAllocator.PAGE_SHIFT);
    }

    /**
     * {@code iommu_dma_get_msi_page}: the IOVA through which the function reaches
     * {@code doorbell} — its page mapped write-only-device (RW at stage 1) in the MSI window, once
     * per page, at the next free page of the window.
     *
     * @throws IllegalStateException when the MSI window is full
     */
    public synchronized long msiAddress(long doorbell) {
        long page = doorbell & -PAGE;
        Long iova = msiPages.get(page);
        if (iova == null) {
            long next = MSI_IOVA_BASE + msiPages.size() * PAGE;
            if (next >= MSI_IOVA_BASE + MSI_IOVA_LENGTH) {
                throw new IllegalStateException(bdf + ": software MSI window full");
            }
            table.map(next, page, PAGE, IoPageTable.WRITE | IoPageTable.NOEXEC | IoPageTable.MMIO);
            mappings.put(next, new Mapping(next, page, PAGE, IoPageTable.WRITE | IoPageTable.NOEXEC | IoPageTable.MMIO,
                    0, "msi"));
            msiPages.put(page, next);
            iova = next;
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
            list.add(new GuestDmaMapping(m.iova(), m.phys(), m.length(), true, (m.prot() & IoPageTable.WRITE) != 0,
                    m.purpose()));
        }
        return new GuestIommuDomain(bdf, driver.node(), driver.kind(), context.streamId(), context.asid(),
                context.bank(), table.root(), dmaMask, list);
    }
}
