package org.trapdoor.hw.gicv2m;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.testkit.DeviceTrees;

/** Device trees shaped like QEMU's virt machine, for the GICv2 driver tests. */
final class QemuVirt {
    private QemuVirt() {
    }

    /** A QEMU-virt-like tree: /cpus with {@code cpus} CPUs, /intc (GICv2) with a v2m child. */
    static DtNode gicv2Tree(int cpus) {
        DtNode root = DeviceTrees.root();
        DeviceTrees.cpus(root, cpus);
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
