package org.trapdoor.shell.iommu;

import java.util.List;

import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.iommu.IommuFault;

/**
 * What {@code dma} did: the endpoint's outcome and the fault records that appeared while it ran.
 *
 * @param result   the guest's account of the DMA
 * @param recorded fault records the IOMMUs made during the DMA, oldest first
 * @param target   what the transfer reached ({@code DmaTarget}): an MSI doorbell, RAM, a node's
 *                 registers; null when unknown (then "memory")
 * @param hypervisorFaults DMA faults the hypervisor's IOMMU driver counted against the domain during
 *                 the DMA (under Xen the guest sees no IOMMU: Xen drives it at stage 2)
 * @param domain   that domain's name, or null without a hypervisor
 */
public record DmaReport(GuestDmaTest result, List<IommuFault> recorded, String target, long hypervisorFaults,
        String domain) {

    public DmaReport {
        recorded = List.copyOf(recorded);
    }

    public DmaReport(GuestDmaTest result, List<IommuFault> recorded, String target) {
        this(result, recorded, target, 0, null);
    }

    public DmaReport(GuestDmaTest result, List<IommuFault> recorded) {
        this(result, recorded, null);
    }
}
