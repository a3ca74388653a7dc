package org.trapdoor.core.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trapdoor.core.Trees.cells;
import static org.trapdoor.core.Trees.node;
import static org.trapdoor.core.Trees.reg;
import static org.trapdoor.core.Trees.str;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciDevice;
import org.trapdoor.api.pci.PciDeviceFactory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.PciUpstream;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.Trees;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;

class PciAttachTest {
    private static final long RAM = 0x4000_0000L;
    private static final long DOORBELL = 0x0808_0040L;
    private static final long MEM32_CPU = 0x1000_0000L;
    private static final long MEM32_PCI = 0x2000_0000L;

    /** A host bridge model that records outbound accesses and may capture upstream ones. */
    static final class FakeBridge implements HostBridge {
        final PciHierarchy pci;
        final List<Long> outbound = new ArrayList<>();
        boolean capture;

        FakeBridge(PciHierarchy pci) {
            this.pci = pci;
        }

        @Override
        public MmioHandler region(int index) {
            return null;
        }

        @Override
        public int busStart() {
            return 0x10;
        }

        @Override
        public int busEnd() {
            return 0x1f;
        }

        @Override
        public int configRead(int bus, int devfn, int offset, int size) {
            return -1;
        }

        @Override
        public void configWrite(int bus, int devfn, int offset, int size, int value) {
        }

        @Override
        public void outbound(MemoryTransaction tx) {
            outbound.add(tx.address);
            tx.data = 0x77;
        }

        @Override
        public boolean interceptUpstream(MemoryTransaction tx) {
            return capture;
        }
    }

    static final class BridgeDriver implements HardwareDriver {
        final Map<String, FakeBridge> byPath = new java.util.HashMap<>();

        FakeBridge first() {
            return byPath.get("/pcie@10000000");
        }

        @Override
        public String name() {
            return "fake-bridge";
        }

        @Override
        public List<String> compatibles() {
            return List.of("pci-host-ecam-generic");
        }

        @Override
        public DeviceModel create(BindContext context) {
            FakeBridge b = new FakeBridge(context.pci());
            byPath.put(context.node().path(), b);
            return b;
        }
    }

    /** An endpoint that keeps the port it was connected to. */
    static final class FakeDevice implements PciDevice {
        final Map<String, String> options;
        PciUpstream upstream;

        FakeDevice(Map<String, String> options) {
            this.options = options;
        }

        @Override
        public String type() {
            return "fake";
        }

        @Override
        public void connect(PciUpstream port) {
            upstream = port;
        }

        @Override
        public int configRead(int offset, int size) {
            return 0;
        }

        @Override
        public void configWrite(int offset, int size, int value) {
        }

        @Override
        public boolean decodeMemory(MemoryTransaction tx) {
            return false;
        }
    }

    static final class Factory implements PciDeviceFactory {
        final List<FakeDevice> made = new ArrayList<>();

        @Override
        public String type() {
            return "fake";
        }

        @Override
        public PciDevice create(Map<String, String> options) {
            if (options.containsKey("bad")) {
                throw new IllegalArgumentException("bad option");
            }
            FakeDevice d = new FakeDevice(options);
            made.add(d);
            return d;
        }
    }

    /** Records what reaches a doorbell. */
    static final class Doorbell implements MmioHandler {
        final List<MemoryTransaction> seen = new ArrayList<>();

        @Override
        public void access(MemoryTransaction tx) {
            MemoryTransaction copy = new MemoryTransaction().write(tx.address, tx.size, tx.data);
            copy.requesterId = tx.requesterId;
            copy.streamId = tx.streamId;
            copy.deviceId = tx.deviceId;
            seen.add(copy);
        }
    }

    private final Factory factory = new Factory();
    private final BridgeDriver bridges = new BridgeDriver();
    private final Doorbell doorbell = new Doorbell();

