package org.trapdoor.xen.passthrough;

import java.util.List;

import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.pci.PciHostBridges;
import org.trapdoor.xen.pci.Sbdf;
import org.trapdoor.xen.pci.XenHostBridge;
import org.trapdoor.xen.iommu.XenSmmuv3;
import org.trapdoor.xen.vpci.GuestVpci;
import org.trapdoor.xen.vpci.VpciDevice;

/**
 * Xen's {@code struct pci_dev}: one function Dom0 reported, where it sits, which IOMMU translates
 * its DMA with which StreamIDs, who owns it and how that owner sees it. Guarded by the
 * {@link PciSubsystem}'s monitor (Xen's {@code pcidevs_lock}).
 */
final class Pdev {
    final Sbdf sbdf;
    final XenHostBridge bridge;
    /** The SMMU Xen drives for it, or null when its DMA goes untranslated (no {@code iommu-map}). */
    final XenSmmuv3 iommu;
    final String iommuNode;
    final List<Integer> streamIds;
    /** The owning domain, or null for {@code dom_io} (quarantine). */
    XenDomain owner;
    /** In pciback's list ({@code xl pci-assignable-add}). */
    boolean assignable;
    /** How its owner sees it through vPCI, or null (Dom0 under {@code hwdom-config = direct}). */
    VpciDevice vpci;
    /** The DomU's virtual host bridge holding it, and its slot there. */
    GuestVpci guestBridge;
    int vslot = -1;

    Pdev(Sbdf sbdf, XenHostBridge bridge, XenSmmuv3 iommu, String iommuNode, List<Integer> streamIds) {
        this.sbdf = sbdf;
        this.bridge = bridge;
        this.iommu = iommu;
        this.iommuNode = iommuNode;
        this.streamIds = List.copyOf(streamIds);
    }

    String ownerName() {
        return owner == null ? "dom_io" : owner.name();
    }

    String virtualBdf() {
        return vslot < 0 ? null : String.format("0000:00:%02x.0", vslot);
    }
}
