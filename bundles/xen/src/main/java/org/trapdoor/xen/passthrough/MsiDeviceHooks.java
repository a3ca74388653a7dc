package org.trapdoor.xen.passthrough;

import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.vpci.VpciDevice;

/**
 * What the PCI subsystem tells Xen's interrupt side about a DomU's functions, so that the
 * {@code domu-msi} mechanism in force can set up their MSIs (wired by the component: this package
 * does not depend on the interrupt side's).
 */
public interface MsiDeviceHooks {
    /**
     * A function was assigned to {@code domU}, before the guest can see it.
     *
     * @param virtualDeviceId the DeviceID the DomU's {@code msi-map} gives its virtual RID
     * @param hostDeviceId    the DeviceID the host bridge's {@code msi-map} gives its host RID
     */
    void assigned(XenDomain domU, VpciDevice vpci, int virtualDeviceId, int hostDeviceId);

    /**
     * Where a function's MSIs go on the host: the node of the MSI controller its bridge names
     * ({@code msi-map} for its RID, else {@code msi-parent}; null for none), and whether its DMA
     * is translated by an IOMMU Xen drives (its writes name IPAs of the owner's stage 2) or goes
     * untranslated (they name physical addresses).
     */
    record HostMsi(String controller, boolean translated) {
    }

    /** As {@link #assigned(XenDomain, VpciDevice, int, int)}, knowing where its MSIs go on the host. */
    default void assigned(XenDomain domU, VpciDevice vpci, int virtualDeviceId, int hostDeviceId, HostMsi host) {
        assigned(domU, vpci, virtualDeviceId, hostDeviceId);
    }

    /** The function is leaving {@code domU} (detach, destroy), before its vPCI view is torn down. */
    void detached(XenDomain domU, int virtualDeviceId);

    /**
     * A write by the function faulted in its stage 2 (read back from the SMMU's event queue),
     * with its data when the SMMU captured it: a doorbell write the {@code abort-sanitise}
     * policy left unmapped, or any other DMA.
     */
    default void writeFaulted(XenDomain domU, int virtualDeviceId, long address, boolean dataCaptured, int data) {
        // not a doorbell anybody recovers
    }

    MsiDeviceHooks NONE = new MsiDeviceHooks() {
        @Override
        public void assigned(XenDomain domU, VpciDevice vpci, int virtualDeviceId, int hostDeviceId) {
            // no interrupt side: the function's MSIs stay as vPCI shows them
        }

        @Override
        public void detached(XenDomain domU, int virtualDeviceId) {
            // nothing was set up
        }
    };
}
