package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.DeviceModel;
import org.trapdoor.api.platform.ModelRef;

class Gicv3DriverTest {
    /** QEMU virt's shape: GICD at 0x8000000, redistributors at 0x80a0000. */
    static DtNode tree(int cpus, long redistSize) {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        DtNode cpuNode = new DtNode("cpus", root);
        cpuNode.put(DtProperty.ofCells("#address-cells", 1));
        cpuNode.put(DtProperty.ofCells("#size-cells", 0));
        for (int i = 0; i < cpus; i++) {
            DtNode c = new DtNode("cpu@" + i, cpuNode);
            c.put(DtProperty.ofStrings("device_type", "cpu"));
            c.put(DtProperty.ofCells("reg", i == 0 ? 0 : 0x100 + i)); // Aff1 = 1 for the others
        }
        new DtNode("cpu-map", cpuNode);
        DtNode intc = new DtNode("intc@8000000", root);
        intc.put(DtProperty.ofStrings("compatible", "arm,gic-v3"));
        intc.put(DtProperty.ofCells("reg", 0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, redistSize));
        intc.put(DtProperty.ofCells("#redistributor-regions", 1));
        return intc;
    }

    static BindContext context(DtNode node) {
        return new BindContext() {
            @Override
            public DtNode node() {
                return node;
            }

            @Override
            public AddressSpace system() {
                return null;
            }

            @Override
            public PhysicalMemory memory() {
                return new TestRam(0x4000_0000L, 0x1000);
            }

            @Override
            public <T extends DeviceModel> ModelRef<T> ref(DtNode target, Class<T> kind) {
                throw new UnsupportedOperationException();
            }

            @Override
            public PciHierarchy pci() {
                return null;
            }
        };
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
