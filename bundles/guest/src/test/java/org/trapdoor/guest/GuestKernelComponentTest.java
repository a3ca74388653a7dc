package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciBar;
import org.trapdoor.hw.testdev.TestDevice;

class GuestKernelComponentTest {
    /** The two things the kernel takes from a machine: its address space and its device tree. */
    private record FakeMachine(AddressSpace system, DeviceTree platform) implements Machine {
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
            return null;
        }
    }

    @Test
    void activationBootsAgainstTheMachinesAddressSpaceAndDeviceTree() {
        FakeEcam ecam = new FakeEcam(Trees.ECAM, 16);
        PciBar.memory32(ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x11e9)).cs, 0, 0x1000, false);
        GuestKernelComponent c = new GuestKernelComponent(
                new FakeMachine(ecam, Trees.host(16, Trees.virtRanges(0x10_0000))), null);
        assertEquals(1, c.pciDevices().size());
        assertEquals("0000:00:01.0", c.pciDevices().get(0).bdf());
        assertEquals(1, c.pciHosts().size());
        assertTrue(c.bootLog().stream().anyMatch(l -> l.contains("BAR 0: assigned [mem 0x10000000-0x10000fff]")));
    }

    @Test
    void aNewMachineIsANewBoot() {
        FakeEcam first = new FakeEcam(Trees.ECAM, 16);
        FakeEcam second = new FakeEcam(Trees.ECAM, 16);
        second.add(0, 0x10, FakeEcam.endpoint(0x1234, 0x11e9));
        DeviceTree tree = Trees.host(16, Trees.virtRanges(0x10_0000));
        assertTrue(new GuestKernelComponent(new FakeMachine(first, tree), null).pciDevices().isEmpty());
        assertEquals(1, new GuestKernelComponent(new FakeMachine(second, tree), null).pciDevices().size());
    }

    @Test
    void withTheMachinesInterruptFabricTheKernelsCpusTakeAndCountMsis() {
        try (MachineRig rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8")) {
            GuestKernelComponent c = new GuestKernelComponent(rig.machine, rig.machine);
            GuestMsiVector v = c.msiVectors().get(5);
            long bar0 = c.pciDevices().stream().filter(d -> d.bdf().equals(v.bdf())).findFirst().orElseThrow().bar(0)
                    .cpuAddress();
            rig.machine.system().write(bar0 + TestDevice.REG_RAISE, 4, 5);
            assertEquals(1, c.msiVectors().get(5).count());
            assertEquals(0, c.msiVectors().get(4).count());
            assertEquals(1, c.interruptCounts().stream().filter(x -> x.intid() == v.intid()).findFirst().orElseThrow()
                    .count());
            c.reprobeMsi();
            assertEquals(8, c.msiVectors().size());
            rig.machine.system().write(bar0 + TestDevice.REG_RAISE, 4, 5);
            assertEquals(1, c.msiVectors().get(5).count(), "counted afresh after the re-probe, and still delivered");
        }
    }

    @Test
    void aMachineWithoutAGicHasNoVectorsBeforeOrAfterAReprobe() {
        FakeEcam ecam = new FakeEcam(Trees.ECAM, 16);
        GuestKernelComponent c = new GuestKernelComponent(new FakeMachine(ecam, Trees.host(16, Trees.virtRanges(0x10_0000))),
                null);
        assertTrue(c.msiVectors().isEmpty());
        c.reprobeMsi();
        assertTrue(c.msiVectors().isEmpty());
        assertTrue(c.bootLog().stream().anyMatch(l -> l.contains("no GICv2/GICv3 interrupt controller")));
    }
}
