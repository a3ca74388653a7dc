package org.trapdoor.shell.iommu;

import java.util.List;

import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.iommu.IommuFault;

/**
 * What {@code dma} did: the endpoint's outcome and the fault records that appeared while it ran.
 *
 * @param result   the guest's account of the DMA
 * @param recorded fault records the IOMMUs made during the DMA, oldest first
 */
public record DmaReport(GuestDmaTest result, List<IommuFault> recorded) {

    public DmaReport {
        recorded = List.copyOf(recorded);
    }
}
