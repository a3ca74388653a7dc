package org.trapdoor.shell.lspci;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.HostBridge;

class LspciCommandTest {
    private static final long BASE = 0x40_1000_0000L;

    /** Just enough machine: a platform with one ECAM host bridge and a system address space. */
    private static final class FakeMachine implements Machine {
        final DeviceTree tree;
        final AddressSpace system;
        HostBridge model;

        FakeMachine(AddressSpace system) {
            this.system = system;
            DtNode root = new DtNode("", null);
            root.put(DtProperty.ofCells("#address-cells", 2));
            root.put(DtProperty.ofCells("#size-cells", 2));
            DtNode pcie = new DtNode("pcie@10000000", root);
            pcie.put(DtProperty.ofStrings("compatible", "pci-host-ecam-generic"));
            pcie.put(DtProperty.ofCells("#address-cells", 3));
            pcie.put(DtProperty.ofCells("#size-cells", 2));
            pcie.put(DtProperty.ofCells("reg", 0x40, 0x10000000, 0, 0x01000000));
            tree = new DeviceTree(root, "fake", List.of());
        }

        @Override
        public DeviceTree platform() {
            return tree;
        }

        @Override
        public List<NodeInfo> nodes() {
            return List.of();
        }

        @Override
        public NodeInfo node(String pathOrLabel) {
            return null;
        }

        @Override
        public List<DriverInfo> drivers() {
            return List.of();
        }

        @Override
        public void bind(String node, String driver) {
            throw new IllegalArgumentException("fake machine");
        }

        @Override
        public void unbind(String node) {
            throw new IllegalArgumentException("fake machine");
        }

        @Override
        public void autoBind(String node) {
            throw new IllegalArgumentException("fake machine");
        }

        @Override
        public AddressSpace system() {
            return system;
        }

        @Override
        public PhysicalMemory memory() {
            return null;
        }

        @Override
        public long unmappedAccesses() {
            return 0;
        }

        @Override
        public List<PciDeviceInfo> pciDevices() {
            return List.of();
        }

        @Override
        public List<String> hostBridges() {
            return List.of("/pcie@10000000");
        }

        @Override
        public HostBridge hostBridge(String path) {
            return path.equals("/pcie@10000000") ? model : null;
        }
    }

    private static GuestKernel kernelWithBar0(long size) {
        GuestPciDevice d = new GuestPciDevice("/pcie@10000000", 0, 0, 0x08, 0x1234, 0x11e9, 0x00ff00, 1, 0, 6,
                List.of(new GuestBar(0, GuestBar.Type.MEM32, false, size, 0x1000_0000L, 0x1000_0000L)), List.of());
        return new GuestKernel() {
            @Override
            public String name() {
                return "fake";
            }

            @Override
            public List<GuestPciHost> pciHosts() {
                return List.of();
            }

            @Override
            public List<GuestPciDevice> pciDevices() {
                return List.of(d);
            }

            @Override
            public List<String> bootLog() {
                return List.of();
            }
        };
    }

    private static LspciCommand command(FakeEcamBus bus) {
        bus.put(0, 0x00, Images.header(0x1b36, 0x0008, 0x060000, 0, 0).at(0, 0, 0));
        bus.put(0, 0x08, Images.testdev().at(0, 0, 8));
        return new LspciCommand(new FakeMachine(bus));
    }

    @Test
    void listsWhatTheEcamWindowOfTheMachineHolds() {
        FakeEcamBus bus = new FakeEcamBus(BASE);
        LspciResult r = command(bus).lspci();
        assertEquals("00:00.0 Host bridge: Red Hat, Inc. QEMU PCIe Host bridge\n"
                + "00:01.0 Unclassified device [00ff]: Technical Corp. Trapdoor test device (rev 01)\n", r.toString());
        assertEquals(2, r.functions().size());
        assertEquals(1, bus.txs.size(), "one transaction reused for the whole listing");
    }

    @Test
    void slotFilterSelectsFunctions() {
        LspciResult r = command(new FakeEcamBus(BASE)).lspci("-n", "-s", "01.0");
        assertEquals("00:01.0 00ff: 1234:11e9 (rev 01)\n", r.toString());
    }

