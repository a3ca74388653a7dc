package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One DomU's MSI doorbell as the hypervisor lets a {@link DoorbellPolicy} set it. Each method
 * replaces the choice in force; MSIs in flight during a switch are each counted with one outcome.
 */
@ProviderType
public interface DoorbellPlumbing {
    /** The domain's name. */
    String domain();

    /** {@code map}: the doorbell page is mapped into the device's stage 2 (MSI writes and any DMA reach it). */
    void mapDoorbell();

    /**
     * {@code abort-sanitise}: the doorbell is not mapped; the device's write faults in the IOMMU,
     * and the hypervisor recovers it through a named IOMMU capability, checks it against the MSI
     * state the guest programmed and forwards only a legitimate message.
     *
     * @throws UnsupportedOperationException when this hypervisor cannot
     */
    default void abortAndSanitise() {
        throw new UnsupportedOperationException("abort-sanitise is not available for " + domain());
    }

    /** The choice in force: {@code map} or {@code abort-sanitise}. */
    String active();
}
