package org.trapdoor.guest.dma;

import java.util.HashMap;
import java.util.Map;

import org.trapdoor.guest.iommu.IommuDomain;
import org.trapdoor.guest.iommu.IoPgtableArm;
import org.trapdoor.guest.iommu.IommuSubsystem;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * The kernel's DMA mapping API ({@code dma_map_single}, {@code dma_unmap_single},
 * {@code dma_alloc_coherent}, {@code dma_set_mask}), per function by its {@code DDDD:BB:SS.F}
 * name. A function with an IOMMU DMA domain gets IOVAs from it (mapped before the device may use
 * them, TLB-invalidated on unmap); one without gets physical addresses (dma-direct), which must
 * fit its DMA mask. The DMA mask is 32 bits until a driver widens it, as for every PCI device.
 *
 * <p>{@link #msiAddress} is {@code iommu_dma_prepare_msi} plus {@code iommu_dma_compose_msi_msg}:
 * the address a function must write to reach an MSI doorbell.
 */
public final class DmaApi {
    /** Which way the data moves, as {@code enum dma_data_direction}. */
    public enum Direction {
        /** The device reads memory: the mapping is read-only for it. */
        TO_DEVICE,
        /** The device writes memory. */
        FROM_DEVICE,
        /** Both. */
        BIDIRECTIONAL
    }

    /** A coherent buffer: where the CPU finds it and the address the device uses. */
    public record Coherent(long cpuPhys, long dmaAddress, long size) {
    }

    static final long DEFAULT_MASK = 0xFFFF_FFFFL;

    private final IommuSubsystem iommu;
    private final PageAllocator pages;
    private final Map<String, Long> directMasks = new HashMap<>();

    /** @param iommu the kernel's IOMMU layer, or {@code null} when it has none */
    public DmaApi(IommuSubsystem iommu, PageAllocator pages) {
        this.iommu = iommu;
        this.pages = pages;
    }

    private IommuDomain domain(String bdf) {
        return iommu == null ? null : iommu.domain(bdf);
    }

    /** True when {@code bdf}'s DMA goes through an IOMMU domain. */
    public boolean translated(String bdf) {
        return domain(bdf) != null;
    }

    /** {@code dma_set_mask_and_coherent}. */
    public synchronized void setMask(String bdf, long mask) {
        IommuDomain d = domain(bdf);
        if (d != null) {
            d.dmaMask(mask);
            return;
        }
        if (mask == 0 || (mask & (mask + 1)) != 0) {
            throw new IllegalArgumentException(String.format("%s: bad DMA mask 0x%x", bdf, mask));
        }
        directMasks.put(bdf, mask);
    }

    public synchronized long mask(String bdf) {
        IommuDomain d = domain(bdf);
        return d != null ? d.dmaMask() : directMasks.getOrDefault(bdf, DEFAULT_MASK);
    }

    private static int prot(Direction dir) {
        return switch (dir) {
            case TO_DEVICE -> IoPgtableArm.READ | IoPgtableArm.CACHE | IoPgtableArm.NOEXEC;
            case FROM_DEVICE -> IoPgtableArm.WRITE | IoPgtableArm.CACHE | IoPgtableArm.NOEXEC;
            case BIDIRECTIONAL -> IoPgtableArm.READ | IoPgtableArm.WRITE | IoPgtableArm.CACHE | IoPgtableArm.NOEXEC;
        };
    }

    /**
     * {@code dma_map_single}: the address the function uses for [{@code phys}, {@code phys + length}).
     *
     * @throws IllegalStateException when the IOVA space is exhausted, or (direct) the buffer lies
     *                               beyond the function's DMA mask
     */
    public long map(String bdf, long phys, long length, Direction dir) {
        IommuDomain d = domain(bdf);
        if (d != null) {
            return d.map(phys, length, prot(dir), "dma");
        }
        long mask = mask(bdf);
        if (length <= 0 || Long.compareUnsigned(phys + length - 1, mask) > 0) {
            throw new IllegalStateException(String.format("%s: buffer 0x%x+0x%x beyond DMA mask 0x%x (no bounce buffers)",
                    bdf, phys, length, mask));
        }
        return phys;
    }

    /** {@code dma_unmap_single}: without an IOMMU there is nothing to undo. */
    public void unmap(String bdf, long dmaAddress, long length, Direction dir) {
        IommuDomain d = domain(bdf);
        if (d != null) {
            d.unmap(dmaAddress);
        }
    }

    /**
     * {@code dma_alloc_coherent}: zeroed pages of RAM, mapped read-write for the function. The
     * pages are not returned to the allocator (it never frees); unmapping with {@link #unmap}
     * releases the IOVAs.
     */
    public Coherent allocCoherent(String bdf, long length) {
        if (pages == null || length <= 0) {
            throw new IllegalStateException(bdf + ": no RAM for a coherent buffer of " + length + " bytes");
        }
        long size = (length + PageAllocator.PAGE - 1) & -PageAllocator.PAGE;
        long cpu = pages.allocate(size, PageAllocator.PAGE);
        IommuDomain d = domain(bdf);
        if (d != null) {
            return new Coherent(cpu, d.map(cpu, size, prot(Direction.BIDIRECTIONAL), "coherent"), size);
        }
        return new Coherent(cpu, map(bdf, cpu, size, Direction.BIDIRECTIONAL), size);
    }

    /** The address {@code bdf} must write to reach the MSI doorbell at {@code doorbell}. */
    public long msiAddress(String bdf, long doorbell) {
        IommuDomain d = domain(bdf);
        return d == null ? doorbell : d.msiAddress(doorbell);
    }
}
