package org.trapdoor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciDevice;
import org.trapdoor.api.pci.PciDeviceFactory;
import org.trapdoor.api.pci.PciUpstream;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;

class MachineComponentTest {
    private static MachineConfig config(String platform, String hypervisor, String... devices) {
        return new MachineConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return MachineConfig.class;
            }

            @Override
            public String platform() {
                return platform;
            }

            @Override
            public String[] devices() {
                return devices;
            }

            @Override
            public String hypervisor() {
                return hypervisor;
            }
        };
    }

    /** Stands in for the testdev bundle: an endpoint with a vendor ID and a port. */
    static final class Endpoints implements PciDeviceFactory {
        final List<Endpoint> made = new ArrayList<>();

        @Override
        public String type() {
            return "testdev";
        }

        @Override
        public PciDevice create(Map<String, String> options) {
            Endpoint e = new Endpoint();
            made.add(e);
            return e;
        }
    }

    static final class Endpoint implements PciDevice {
        PciUpstream port;

        @Override
        public String type() {
            return "testdev";
        }

        @Override
        public void connect(PciUpstream upstream) {
            port = upstream;
        }

        @Override
        public int configRead(int offset, int size) {
            return offset == 0 && size == 4 ? 0x11e8_1234 : 0;
        }

        @Override
        public void configWrite(int offset, int size, int value) {
        }

        @Override
        public boolean decodeMemory(MemoryTransaction tx) {
            return false;
        }
    }

    private static MachineComponent virt(String platform) {
        return new MachineComponent(new DeviceTreeService(), config(platform, "none"));
    }

    @Test
    void theVirtPresetIsAGicv3ItsSmmuv3MachineWithAnEcamHostBridge() {
        MachineComponent m = virt("virt");
        assertEquals(List.of("/pcie@10000000"), m.hostBridges());
        assertTrue(m.memory().isRam(0x4000_0000L, 1L << 30));
        DtNode pcie = m.platform().node("/pcie@10000000");
        assertEquals(List.of(new RegEntry(0x40_1000_0000L, 0x1000_0000L, null)), pcie.reg());
        assertEquals(0, pcie.busRange().first());
        assertEquals(255, pcie.busRange().last());
        assertEquals(3, pcie.pciRanges().size());
        assertEquals(0x80_0000_0000L, pcie.pciRanges().get(2).cpuAddress());
        assertEquals(m.platform().find("its"), pcie.msiMap().entries().get(0).target());
        assertEquals(m.platform().find("smmu"), pcie.iommuMap().entries().get(0).target());
        NodeInfo gic = m.node("/intc@8000000");
        assertEquals(List.of(new RegEntry(0x0800_0000L, 0x10000, null), new RegEntry(0x080a_0000L, 0xf6_0000L, null)), gic.reg());
        assertEquals(0x0808_0000L, m.node("its").reg().get(0).address());
        assertEquals(0x0905_0000L, m.node("smmu").reg().get(0).address());
        assertEquals(NodeState.UNBOUND, m.node("/pl011@9000000").state());
        assertEquals(2, m.platform().node("/cpus").children().size());
        assertNotNull(m.platform().node("/timer"));
    }

    @Test
    void theNoIommuPresetHasNeitherSmmuNorIommuMap() {
        MachineComponent m = virt("virt-noiommu");
        assertNull(m.platform().find("smmu"));
        assertNull(m.platform().node("/pcie@10000000").iommuMap());
        assertNotNull(m.platform().node("/pcie@10000000").msiMap());
    }

    @Test
    void withoutConfiguredDevicesTwoTestdevsWaitAt0100And0200() {
        MachineComponent m = virt("virt");
        List<PciDeviceInfo> devices = m.pciDevices();
        assertEquals(2, devices.size());
        assertEquals("0000:00:01.0", devices.get(0).bdf());
        assertEquals("0000:00:02.0", devices.get(1).bdf());
        assertTrue(devices.get(0).description().contains("waiting"));
        Endpoints f = new Endpoints();
        m.addFactory(f);
        assertEquals(2, f.made.size());
        assertEquals("testdev", m.pciDevices().get(1).description());
    }

    @Test
    void blankDeviceEntriesAreIgnored() {
        MachineComponent m = new MachineComponent(new DeviceTreeService(), config("virt", "none", "", " ", "testdev,addr=05.0"));
        assertEquals(1, m.pciDevices().size());
        assertEquals("0000:00:05.0", m.pciDevices().get(0).bdf());
    }

    @Test
    void ecamConfigAccessAndMsiWritesWorkThroughTheComposedVirtMachine() {
        MachineComponent m = new MachineComponent(new DeviceTreeService(), config("virt", "none", "testdev,addr=03.0"));
        Endpoints f = new Endpoints();
        m.addFactory(f);
        assertEquals(0xffff_ffffL, m.system().read(0x40_1000_0000L, 4), "bridge unbound");
        m.addDriver(new EcamDriver(), null);
        // The bridge's iommu-map puts the SMMU in the path; disabled (reset), it bypasses.
        m.addDriver(new Smmuv3Driver(), null);
        assertEquals("pci-ecam", m.node("/pcie@10000000").driver());
        assertEquals(0x0008_1b36L, m.system().read(0x40_1000_0000L, 4));
        assertEquals(0x11e8_1234L, m.system().read(0x40_1000_0000L + (0x18 << 12), 4));
        assertEquals(0xffff_ffffL, m.system().read(0x40_1000_0000L + (0x20 << 12), 4));
        // RID 0x0018 maps one-to-one to the ITS DeviceID and the SMMU StreamID.
        MemoryTransaction msi = new MemoryTransaction().write(0x0808_0040L, 4, 0);
        f.made.get(0).port.send(msi);
        assertEquals(0x18, msi.requesterId);
        assertEquals(0x18, msi.deviceId);
        assertEquals(0x18, msi.streamId);
        assertEquals(MemResult.DECODE_ERROR, msi.result, "no ITS model bound yet: the doorbell is unbound");
        assertEquals(1, m.node("its").unboundAccesses());
        assertTrue(m.node("/pcie@10000000").summary().contains("ECAM 0x4010000000"));
    }

    @Test
    void anUnknownHypervisorIsRefusedNamingTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MachineComponent(new DeviceTreeService(), config("virt", "kvm")));
        assertTrue(e.getMessage().contains("'kvm'") && e.getMessage().contains("none")
                && e.getMessage().contains("xen"), e.getMessage());
    }

    @Test
    void xenIsAHypervisorTheMachineAccepts() {
        MachineComponent m = new MachineComponent(new DeviceTreeService(), config("virt", "xen"));
        m.deactivate();
    }

    @Test
    void anUnknownPlatformIsRefusedNamingThePresets() {
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> virt("nosuch"));
        assertTrue(e.getMessage().contains("nosuch") && e.getMessage().contains("virt-noiommu"), e.getMessage());
    }

    @Test
    void aPlatformFileIsLoadedAndAnInvalidOneRefusedWithTheParserMessage(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("tiny.dts");
        Files.writeString(good, "/dts-v1/;\n/ {\n #address-cells = <2>; #size-cells = <2>;\n"
                + " memory@80000000 { device_type = \"memory\"; reg = <0 0x80000000 0 0x1000000>; };\n};\n");
        MachineComponent m = virt(good.toString());
        assertTrue(m.memory().isRam(0x8000_0000L, 0x100_0000));
        assertTrue(m.hostBridges().isEmpty());
        Path bad = dir.resolve("bad.dts");
        Files.writeString(bad, "/dts-v1/;\n/ {\n node { prop = <1 2; };\n};\n");
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> virt(bad.toString()));
        assertTrue(e.getMessage().contains("bad.dts"), e.getMessage());
    }

    @Test
    void aBadDeviceSpecificationFailsActivationWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MachineComponent(new DeviceTreeService(), config("virt", "none", "testdev,addr=40.0")));
        assertTrue(e.getMessage().contains("addr=40.0"), e.getMessage());
    }

    @Test
    void theGicv2mPresetHasAV2mFrameUnderAGic400AndNoIommu() {
        MachineComponent m = virt("virt-gicv2m");
        assertTrue(m instanceof org.trapdoor.api.machine.MachineInterrupts, "the interrupt fabric is served too");
        assertEquals(List.of("arm,gic-400", "arm,cortex-a15-gic"), m.platform().find("gic").compatibles());
        DtNode v2m = m.platform().find("v2m");
        assertEquals(List.of("arm,gic-v2m-frame"), v2m.compatibles());
        assertEquals(0x0802_0000L, v2m.reg().get(0).address());
        assertEquals(List.of(new RegEntry(0x0800_0000L, 0x1000, null), new RegEntry(0x0801_0000L, 0x2000, null)),
                m.node("gic").reg());
        assertNull(m.platform().find("smmu"));
        assertNull(m.platform().node("/pcie@10000000").iommuMap());
        assertEquals(v2m, m.platform().node("/pcie@10000000").msiParent().get(0).node());
        assertEquals("/intc@8000000", m.rootInterruptController());
        assertEquals(java.util.Set.of("/intc@8000000/v2m@8020000"), m.msiControllers().keySet());
        assertEquals(0, m.msiSources().size(), "no testdev factory yet: the default devices wait");
        m.addFactory(new org.trapdoor.hw.testdev.TestDeviceFactory());
        assertEquals(2, m.msiSources().size(), "the two default testdevs");
    }
}
