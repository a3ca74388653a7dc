package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.testkit.ArrayRam;
import org.trapdoor.testkit.DeviceTrees;
import org.trapdoor.testkit.FakeBindContext;

class Gicv3DriverTest {
    /** QEMU virt's shape: GICD at 0x8000000, redistributors at 0x80a0000. */
    static DtNode tree(int cpus, long redistSize) {
        DtNode root = DeviceTrees.root();
        long[] mpidrs = new long[cpus];
        for (int i = 1; i < cpus; i++) {
            mpidrs[i] = 0x100 + i; // Aff1 = 1 for the others
        }
        new DtNode("cpu-map", DeviceTrees.cpusWithAffinity(root, mpidrs));
        DtNode intc = new DtNode("intc@8000000", root);
        intc.put(DtProperty.ofStrings("compatible", "arm,gic-v3"));
        intc.put(DtProperty.ofCells("reg", 0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, redistSize));
        intc.put(DtProperty.ofCells("#redistributor-regions", 1));
        return intc;
    }

    static BindContext context(DtNode node) {
        return new FakeBindContext(node, null, new ArrayRam(0x4000_0000L, 0x1000))
                .refuseRefs("the GICv3 references no other model");
    }

    @Test
    void bindsOneRedistributorPerCpuWithItsAffinity() throws BindException {
        Gicv3 gic = (Gicv3) new Gicv3Driver().create(context(tree(2, 0xf60000)));
        assertEquals(2, gic.cpuCount());
        long typer1 = gic.redistributor(1).read(0x8, 8);
        assertEquals(0x101, typer1 >>> 32, "Aff1.Aff0 from the cpu node's reg");
        assertTrue((typer1 & 0x10) != 0, "last");
    }

    @Test
    void refusesARedistributorRegionTooSmallForTheCpus() {
        assertThrows(BindException.class, () -> new Gicv3Driver().create(context(tree(4, 0x60000))));
    }

    @Test
    void refusesANodeWithoutRedistributorRegion() {
        DtNode intc = tree(1, 0x20000);
        intc.put(DtProperty.ofCells("reg", 0, 0x8000000, 0, 0x10000));
        assertThrows(BindException.class, () -> new Gicv3Driver().create(context(intc)));
    }
}
