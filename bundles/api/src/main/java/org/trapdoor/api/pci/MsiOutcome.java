package org.trapdoor.api.pci;

/** What became of one request of a function to signal an MSI or MSI-X vector. */
public enum MsiOutcome {
    /** The message write went upstream and completed. */
    SENT,
    /** The vector (or the MSI-X function) is masked: its pending bit is set, it goes out on unmask. */
    PENDING,
    /** Neither MSI nor MSI-X is enabled (or this mechanism is disabled). */
    DISABLED,
    /** The vector is beyond the enabled vectors or the table. */
    BAD_VECTOR,
    /** Bus Master Enable is clear: the function may not issue memory writes. */
    NO_BUS_MASTER,
    /** The function is not plugged into a port. */
    NOT_CONNECTED,
    /** The message write was refused upstream (decode error, IOMMU abort). */
    FAILED
}
