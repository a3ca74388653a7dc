package org.trapdoor.hw.pci.ecam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;

class EcamDriverTest {
    private static final PciHierarchy EMPTY = new PciHierarchy() {
        @Override
        public PciFunction function(int bus, int devfn) {
            return null;
        }

        @Override
        public int[] requesterIds() {
            return new int[0];
        }
    };

    private static BindContext context(DtNode node) {
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
                return null;
            }

            @Override
            public <T extends DeviceModel> ModelRef<T> ref(DtNode target, Class<T> kind) {
                return null;
            }

            @Override
            public PciHierarchy pci() {
                return EMPTY;
            }
        };
    }

    private static DtNode bridgeNode() {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        DtNode n = new DtNode("pcie@10000000", root);
        n.put(DtProperty.ofStrings("compatible", "pci-host-ecam-generic"));
        n.put(DtProperty.ofStrings("device_type", "pci"));
        n.put(DtProperty.ofCells("#address-cells", 3));
        n.put(DtProperty.ofCells("#size-cells", 2));
        return n;
    }

    @Test
    void handlesTheGenericEcamCompatibleUnderItsName() {
        EcamDriver d = new EcamDriver();
        assertEquals("pci-ecam", d.name());
        assertEquals(List.of("pci-host-ecam-generic"), d.compatibles());
    }

    @Test
    void createsABridgeFromRegBusRangeAndRanges() throws BindException {
        DtNode n = bridgeNode();
        n.put(DtProperty.ofCells("reg", 0x40, 0x1000_0000L, 0, 0x0100_0000L));
        n.put(DtProperty.ofCells("bus-range", 0, 0x0f));
        n.put(DtProperty.ofCells("ranges", 0x0200_0000L, 0, 0x1000_0000L, 0, 0x1000_0000L, 0, 0x2eff_0000L));
        HostBridge b = (HostBridge) new EcamDriver().create(context(n));
        assertEquals(0, b.busStart());
        assertEquals(15, b.busEnd());
        assertTrue(b.summary().contains("mem32 0x10000000+0x2eff0000"), b.summary());
    }

    @Test
    void aNodeWithoutRegOrWithBadBusRangeIsNotBound() {
        DtNode n = bridgeNode();
        BindException e = assertThrows(BindException.class, () -> new EcamDriver().create(context(n)));
        assertTrue(e.getMessage().contains("ECAM window"), e.getMessage());
        n.put(DtProperty.ofCells("reg", 0x40, 0x1000_0000L, 0, 0x0100_0000L));
        n.put(DtProperty.ofCells("bus-range", 5, 2));
        e = assertThrows(BindException.class, () -> new EcamDriver().create(context(n)));
        assertTrue(e.getMessage().contains("bus-range"), e.getMessage());
        n.put(DtProperty.ofCells("bus-range", 0, 255));
        n.put(DtProperty.ofCells("reg", 0x40, 0x1000_0000L, 0, 0x1000));
        e = assertThrows(BindException.class, () -> new EcamDriver().create(context(n)));
        assertTrue(e.getMessage().contains("smaller than one bus"), e.getMessage());
    }
}
