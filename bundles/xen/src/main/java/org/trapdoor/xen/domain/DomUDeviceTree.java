package org.trapdoor.xen.domain;

import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * A DomU's device tree as libxl builds it ({@code libxl__prepare_dtb} in
 * {@code tools/libs/light/libxl_arm.c}), with the placeholders already finalised: root properties
 * ({@code model = "XENVM-4.23"}, {@code compatible = "xen,xenvm-4.23", "xen,xenvm"}, the GIC as
 * interrupt parent), {@code chosen}, {@code cpus} (MPIDR-numbered {@code arm,armv8}), {@code psci},
 * one memory node per non-empty bank, the vGICv3 node at {@code GUEST_GICV3_GICD_BASE} and
 * {@code GUEST_GICV3_GICR0_BASE} with phandle {@code GUEST_PHANDLE_GIC}, the timer's three PPIs and
 * the {@code hypervisor} node. The vPCI node ({@code make_vpci_node}) is added by the PCI
 * subsystem when the domain has PCI devices.
 */
public final class DomUDeviceTree {
    /** {@code GUEST_PHANDLE_GIC}. */
    public static final int PHANDLE_GIC = 65000;
    /**
     * The DomU's MSI controller (a virtual ITS or a GICv2m-style frame): after
     * {@code GUEST_PHANDLE_IOMMU} (65001), as the DomU vITS series numbers it.
     */
    public static final int PHANDLE_MSI = 65002;
    /** {@code DT_IRQ_TYPE_LEVEL_LOW}, with every CPU in the PPI mask (0xf). */
    private static final int PPI_ALL_LEVEL_LOW = 0xf08;

    private DomUDeviceTree() {
    }

    /**
     * @param banks RAM banks as {IPA, size} (bank 0 at {@code GUEST_RAM0_BASE}, bank 1 if any at
     *              {@code GUEST_RAM1_BASE})
     */
    public static DeviceTree build(String name, List<long[]> banks, int vcpus, int xenMajor, int xenMinor,
            String bootargs) {
        return build(name, banks, vcpus, xenMajor, xenMinor, bootargs, false);
    }

