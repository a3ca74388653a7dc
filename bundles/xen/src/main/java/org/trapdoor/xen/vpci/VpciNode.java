package org.trapdoor.xen.vpci;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * The DomU device tree's virtual host bridge, as libxl's {@code make_vpci_node}
 * ({@code tools/libs/light/libxl_arm.c}) writes it when the domain is created with PCI devices:
 * a {@code pci-host-ecam-generic} at {@code GUEST_VPCI_ECAM_BASE} with the guest layout's two
 * memory windows, and nothing else (no {@code interrupt-map}, {@code msi-map}, {@code iommu-map},
 * {@code linux,pci-domain} or {@code dma-coherent}, as upstream). When the DomU has an MSI
 * controller (a {@code domu-msi} mechanism put one in its tree), the node also names it: an ITS
 * through {@code msi-map = <0 &its 0 0x10000>} (the guest's virtual requester ID is its virtual
 * DeviceID, which Xen maps to the host's), a GICv2m-style frame through {@code msi-parent}.
 */
public final class VpciNode {
    /** {@code GUEST_VPCI_MEM_ADDR} / {@code _SIZE}: 32-bit non-prefetchable window. */
    public static final long MEM_ADDR = 0x2300_0000L;
    public static final long MEM_SIZE = 0x1000_0000L;
    /** {@code GUEST_VPCI_PREFETCH_MEM_ADDR} / {@code _SIZE}: 64-bit prefetchable window. */
    public static final long PREFETCH_MEM_ADDR = 0x1_0000_0000L;
    public static final long PREFETCH_MEM_SIZE = 0x1_0000_0000L;
    /** {@code GUEST_VPCI_ADDR_TYPE_MEM} and {@code _PREFETCH_MEM}. */
    public static final long ADDR_TYPE_MEM = 0x0200_0000L;
    public static final long ADDR_TYPE_PREFETCH_MEM = 0x4300_0000L;

    private VpciNode() {
    }

    /** Virtual requester IDs the {@code msi-map} covers (bus 0..255, every devfn). */
    public static final long RID_SPACE = 0x1_0000L;

    /**
     * Adds {@code pcie@10000000} under {@code root} and names the DomU's MSI controller.
     *
     * @param msiController the DomU's ITS ({@code arm,gic-v3-its}: {@code msi-map}) or frame
     *                      ({@code msi-parent}), or null for none (upstream)
     */
    public static DtNode addTo(DtNode root, DtNode msiController) {
        DtNode n = addTo(root);
        if (msiController != null) {
            long ph = msiController.phandle();
            if (msiController.compatibles().contains("arm,gic-v3-its")) {
                n.put(DtProperty.ofCells("msi-map", 0, ph, 0, RID_SPACE));
            } else {
                n.put(DtProperty.ofCells("msi-parent", ph));
            }
        }
        return n;
    }

    /** Adds {@code pcie@10000000} under {@code root} (a root with 2 address and 2 size cells) and returns it. */
    public static DtNode addTo(DtNode root) {
        DtNode n = new DtNode("pcie@" + Long.toHexString(GuestVpci.ECAM_BASE), root);
        n.put(DtProperty.ofStrings("compatible", "pci-host-ecam-generic"));
        n.put(DtProperty.ofStrings("device_type", "pci"));
        n.put(DtProperty.ofCells("reg", GuestVpci.ECAM_BASE >>> 32, GuestVpci.ECAM_BASE & 0xffff_ffffL,
                GuestVpci.ECAM_SIZE >>> 32, GuestVpci.ECAM_SIZE & 0xffff_ffffL));
        n.put(DtProperty.ofCells("bus-range", 0, 255));
        n.put(DtProperty.ofCells("#address-cells", 3));
        n.put(DtProperty.ofCells("#size-cells", 2));
        n.put(DtProperty.ofStrings("status", "okay"));
        n.put(DtProperty.ofCells("ranges",
                ADDR_TYPE_MEM, MEM_ADDR >>> 32, MEM_ADDR & 0xffff_ffffL,
                MEM_ADDR >>> 32, MEM_ADDR & 0xffff_ffffL, MEM_SIZE >>> 32, MEM_SIZE & 0xffff_ffffL,
                ADDR_TYPE_PREFETCH_MEM, PREFETCH_MEM_ADDR >>> 32, PREFETCH_MEM_ADDR & 0xffff_ffffL,
                PREFETCH_MEM_ADDR >>> 32, PREFETCH_MEM_ADDR & 0xffff_ffffL,
                PREFETCH_MEM_SIZE >>> 32, PREFETCH_MEM_SIZE & 0xffff_ffffL));
        return n;
    }
}