    private ComposedMachine machine(boolean maps) {
        DtNode root = Trees.root();
        node(root, "memory@40000000", str("device_type", "memory"), reg(RAM, 0x100_0000));
        DtNode its = node(root, "its@8080000", str("compatible", "arm,gic-v3-its"), cells("phandle", 1));
        DtNode smmu = node(root, "iommu@9050000", str("compatible", "arm,smmu-v3"), cells("phandle", 2),
                reg(0x0905_0000L, 0x2_0000));
        its.addLabel("its");
        smmu.addLabel("smmu");
        DtNode pcie = node(root, "pcie@10000000", str("compatible", "pci-host-ecam-generic"), str("device_type", "pci"),
                cells("#address-cells", 3), cells("#size-cells", 2), reg(0x40_1000_0000L, 0x100_0000),
                cells("bus-range", 0x10, 0x1f),
                cells("ranges", 0x0200_0000L, 0, MEM32_PCI, 0, MEM32_CPU, 0, 0x100_0000));
        pcie.addLabel("pcie");
        if (maps) {
            // DeviceID = RID + 0x8000; StreamID = 0x20 + devfn for bus 0x10 only.
            pcie.put(cells("msi-map", 0x0, 1, 0x8000, 0x10000));
            pcie.put(cells("iommu-map", 0x1000, 2, 0x20, 0x100));
        }
        node(root, "pcie@20000000", str("compatible", "pci-host-ecam-generic"), str("device_type", "pci"),
                cells("#address-cells", 3), cells("#size-cells", 2), reg(0x40_2000_0000L, 0x100_0000));
        ComposedMachine m = new ComposedMachine(Trees.tree(root));
        m.bus().map(DOORBELL & ~0xfffL, 0x1000, "doorbell", doorbell);
        // The iommu-map puts the SMMU in the path of bus 0x10; left disabled by software, it bypasses.
        m.addDriver(new Smmuv3Driver());
        return m;
    }

    private ComposedMachine machine() {
        return machine(true);
    }

    @Test
    void devicesGoToTheFirstHostBridgeAtTheirAddressOrTheFirstFreeSlot() {
        ComposedMachine m = machine();
        m.addFactory(factory);
        m.attach("fake,addr=03.0,x=1");
        m.attach("fake");
        m.attach("fake");
        PciHierarchy h = m.domain("/pcie@10000000").hierarchy();
        assertSame(factory.made.get(0), h.function(0x10, 0x18));
        assertSame(factory.made.get(1), h.function(0x10, 0x08));
        assertSame(factory.made.get(2), h.function(0x10, 0x10));
        assertEquals(Map.of("x", "1"), factory.made.get(0).options, "the machine keeps addr for itself");
        List<PciDeviceInfo> info = m.pciDevices();
        assertEquals("0000:10:03.0", info.get(0).bdf());
        assertEquals("/pcie@10000000", info.get(0).bridgePath());
        assertTrue(java.util.Arrays.equals(new int[] {0x1008, 0x1010, 0x1018}, h.requesterIds()));
    }

