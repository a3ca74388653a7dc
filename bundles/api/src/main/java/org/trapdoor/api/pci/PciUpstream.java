package org.trapdoor.api.pci;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * The upstream side of a device's link: DMA reads and writes, and MSI writes, enter the fabric
 * here. The port stamps the requester ID; the host bridge maps it to a StreamID and a DeviceID;
 * the IOMMU (if any) translates; the system address space delivers.
 */
@ProviderType
public interface PciUpstream {
    /** This port's requester ID ({@code bus<<8 | devfn}). */
    int requesterId();

    /** Sends {@code tx} upstream; on return its result (and read data) is set. */
    void send(MemoryTransaction tx);
}