    @Test
    void deviceIdFilterSelectsByVendorDeviceAndClassAndCombinesWithSlot() {
        LspciCommand c = command(new FakeEcamBus(BASE));
        assertEquals("00:00.0 0600: 1b36:0008\n", c.lspci("-n", "-d", "1b36:0008").toString());
        assertEquals("00:01.0 00ff: 1234:11e9 (rev 01)\n", c.lspci("-nd", "1234:").toString());
        assertEquals("00:01.0 00ff: 1234:11e9 (rev 01)\n", c.lspci("-n", "-d", "*:*:00ff").toString());
        assertEquals(2, c.lspci("-d", ":").functions().size());
        assertEquals(0, c.lspci("-d", "1b36:0005").functions().size(), "no function has that device ID");
        assertEquals(0, c.lspci("-d", "1b36:", "-s", "01.0").functions().size(), "-s and -d must both match");
        assertEquals(1, c.lspci("-vv", "-d", "1b36:", "-s", "00.0").functions().size());
        assertTrue(c.lspci("-v", "-d", "1234:11e9").toString().contains("\tMemory at 10000000"));
    }

    @Test
    void aBadDeviceIdSpecIsOneClearLine() {
        LspciCommand c = command(new FakeEcamBus(BASE));
        LspciException e = assertThrows(LspciException.class, () -> c.lspci("-d", "1b36"));
        assertEquals("lspci: -d 1b36: ':' expected (want [VENDOR]:[DEVICE][:CLASS[:PROGIF]])", e.toString());
        e = assertThrows(LspciException.class, () -> c.lspci("-d", "zz:0005"));
        assertFalse(e.toString().contains("\n"));
        assertTrue(e.toString().contains("invalid vendor ID 'zz'"), e.toString());
    }

    @Test
    void barSizesComeFromTheBootedKernelAndFollowItsReplacement() {
        LspciCommand c = command(new FakeEcamBus(BASE));
        assertTrue(c.lspci("-v", "-s", "01.0").toString()
                .contains("\tMemory at 10000000 (32-bit, non-prefetchable)\n"), "no kernel, no size");
        GuestKernel first = kernelWithBar0(0x1000);
        GuestKernel second = kernelWithBar0(0x2000);
        c.setKernel(first);
        assertTrue(c.lspci("-v", "-s", "01.0").toString().contains("[size=4K]"));
        c.setKernel(second);
        c.unsetKernel(first);
        assertTrue(c.lspci("-v", "-s", "01.0").toString().contains("[size=8K]"),
                "the replacement, bound before the old one left, stays");
        c.unsetKernel(second);
        assertFalse(c.lspci("-v", "-s", "01.0").toString().contains("[size="));
    }

    @Test
    void badOptionsGiveAClearError() {
        LspciException e = assertThrows(LspciException.class, () -> command(new FakeEcamBus(BASE)).lspci("-s", "40"));
        assertTrue(e.toString().startsWith("lspci: -s 40: slot number"), e.toString());
    }

    /**
     * A bridge whose config space is reachable only through its model (as X-Gene's RTDID
     * indirection is): nothing answers at the ECAM address, buses 0x10 to 0x11 decoded.
     */
    private static final class IndirectBridge implements HostBridge {
        final FakeEcamBus images = new FakeEcamBus(0);
        int reads;

        @Override
        public org.trapdoor.api.memory.MmioHandler region(int index) {
            return null;
        }

        @Override
        public int busStart() {
            return 0x10;
        }

        @Override
        public int busEnd() {
            return 0x11;
        }

        @Override
        public int configRead(int bus, int devfn, int offset, int size) {
            reads++;
            org.trapdoor.api.memory.MemoryTransaction tx = new org.trapdoor.api.memory.MemoryTransaction();
            images.access(tx.read(org.trapdoor.api.pci.ecam.EcamLayout.ECAM.offset(bus - 0x10, devfn, offset), size));
            return (int) tx.data;
        }

        @Override
        public void configWrite(int bus, int devfn, int offset, int size, int value) {
        }

        @Override
        public void outbound(org.trapdoor.api.memory.MemoryTransaction tx) {
        }
    }

    @Test
    void aBoundBridgeIsReadThroughItsModelsOwnConfigAccessNotItsEcamWindow() {
        FakeEcamBus nothing = new FakeEcamBus(BASE);
        FakeMachine m = new FakeMachine(nothing);
        IndirectBridge bridge = new IndirectBridge();
        bridge.images.put(0, 0x00, Images.header(0x10e8, 0xe004, 0x060400, 0, 1).put(0x18, 4, 0x00111110).at(0, 0x10, 0));
        bridge.images.put(1, 0x00, Images.testdev().at(0, 0x11, 0));
        m.model = bridge;
        LspciResult r = new LspciCommand(m).lspci("-n");
        assertEquals("10:00.0 0604: 10e8:e004\n11:00.0 00ff: 1234:11e9 (rev 01)\n", r.toString(),
                "the root port on the first bus and the endpoint behind it, from the model's bus range");
        assertEquals(0, nothing.accesses, "no CPU load at the ECAM address");
        assertTrue(bridge.reads > 0);
        m.model = null;
        assertEquals("", new LspciCommand(m).lspci().toString(), "unbound: the ECAM window answers nothing here");
    }
}
