package org.trapdoor.api.guest;

import java.util.List;

/**
 * The DMA domain the kernel gave one PCI function behind an IOMMU ({@code iommu_get_dma_domain}).
 *
 * @param bdf       the function, {@code DDDD:BB:SS.F}
 * @param iommu     device-tree path of the IOMMU node
 * @param kind      {@code "SMMUv3"} or {@code "SMMUv2"}
 * @param streamId  the StreamID the host bridge's {@code iommu-map} gives the function
 * @param asid      the stage-1 ASID of the domain
 * @param context   the SMMUv2 context bank, or -1 for an SMMUv3 (whose context is the CD)
 * @param tableBase physical address of the domain's level-0 translation table (TTB0)
 * @param dmaMask   the function's DMA mask; IOVAs are allocated top-down below it
 * @param mappings  the domain's mappings now, by IOVA
 */
public record GuestIommuDomain(String bdf, String iommu, String kind, int streamId, int asid, int context,
        long tableBase, long dmaMask, List<GuestDmaMapping> mappings) {

    public GuestIommuDomain {
        mappings = List.copyOf(mappings);
    }
}