    /**
     * @param gicv2 the host's GIC is a GICv2: the domain gets libxl's {@code make_gicv2_node}
     *              (distributor at {@code GUEST_GICD_BASE}, CPU interface at {@code GUEST_GICC_BASE})
     *              instead of the vGICv3 node
     */
    public static DeviceTree build(String name, List<long[]> banks, int vcpus, int xenMajor, int xenMinor,
            String bootargs, boolean gicv2) {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofStrings("model", "XENVM-" + xenMajor + "." + xenMinor));
        root.put(DtProperty.ofStrings("compatible", "xen,xenvm-" + xenMajor + "." + xenMinor, "xen,xenvm"));
        root.put(DtProperty.ofCells("interrupt-parent", PHANDLE_GIC));
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));

        DtNode chosen = new DtNode("chosen", root);
        if (bootargs != null && !bootargs.isEmpty()) {
            chosen.put(DtProperty.ofStrings("bootargs", bootargs));
        }

        DtNode cpus = new DtNode("cpus", root);
        cpus.put(DtProperty.ofCells("#address-cells", 1));
        cpus.put(DtProperty.ofCells("#size-cells", 0));
        for (int i = 0; i < vcpus; i++) {
            long mpidr = mpidr(i);
            DtNode cpu = new DtNode(String.format("cpu@%x", mpidr), cpus);
            cpu.put(DtProperty.ofStrings("device_type", "cpu"));
            cpu.put(DtProperty.ofStrings("compatible", "arm,armv8"));
            cpu.put(DtProperty.ofStrings("enable-method", "psci"));
            cpu.put(DtProperty.ofCells("reg", mpidr));
        }

        DtNode psci = new DtNode("psci", root);
        psci.put(DtProperty.ofStrings("compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci"));
        psci.put(DtProperty.ofStrings("method", "hvc"));
        psci.put(DtProperty.ofCells("cpu_off", 1));
        psci.put(DtProperty.ofCells("cpu_on", 2));

        // make_memory_nodes writes a placeholder per bank; finalise fills the used ones and nops the rest.
        for (long[] b : banks) {
            if (b[1] == 0) {
                continue;
            }
            DtNode m = new DtNode(String.format("memory@%x", b[0]), root);
            m.put(DtProperty.ofStrings("device_type", "memory"));
            m.put(DtProperty.ofCells("reg", Dom0DeviceTree.cells(2, b[0], 2, b[1])));
        }

        DtNode gic = new DtNode(String.format("interrupt-controller@%x",
                gicv2 ? GuestLayout.GICV2_GICD_BASE : GuestLayout.GICV3_GICD_BASE), root);
        gic.put(DtProperty.ofStrings("compatible", gicv2 ? "arm,cortex-a15-gic" : "arm,gic-v3"));
        gic.put(DtProperty.ofCells("#interrupt-cells", 3));
        gic.put(DtProperty.ofCells("#address-cells", 0));
        gic.put(DtProperty.empty("interrupt-controller"));
        long[] d = gicv2 ? Dom0DeviceTree.cells(2, GuestLayout.GICV2_GICD_BASE, 2, GuestLayout.GICV2_GICD_SIZE)
                : Dom0DeviceTree.cells(2, GuestLayout.GICV3_GICD_BASE, 2, GuestLayout.GICV3_GICD_SIZE);
        long[] r = gicv2 ? Dom0DeviceTree.cells(2, GuestLayout.GICV2_GICC_BASE, 2, GuestLayout.GICV2_GICC_SIZE)
                : Dom0DeviceTree.cells(2, GuestLayout.GICV3_GICR0_BASE, 2, GuestLayout.GICV3_GICR0_SIZE);
        gic.put(DtProperty.ofCells("reg", d[0], d[1], d[2], d[3], r[0], r[1], r[2], r[3]));
        gic.put(DtProperty.ofCells("linux,phandle", PHANDLE_GIC));
        gic.put(DtProperty.ofCells("phandle", PHANDLE_GIC));

        DtNode timer = new DtNode("timer", root);
        timer.put(DtProperty.ofStrings("compatible", "arm,armv8-timer"));
        timer.put(DtProperty.ofCells("interrupts",
                1, GuestLayout.TIMER_PHYS_S_PPI - 16, PPI_ALL_LEVEL_LOW,
                1, GuestLayout.TIMER_PHYS_NS_PPI - 16, PPI_ALL_LEVEL_LOW,
                1, GuestLayout.TIMER_VIRT_PPI - 16, PPI_ALL_LEVEL_LOW));

        DtNode hyp = new DtNode("hypervisor", root);
        hyp.put(DtProperty.ofStrings("compatible", "xen,xen-" + xenMajor + "." + xenMinor, "xen,xen"));
        hyp.put(DtProperty.ofCells("reg", Dom0DeviceTree.cells(2, GuestLayout.GNTTAB_BASE, 2, GuestLayout.GNTTAB_SIZE)));
        hyp.put(DtProperty.ofCells("interrupts", 1, GuestLayout.EVTCHN_PPI - 16, PPI_ALL_LEVEL_LOW));

        return new DeviceTree(root, "libxl-built tree of " + name, List.of());
    }

    /**
     * Adds a virtual ITS as a child of the vGIC node, as Xen writes Dom0's
     * ({@code gicv3_its_make_hwdom_dt_nodes}) and QEMU's virt machine does: the GIC node gets
     * {@code #address-cells}/{@code #size-cells} = 2 and an empty {@code ranges} so the child's
     * {@code reg} is in the root's address space; the ITS has {@code msi-controller} and
     * {@code #msi-cells = <1>} (one cell: the DeviceID, for the vPCI node's {@code msi-map}).
     *
     * @return the ITS node (phandle {@link #PHANDLE_MSI})
     * @throws IllegalStateException when the tree has an MSI controller already
     */
    public static DtNode addIts(DeviceTree tree, long base, long size) {
        requireNoMsiController(tree);
        DtNode gic = gicWithRanges(tree);
        DtNode its = new DtNode(String.format("its@%x", base), gic);
        its.put(DtProperty.ofStrings("compatible", "arm,gic-v3-its"));
        its.put(DtProperty.empty("msi-controller"));
        its.put(DtProperty.ofCells("#msi-cells", 1));
        its.put(DtProperty.ofCells("reg", Dom0DeviceTree.cells(2, base, 2, size)));
        its.put(DtProperty.ofCells("phandle", PHANDLE_MSI));
        return its;
    }

    /**
     * Adds a GICv2m-style MSI frame as a child of the vGIC node, where the binding puts frames
     * ({@code arm,gic-v2m-frame} with {@code msi-controller}, the SPI range also in
     * {@code arm,msi-base-spi}/{@code arm,msi-num-spis} as {@code gicv2m_init_one} reads them).
     * Linux probes v2m frames from its GICv2 driver only (with a GICv3 it would use MBI,
     * {@code mbi-ranges}); the guest here probes every MSI-controller node it has a driver for.
     *
     * @return the frame node (phandle {@link #PHANDLE_MSI})
     * @throws IllegalStateException when the tree has an MSI controller already
     */
    public static DtNode addV2mFrame(DeviceTree tree, long base, long size, int firstSpi, int spis) {
        requireNoMsiController(tree);
        DtNode f = new DtNode(String.format("v2m@%x", base), gicWithRanges(tree));
        f.put(DtProperty.ofStrings("compatible", "arm,gic-v2m-frame"));
        f.put(DtProperty.empty("msi-controller"));
        f.put(DtProperty.ofCells("reg", Dom0DeviceTree.cells(2, base, 2, size)));
        f.put(DtProperty.ofCells("arm,msi-base-spi", firstSpi));
        f.put(DtProperty.ofCells("arm,msi-num-spis", spis));
        f.put(DtProperty.ofCells("phandle", PHANDLE_MSI));
        return f;
    }

    /** The tree's MSI controller ({@link #addIts} or {@link #addV2mFrame}), or null. */
    public static DtNode msiController(DeviceTree tree) {
        for (DtNode n : tree.nodes()) {
            if (n.has("msi-controller") && n.phandle() == PHANDLE_MSI) {
                return n;
            }
        }
        return null;
    }

    private static void requireNoMsiController(DeviceTree tree) {
        DtNode m = msiController(tree);
        if (m != null) {
            throw new IllegalStateException("the tree has an MSI controller already: " + m.path());
        }
    }

    /** The vGIC node, made a bus for its MSI-controller child (2 address and size cells, identity ranges). */
    private static DtNode gicWithRanges(DeviceTree tree) {
        DtNode gic = gic(tree);
        gic.put(DtProperty.ofCells("#address-cells", 2));
        gic.put(DtProperty.ofCells("#size-cells", 2));
        gic.put(DtProperty.empty("ranges"));
        return gic;
    }

    private static DtNode gic(DeviceTree tree) {
        for (DtNode n : tree.root().children()) {
            if (n.phandle() == PHANDLE_GIC) {
                return n;
            }
        }
        throw new IllegalStateException("the tree has no vGIC node");
    }

    /** {@code libxl__compute_mpdir}: 16 vCPUs per Aff0 (the GICv3 target list), then Aff1. */
    static long mpidr(int vcpu) {
        return (vcpu & 0x0f) | (((long) (vcpu >> 4) & 0xff) << 8);
    }
}
