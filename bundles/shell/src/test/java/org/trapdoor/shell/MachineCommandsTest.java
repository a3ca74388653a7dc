package org.trapdoor.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeLoader;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.HostBridge;

class MachineCommandsTest {
    /** One register at 0x1000 that reads 0xabcd and records writes; everything else decodes nowhere. */
    static final class FakeMachine implements Machine {
        final List<String> calls = new ArrayList<>();
        long written = -1;
        NodeState pcieState = NodeState.BOUND;
        final DeviceTree tree = new DeviceTree(new DtNode("", null), "preset:test", List.of());

        @Override
        public DeviceTree platform() {
            return tree;
        }

        @Override
        public List<NodeInfo> nodes() {
            return List.of(info("/pcie@10000000"));
        }

        private NodeInfo info(String path) {
            return new NodeInfo(path, List.of("pci-host-ecam-generic"), List.of(), pcieState,
                    pcieState == NodeState.BOUND ? "pci-ecam" : null, "", 0, null);
        }

        @Override
        public NodeInfo node(String pathOrLabel) {
            return pathOrLabel.equals("/pcie@10000000") || pathOrLabel.equals("pcie") ? info("/pcie@10000000") : null;
        }

        @Override
        public List<DriverInfo> drivers() {
            return List.of(new DriverInfo("pci-ecam", List.of("pci-host-ecam-generic"), 0, "test", List.of()));
        }

        @Override
        public void bind(String node, String driver) {
            if (!driver.equals("pci-ecam")) {
                throw new IllegalArgumentException("no driver '" + driver + "'");
            }
            calls.add("bind " + node + " " + driver);
            pcieState = NodeState.BOUND;
        }

        @Override
        public void unbind(String node) {
            calls.add("unbind " + node);
            pcieState = NodeState.UNBOUND;
        }

        @Override
        public void autoBind(String node) {
            calls.add("auto " + node);
            pcieState = NodeState.BOUND;
        }

        @Override
        public AddressSpace system() {
            return tx -> {
                if (tx.address != 0x1000) {
                    tx.fail(MemResult.DECODE_ERROR);
                } else if (tx.write) {
                    written = tx.data;
                } else {
                    tx.data = 0xabcd;
                }
            };
        }

        @Override
        public PhysicalMemory memory() {
            throw new UnsupportedOperationException();
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
            return null;
        }
    }

    static final class DtsOnlyLoader implements DeviceTreeLoader {
        @Override
        public DeviceTree load(Path file) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeviceTree parseDts(String source, String sourceName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeviceTree parseDtb(byte[] blob, String sourceName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String toDts(DeviceTree tree) {
            return "/dts-v1/;\n/ { };\n// " + tree.source();
        }

        @Override
        public byte[] toDtb(DeviceTree tree) {
            throw new UnsupportedOperationException();
        }
    }

    private final FakeMachine machine = new FakeMachine();
    private final MachineCommands commands = new MachineCommands(machine, new DtsOnlyLoader());

    @Test
    void platformListsNodesOrPrintsDts() {
        PlatformListing listing = (PlatformListing) commands.platform(false, "");
        assertEquals("preset:test", listing.source());
        assertEquals("/pcie@10000000", listing.nodes().get(0).path());
        assertEquals("/dts-v1/;\n/ { };\n// preset:test", commands.platform(true, ""));
    }

    @Test
    void memReadReturnsTheDataAndAMissReturnsTheDecodeError() {
        assertEquals(new MemAccess(false, 0x1000, 4, 0xabcd, MemResult.OK), commands.mem("", "read", "0x1000"));
        assertEquals(new MemAccess(false, 0x2000, 2, 0xffff, MemResult.DECODE_ERROR), commands.mem("", "read", "8192", "2"));
    }

    @Test
    void memWriteReachesTheAddressSpace() {
        assertEquals(new MemAccess(true, 0x1000, 1, 0x7f, MemResult.OK), commands.mem("", "write", "0x1000", "0x7f", "1"));
        assertEquals(0x7f, machine.written);
        assertEquals(MemResult.OK, commands.mem("", "write", "0x1000", "5").result());
    }

    @Test
    void badMemArgumentsAreCommandFailuresWithTheReason() {
        CommandFailure f = assertThrows(CommandFailure.class, () -> commands.mem("", "write", "0x1000", "0x1ff", "1"));
        assertEquals("value 0x1ff does not fit in 1 byte", f.toString());
        assertThrows(CommandFailure.class, () -> commands.mem("", "peek", "0x1000"));
        assertEquals(-1, machine.written);
    }

    @Test
    void bindAndUnbindResolveLabelsAndReturnTheNode() {
        NodeInfo after = commands.unbind("pcie");
        assertEquals(NodeState.UNBOUND, after.state());
        assertEquals(List.of("unbind /pcie@10000000"), machine.calls);
        assertEquals(NodeState.BOUND, commands.bind("/pcie@10000000", "pci-ecam").state());
        assertEquals(NodeState.BOUND, commands.bind("pcie").state());
        assertEquals(List.of("unbind /pcie@10000000", "bind /pcie@10000000 pci-ecam", "auto /pcie@10000000"),
                machine.calls);
    }

    @Test
    void unknownNodesAndRefusedBindsSayWhy() {
        assertTrue(assertThrows(CommandFailure.class, () -> commands.unbind("/nope")).getMessage()
                .startsWith("no node '/nope'"));
        assertEquals("bind pcie bogus: no driver 'bogus'",
                assertThrows(CommandFailure.class, () -> commands.bind("pcie", "bogus")).getMessage());
    }

    @Test
    void bindAndUnbindReturnOnlyOnceTheGuestHasActedOnTheSwap() {
        List<String> seen = new ArrayList<>();
        GuestKernel guest = new GuestKernel() {
            @Override
            public String name() {
                return "test";
            }

            @Override
            public List<org.trapdoor.api.guest.GuestPciHost> pciHosts() {
                return List.of();
            }

            @Override
            public List<org.trapdoor.api.guest.GuestPciDevice> pciDevices() {
                return List.of();
            }

            @Override
            public List<String> bootLog() {
                return List.of();
            }

            @Override
            public boolean awaitMsiSettled(long timeoutMillis) {
                seen.add(machine.calls.get(machine.calls.size() - 1));
                return true;
            }
        };
        commands.setGuest(guest);
        commands.bind("pcie", "pci-ecam");
        commands.unbind("pcie");
        commands.bind("pcie");
        assertEquals(machine.calls, seen, "each waited for, after the machine call");
        commands.unsetGuest(guest);
        commands.unbind("pcie");
        assertEquals(3, seen.size(), "no guest, no wait");
    }

    @Test
    void driversAreListed() {
        assertEquals("pci-ecam", commands.drivers().drivers().get(0).name());
    }
}