    @Test
    void bridgeOrBusOptionPicksAnotherHostBridge() {
        ComposedMachine m = machine();
        m.addFactory(factory);
        m.attach("fake,bus=pcie.1,addr=05.0");
        m.attach("fake,bridge=pcie");
        assertSame(factory.made.get(0), m.domain("/pcie@20000000").hierarchy().function(0, 0x28));
        assertSame(factory.made.get(1), m.domain("pcie").hierarchy().function(0x10, 0x08));
        assertEquals(1, m.pciDevices().get(0).segment());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.attach("fake,bridge=/nope"));
        assertTrue(e.getMessage().contains("pcie.0 = /pcie@10000000"), e.getMessage());
    }

    @Test
    void anAddressInUseOrAnOptionTheFactoryRefusesIsAnError() {
        ComposedMachine m = machine();
        m.addFactory(factory);
        m.attach("fake,addr=02.0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.attach("fake,addr=02.0"));
        assertTrue(e.getMessage().contains("taken"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.attach("fake,bad"));
        assertEquals(1, m.pciDevices().size());
    }

    @Test
    void aDeviceWithoutFactoryWaitsAndIsAttachedWhenItsFactoryArrives() {
        ComposedMachine m = machine();
        m.attach("fake,addr=04.0");
        assertNull(m.domain("pcie").hierarchy().function(0x10, 0x20));
        assertTrue(m.pciDevices().get(0).description().contains("waiting"), m.pciDevices().get(0).description());
        m.addFactory(factory);
        assertSame(factory.made.get(0), m.domain("pcie").hierarchy().function(0x10, 0x20));
        m.removeFactory(factory);
        assertNull(m.domain("pcie").hierarchy().function(0x10, 0x20), "its factory left: the device is unplugged");
        assertTrue(m.pciDevices().get(0).description().contains("waiting"));
    }

    @Test
    void upstreamStampsTheRequesterIdAndAppliesMsiMapAndIommuMap() {
        ComposedMachine m = machine();
        m.addDriver(bridges);
        m.addFactory(factory);
        m.attach("fake,addr=01.0");
        PciUpstream port = factory.made.get(0).upstream;
        assertEquals(0x1008, port.requesterId());
        MemoryTransaction tx = new MemoryTransaction().write(DOORBELL, 4, 5);
        port.send(tx);
        assertEquals(MemResult.OK, tx.result);
        MemoryTransaction seen = doorbell.seen.get(0);
        assertEquals(0x1008, seen.requesterId);
        assertEquals(0x9008, seen.deviceId, "msi-map: RID + 0x8000");
        assertEquals(0x28, seen.streamId, "iommu-map: 0x20 + (RID - 0x1000)");
        assertEquals(5, seen.data);
    }

    @Test
    void dmaReachesRamThroughTheSystemAddressSpace() {
        ComposedMachine m = machine();
        m.addDriver(bridges);
        m.addFactory(factory);
        m.attach("fake");
        PciUpstream port = factory.made.get(0).upstream;
        port.send(new MemoryTransaction().write(RAM + 0x100, 8, 0x1234_5678_9abcL));
        MemoryTransaction rd = new MemoryTransaction().read(RAM + 0x100, 8);
        port.send(rd);
        assertEquals(0x1234_5678_9abcL, rd.data);
        assertEquals(0x1234_5678_9abcL, m.memory().load64(RAM + 0x100));
    }

    @Test
    void withoutMapsTheDeviceIdIsTheRequesterIdAndThereIsNoStreamId() {
        ComposedMachine m = machine(false);
        m.addDriver(bridges);
        m.addFactory(factory);
        m.attach("fake,addr=02.3");
        factory.made.get(0).upstream.send(new MemoryTransaction().write(DOORBELL, 4, 1));
        MemoryTransaction seen = doorbell.seen.get(0);
        assertEquals(0x1013, seen.deviceId);
        assertEquals(-1, seen.streamId);
    }

    @Test
    void upstreamThroughAnUnboundBridgeAbortsAndIsCounted() {
        ComposedMachine m = machine();
        m.addFactory(factory);
        m.attach("fake");
        MemoryTransaction tx = new MemoryTransaction().read(RAM, 4);
        factory.made.get(0).upstream.send(tx);
        assertEquals(MemResult.ABORT, tx.result);
        assertEquals(0xffff_ffffL, tx.data);
        assertEquals(1, m.domain("pcie").abortedUpstream());
        m.addDriver(bridges);
        factory.made.get(0).upstream.send(tx.read(RAM, 4));
        assertEquals(MemResult.OK, tx.result);
        assertEquals(1, m.domain("pcie").abortedUpstream());
    }

    @Test
    void aBridgeThatCapturesAnUpstreamWriteKeepsItFromTheFabric() {
        ComposedMachine m = machine();
        m.addDriver(bridges);
        m.addFactory(factory);
        m.attach("fake");
        bridges.first().capture = true;
        factory.made.get(0).upstream.send(new MemoryTransaction().write(DOORBELL, 4, 1));
        assertTrue(doorbell.seen.isEmpty());
    }

    @Test
    void outboundWindowsRouteToTheBoundBridgeWithThePciBusAddress() {
        ComposedMachine m = machine();
        MemoryTransaction tx = new MemoryTransaction().read(MEM32_CPU + 0x40, 4);
        m.system().access(tx);
        assertEquals(MemResult.DECODE_ERROR, tx.result, "unbound bridge");
        assertEquals(0xffff_ffffL, tx.data);
        assertEquals(1, m.node("/pcie@10000000").unboundAccesses());
        m.addDriver(bridges);
        m.system().access(tx.read(MEM32_CPU + 0x40, 4));
        assertEquals(List.of(MEM32_PCI + 0x40), bridges.first().outbound);
        assertEquals(0x77, tx.data);
        assertEquals(MEM32_CPU + 0x40, tx.address, "the CPU's transaction keeps its address");
    }

    @Test
    void theMachineListsItsHostBridgesAndTheirModels() {
        ComposedMachine m = machine();
        assertEquals(List.of("/pcie@10000000", "/pcie@20000000"), m.hostBridges());
        assertNull(m.hostBridge("/pcie@10000000"));
        m.addDriver(bridges);
        assertNotNull(m.hostBridge("/pcie@10000000"));
        assertSame(m.domain("pcie").hierarchy(), bridges.first().pci, "the bridge model sees the machine's hierarchy");
        assertNull(m.hostBridge("/memory@40000000"));
    }

    @Test
    void aDeviceWhoseRequesterIdHitsABadIommuMapEntryIsRefusedAndNotPlugged() {
        DtNode root = Trees.root();
        node(root, "iommu@9050000", str("compatible", "arm,smmu-v3"), cells("phandle", 2));
        node(root, "pcie@10000000", str("device_type", "pci"), cells("#address-cells", 3), cells("#size-cells", 2),
                cells("iommu-map", 0x1000, 2, 0, 0x100), cells("iommu-map-mask", 0xff));
        ComposedMachine m = new ComposedMachine(Trees.tree(root));
        m.addFactory(factory);
        org.trapdoor.api.dt.DeviceTreeException e = assertThrows(org.trapdoor.api.dt.DeviceTreeException.class,
                () -> m.attach("fake,addr=01.0"));
        assertTrue(e.getMessage().contains("iommu-map"), e.getMessage());
        assertNull(m.domain("/pcie@10000000").hierarchy().function(0, 0x08));
        assertTrue(m.pciDevices().isEmpty());
    }

    /** A bridge without iommu-map whose own {@code iommus} names the SMMU with StreamID 0x42. */
    private ComposedMachine iommusMachine(boolean smmuEnabled) {
        DtNode root = Trees.root();
        node(root, "memory@40000000", str("device_type", "memory"), reg(RAM, 0x100_0000));
        DtNode smmu = node(root, "iommu@9050000", str("compatible", "arm,smmu-v3"), cells("phandle", 2),
                cells("#iommu-cells", 1), reg(0x0905_0000L, 0x2_0000));
        if (!smmuEnabled) {
            smmu.put(str("status", "disabled"));
        }
        smmu.addLabel("smmu");
        node(root, "pcie@10000000", str("compatible", "pci-host-ecam-generic"), str("device_type", "pci"),
                cells("#address-cells", 3), cells("#size-cells", 2), reg(0x40_1000_0000L, 0x100_0000),
                cells("iommus", 2, 0x42));
        return new ComposedMachine(Trees.tree(root));
    }

    @Test
    void aBridgesOwnIommusPutsEveryDeviceBehindThatIommuWithItsStreamId() {
        ComposedMachine m = iommusMachine(true);
        m.addDriver(bridges);
        m.addFactory(factory);
        m.attach("fake");
        UpstreamPort port = m.domain("/pcie@10000000").port(0, 0x08, m.system());
        assertEquals(0x42, port.streamId());
        assertSame(m.platform().find("smmu"), port.iommu().node());
        // No SMMU driver yet: the SMMU node is unbound, so DMA is aborted and counted there.
        m.memory().store64(RAM, 0x99);
        MemoryTransaction tx = new MemoryTransaction().write(RAM, 8, 1);
        factory.made.get(0).upstream.send(tx);
        assertEquals(MemResult.ABORT, tx.result);
        assertEquals(0x99, m.memory().load64(RAM));
        assertEquals(1, m.node("smmu").upstreamAborts());
        // Bound and left disabled by software, the SMMU bypasses (GBPA reset value).
        m.addDriver(new Smmuv3Driver());
        factory.made.get(0).upstream.send(tx.write(RAM, 8, 1));
        assertEquals(MemResult.OK, tx.result);
        assertEquals(1, m.memory().load64(RAM));
        assertEquals(1, m.node("smmu").upstreamAborts());
    }

    @Test
    void aDeviceWhoseIommuIsDisabledInTheTreeIsNotBehindAnIommu() {
        // As on zcu102, whose PCIe node names an SMMU the board leaves disabled.
        ComposedMachine m = iommusMachine(false);
        m.addDriver(bridges);
        m.addFactory(factory);
        m.attach("fake");
        assertEquals(1, m.pciDevices().size());
        UpstreamPort port = m.domain("/pcie@10000000").port(0, 0x08, m.system());
        assertEquals(-1, port.streamId());
        assertNull(port.iommu());
        MemoryTransaction tx = new MemoryTransaction().write(RAM, 8, 7);
        factory.made.get(0).upstream.send(tx);
        assertEquals(MemResult.OK, tx.result);
        assertEquals(7, m.memory().load64(RAM));
    }

    @Test
    void malformedIdMapsMakeTheMachineRefuseThePlatform() {
        DtNode root = Trees.root();
        node(root, "pcie@10000000", str("device_type", "pci"), cells("#address-cells", 3), cells("#size-cells", 2),
                new DtProperty("msi-map", new byte[12]));
        assertThrows(org.trapdoor.api.dt.DeviceTreeException.class, () -> new ComposedMachine(Trees.tree(root)));
    }
}
