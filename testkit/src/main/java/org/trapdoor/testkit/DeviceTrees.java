package org.trapdoor.testkit;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/** The common top of a device tree shaped like QEMU's virt machine, for driver tests. */
public final class DeviceTrees {
    private DeviceTrees() {
    }

    /** A root node with two address and two size cells, as on a 64-bit Arm machine. */
    public static DtNode root() {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        return root;
    }

    /**
     * A {@code /cpus} node under {@code root} with one {@code cpu@i} per entry of {@code mpidrs}
     * (its {@code reg}: the MPIDR affinity fields, one cell, no size); returns the cpus node.
     */
    public static DtNode cpusWithAffinity(DtNode root, long... mpidrs) {
        DtNode cpus = new DtNode("cpus", root);
        cpus.put(DtProperty.ofCells("#address-cells", 1));
        cpus.put(DtProperty.ofCells("#size-cells", 0));
        for (int i = 0; i < mpidrs.length; i++) {
            DtNode c = new DtNode("cpu@" + i, cpus);
            c.put(DtProperty.ofStrings("device_type", "cpu"));
            c.put(DtProperty.ofCells("reg", mpidrs[i]));
        }
        return cpus;
    }

    /** A {@code /cpus} node with {@code count} CPUs numbered 0 to count-1 (Aff0 only). */
    public static DtNode cpus(DtNode root, int count) {
        long[] mpidrs = new long[count];
        for (int i = 0; i < count; i++) {
            mpidrs[i] = i;
        }
        return cpusWithAffinity(root, mpidrs);
    }

    /**
     * A tree shaped like QEMU's virt machine with a GICv2: {@code /cpus} with {@code cpus} CPUs,
     * {@code /intc@8000000} ({@code arm,cortex-a15-gic}: GICD at 0x8000000, GICC at 0x8010000)
     * and its GICv2m frame child {@code v2m@8020000}.
     */
    public static DtNode qemuVirtGicv2(int cpus) {
        DtNode root = root();
        cpus(root, cpus);
        DtNode intc = new DtNode("intc@8000000", root);
        intc.put(DtProperty.ofStrings("compatible", "arm,cortex-a15-gic"));
        intc.put(DtProperty.ofCells("reg", 0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000));
        intc.put(DtProperty.ofCells("#address-cells", 2));
        intc.put(DtProperty.ofCells("#size-cells", 2));
        intc.put(DtProperty.empty("ranges"));
        DtNode v2m = new DtNode("v2m@8020000", intc);
        v2m.put(DtProperty.ofStrings("compatible", "arm,gic-v2m-frame"));
        v2m.put(DtProperty.ofCells("reg", 0, 0x8020000, 0, 0x1000));
        v2m.put(DtProperty.empty("msi-controller"));
        return root;
    }
}
