package org.trapdoor.api.hypervisor;

import java.util.List;

/**
 * A PCI function as the hypervisor knows it.
 *
 * @param bdf          {@code SSSS:BB:DD.F}
 * @param owner        the owning domain's name, or {@code dom_io} for a quarantined function
 * @param assignable   whether it is in the assignable (quarantine) list
 * @param iommu        the IOMMU node that translates its DMA, or null when it is behind none
 * @param streamIds    its StreamIDs at that IOMMU (from {@code iommu-map})
 * @param iommuContext what the IOMMU does with its DMA now, e.g. {@code "stage 2, vmid 1"} or {@code "abort"}
 */
public record PciDeviceStatus(String bdf, String owner, boolean assignable, String iommu, List<Integer> streamIds,
        String iommuContext) {
    public PciDeviceStatus {
        streamIds = List.copyOf(streamIds);
    }
}
