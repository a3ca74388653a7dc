package org.trapdoor.api.hypervisor;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One DomU's MSI path as the hypervisor lets a {@link DomuMsiPolicy} set it. Each method replaces
 * whatever mechanism was active; MSIs in flight during a switch are each counted with one outcome.
 *
 * @throws HypervisorException from any method when the domain cannot take that mechanism (for
 *                             example a virtual ITS on a domain whose GIC has no LPIs, or a
 *                             domain being destroyed), with a one-line reason
 */
@ProviderType
public interface DomuMsiPlumbing {
    /** The domain's name. */
    String domain();

    /**
     * Upstream today: the guest sees no usable MSI (vPCI hides the MSI and MSI-X capabilities,
     * as Arm builds no vPCI MSI handlers), and an MSI its device still sends is dropped and
     * counted as {@code DropReason.DOMU_NO_MSI}.
     */
    void noMsi();

    /**
     * A virtual ITS for the domain at its guest-layout address, a child of its vGIC with
     * {@code msi-controller}; the guest's commands are translated into host ITS commands through a
     * per-domain map of virtual to physical DeviceIDs (a DeviceID the guest does not own gets the
     * architected command error, counted), host LPIs allocated by Xen injected as its virtual LPIs.
     */
    void virtualIts();

    /**
     * Edgar Iglesias's trap-and-remap: the guest's MSI/MSI-X address, data and mask writes are
     * trapped and the device programmed with the real doorbell and a Xen-allocated vector; the
     * guest sees a GICv2m-style frame.
     *
     * @throws UnsupportedOperationException when this hypervisor has no trap-and-remap
     */
    default void trapAndRemap() {
        throw new UnsupportedOperationException("trap-and-remap is not available for " + domain());
    }

    /** The mechanism active now: {@code none}, {@code vits} or {@code trap-remap}. */
    String active();
}
