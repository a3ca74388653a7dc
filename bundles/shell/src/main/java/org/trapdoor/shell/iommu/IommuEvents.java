package org.trapdoor.shell.iommu;

import java.util.List;

import org.trapdoor.api.iommu.IommuFault;

/**
 * What {@code iommu events} found: the fault records the guest kernel read from its IOMMUs' event
 * queues and fault registers.
 *
 * @param kernel the guest kernel's name, or {@code null} when none has booted
 * @param node   the IOMMU the records were limited to, or {@code null} for all
 * @param faults the records, oldest first
 */
public record IommuEvents(String kernel, String node, List<IommuFault> faults) {

    public IommuEvents {
        faults = List.copyOf(faults);
    }
}
