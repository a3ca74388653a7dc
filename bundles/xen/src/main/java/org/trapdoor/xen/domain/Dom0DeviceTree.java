package org.trapdoor.xen.domain;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * The device tree Xen gives Dom0 ({@code prepare_dtb_hwdom} / {@code handle_node} in
 * {@code arch/arm/domain_build.c}): the host tree, copied and rewritten.
 * <ul>
 * <li>memory nodes replaced by one node with Dom0's banks ({@code make_memory_node});</li>
 * <li>only Dom0's vCPUs under {@code /cpus} ({@code make_cpus_node});</li>
 * <li>nodes Xen uses itself (the IOMMUs it drives, the UART of its console) left out
 * ({@code dt_device_used_by == DOMID_XEN});</li>
 * <li>{@code /chosen} without {@code stdout-path} and the other properties {@code handle_properties}
 * removes there (Dom0's console is Xen's, through the hypervisor);</li>
 * <li>when Xen drives the IOMMU, {@code iommus}, {@code iommu-map} and {@code iommu-map-mask} removed
 * from every master ({@code iommu_dt_domain_init}'s filtering), {@code msi-map}/{@code msi-parent}
 * kept;</li>
 * <li>{@code linux,pci-domain} written into every host bridge that lacks it, with Xen's segment
 * ({@code handle_linux_pci_domain});</li>
 * <li>a {@code /hypervisor} node ({@code make_hypervisor_node}): {@code compatible = "xen,xen-4.23",
 * "xen,xen"}, the grant-table region and the event-channel PPI.</li>
 * </ul>
 */
public final class Dom0DeviceTree {
    private Dom0DeviceTree() {
    }

    /**
     * @param host       the platform's tree (not modified)
     * @param ram        Dom0's RAM banks as {address, size}
     * @param vcpus      Dom0's vCPU count
     * @param xenIommu   whether Xen drives the IOMMU (strips the IOMMU bindings)
     * @param xenVersion e.g. {@code "4.23"}
     */
    public static DeviceTree build(DeviceTree host, List<long[]> ram, int vcpus, boolean xenIommu, String xenVersion) {
        List<DtNode> bridges = HostTree.hostBridges(host);
        int[] segments = HostTree.segments(bridges);
        List<String> bridgePaths = new ArrayList<>();
        for (DtNode b : bridges) {
            bridgePaths.add(b.path());
        }
        DtNode uart = HostTree.consoleUart(host);
        DtNode root = copy(host.root(), null, xenIommu, uart);
        DeviceTree t = new DeviceTree(root, host.source() + " (as Xen gives it to Dom0)", host.memoryReservations());
        for (DtNode m : new ArrayList<>(t.memoryNodes())) {
            m.parent().removeChild(m);
        }
        memoryNode(root, ram);
        DtNode cpus = root.child("cpus");
        if (cpus != null) {
            int kept = 0;
            for (DtNode c : new ArrayList<>(cpus.children())) {
                DtProperty type = c.property("device_type");
                if (type != null && "cpu".equals(type.string())) {
                    if (kept++ >= vcpus) {
                        cpus.removeChild(c);
                    }
                }
            }
        }
        for (int i = 0; i < bridgePaths.size(); i++) {
            DtNode b = t.node(bridgePaths.get(i));
            if (b != null && !b.has("linux,pci-domain")) {
                b.put(DtProperty.ofCells("linux,pci-domain", segments[i]));
            }
        }
        hypervisorNode(root, xenVersion);
        return new DeviceTree(root, t.source(), host.memoryReservations());
    }

    /** {@code /hypervisor} as {@code make_hypervisor_node} writes it. */
    static void hypervisorNode(DtNode root, String xenVersion) {
        DtNode h = new DtNode("hypervisor", root);
        h.put(DtProperty.ofStrings("compatible", "xen,xen-" + xenVersion, "xen,xen"));
        int ac = root.addressCells();
        int sc = root.sizeCells();
        h.put(DtProperty.ofCells("reg", cells(ac, GuestLayout.GNTTAB_BASE, sc, GuestLayout.GNTTAB_SIZE)));
        // GIC PPI, level triggered active low: <1 (EVTCHN_PPI - 16) 0xf08>.
        h.put(DtProperty.ofCells("interrupts", 1, GuestLayout.EVTCHN_PPI - 16, 0xf08));
    }

    /** One {@code memory@...} node with every bank. */
    static void memoryNode(DtNode root, List<long[]> banks) {
        int ac = root.addressCells();
        int sc = root.sizeCells();
        DtNode m = new DtNode(String.format("memory@%x", banks.get(0)[0]), root);
        m.put(DtProperty.ofStrings("device_type", "memory"));
        long[] reg = new long[banks.size() * (ac + sc)];
        int o = 0;
        for (long[] b : banks) {
            long[] c = cells(ac, b[0], sc, b[1]);
            System.arraycopy(c, 0, reg, o, c.length);
            o += c.length;
        }
        m.put(DtProperty.ofCells("reg", reg));
    }

    static long[] cells(int ac, long address, int sc, long size) {
        long[] c = new long[ac + sc];
        for (int i = 0; i < ac; i++) {
            c[ac - 1 - i] = i < 2 ? (address >>> (32 * i)) & 0xffff_ffffL : 0;
        }
        for (int i = 0; i < sc; i++) {
            c[ac + sc - 1 - i] = i < 2 ? (size >>> (32 * i)) & 0xffff_ffffL : 0;
        }
        return c;
    }

    /** Properties {@code handle_properties} leaves out of {@code /chosen}. */
    private static final java.util.Set<String> CHOSEN_REMOVED = java.util.Set.of("xen,static-heap",
            "xen,xen-bootargs", "linux,initrd-start", "linux,initrd-end", "stdout-path", "linux,uefi-system-table",
            "linux,uefi-mmap-start", "linux,uefi-mmap-size", "linux,uefi-mmap-desc-size", "linux,uefi-mmap-desc-ver");

    private static DtNode copy(DtNode n, DtNode parent, boolean xenIommu, DtNode xenUart) {
        DtNode c = new DtNode(n.name(), parent);
        for (String l : n.labels()) {
            c.addLabel(l);
        }
        boolean chosen = parent != null && parent.parent() == null && n.name().equals("chosen");
        for (DtProperty p : n.properties()) {
            if (xenIommu && (p.name().equals("iommus") || p.name().equals("iommu-map")
                    || p.name().equals("iommu-map-mask"))) {
                continue;
            }
            if (chosen && CHOSEN_REMOVED.contains(p.name())) {
                continue;
            }
            c.put(p);
        }
        for (DtNode child : n.children()) {
            if (xenIommu && HostTree.isXenIommu(child) || child == xenUart) {
                continue; // "Skip it (used by Xen)"
            }
            copy(child, c, xenIommu, xenUart);
        }
        return c;
    }
}
