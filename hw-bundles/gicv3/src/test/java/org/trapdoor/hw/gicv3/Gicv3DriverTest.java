package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.List;

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

    static Gicv3Driver.Config spis(int n) {
        return new Gicv3Driver.Config() {
            @Override
            public int spis() {
                return n;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return Gicv3Driver.Config.class;
            }
        };
    }

    @Test
    void isTheGicv3DriverForArmGicV3Nodes() {
        Gicv3Driver d = new Gicv3Driver();
        assertEquals("gicv3", d.name());
        assertEquals(List.of("arm,gic-v3"), d.compatibles());
    }

    @Test
    void aRedistributorRegionOfExactlyOneFramePerCpuIsEnough() throws BindException {
        assertEquals(2, ((Gicv3) new Gicv3Driver().create(context(tree(2, 0x40000)))).cpuCount());
        assertThrows(BindException.class, () -> new Gicv3Driver().create(context(tree(2, 0x3ffff))));
    }

    @Test
    void theConfiguredSpiCountMayBeAnyMultipleOf32From32To960() throws BindException {
        Gicv3Driver d = new Gicv3Driver();
        for (int n : new int[] {32, 960}) {
            d.configure(spis(n));
            Gicv3 gic = (Gicv3) d.create(context(tree(1, 0x20000)));
            assertEquals((n + 32 + 31) / 32 - 1, gic.distributor().read(0x4, 4) & 0x1f, "ITLinesNumber for " + n + " SPIs");
        }
        for (int n : new int[] {0, 992, 48}) {
            d.configure(spis(n));
            assertThrows(BindException.class, () -> d.create(context(tree(1, 0x20000))), n + " SPIs");
        }
    }

    @Test
    void aCpuRegOfTwoCellsGivesAff3FromItsUpperWord() throws BindException {
        DtNode root = DeviceTrees.root();
        DtNode cpus = new DtNode("cpus", root);
        cpus.put(DtProperty.ofCells("#address-cells", 2));
        cpus.put(DtProperty.ofCells("#size-cells", 0));
        long[][] regs = {{0x0, 0x0}, {0x2, 0x10203}};
        for (int i = 0; i < regs.length; i++) {
            DtNode c = new DtNode("cpu@" + i, cpus);
            c.put(DtProperty.ofStrings("device_type", "cpu"));
            c.put(DtProperty.ofCells("reg", regs[i][0], regs[i][1]));
        }
        DtNode intc = new DtNode("intc@8000000", root);
        intc.put(DtProperty.ofStrings("compatible", "arm,gic-v3"));
        intc.put(DtProperty.ofCells("reg", 0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, 0x40000));
        Gicv3 gic = (Gicv3) new Gicv3Driver().create(context(intc));
        assertEquals(0x0201_0203L, gic.redistributor(1).read(0x8, 8) >>> 32, "Aff3.Aff2.Aff1.Aff0 in GICR_TYPER");
    }
}
