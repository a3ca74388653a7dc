package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

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

/**
 * The kernel on the hardware: booted by {@link BareMetalBoot} when a machine appears, and published
 * (and so offered as the {@code GuestKernel} service by {@link GuestKernelComponent}) only once the
 * boot is complete and its CPUs take interrupts.
 */
class BareMetalBootTest {
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

    /** Boots on {@code machine} and returns what was published (null if nothing). */
    private static LinuxKernel boot(Machine machine, org.trapdoor.api.machine.MachineInterrupts interrupts) {
        AtomicReference<LinuxKernel> published = new AtomicReference<>();
        new BareMetalBoot(machine, interrupts, LinuxKernel.Params.DEFAULT, k -> {
            assertNull(published.getAndSet(k), "published once");
        });
        return published.get();
    }

    @Test
    void activationBootsAgainstTheMachinesAddressSpaceAndDeviceTree() {
        FakeEcam ecam = new FakeEcam(EcamTrees.ECAM, 16);
        PciBar.memory32(ecam.add(0, 0x08, FakeEcam.endpoint(0x1234, 0x11e9)).cs, 0, 0x1000, false);
        LinuxKernel k = boot(new FakeMachine(ecam, EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000))), null);
        assertEquals(1, k.pciDevices().size());
        assertEquals("0000:00:01.0", k.pciDevices().get(0).bdf());
        assertEquals(1, k.pciHosts().size());
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("BAR 0: assigned [mem 0x10000000-0x10000fff]")));
    }

    @Test
    void aNewMachineIsANewBoot() {
        FakeEcam first = new FakeEcam(EcamTrees.ECAM, 16);
        FakeEcam second = new FakeEcam(EcamTrees.ECAM, 16);
        second.add(0, 0x10, FakeEcam.endpoint(0x1234, 0x11e9));
        DeviceTree tree = EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000));
        assertTrue(boot(new FakeMachine(first, tree), null).pciDevices().isEmpty());
        assertEquals(1, boot(new FakeMachine(second, tree), null).pciDevices().size());
    }

    @Test
    void theKernelIsPublishedOnlyOnceItsCpusTakeInterrupts() {
        try (MachineRig rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8")) {
            List<String> seen = new ArrayList<>();
            BareMetalBoot boot = new BareMetalBoot(rig.machine, rig.machine, LinuxKernel.Params.DEFAULT, k -> {
                // What a consumer finding the service can do at once: raise an MSI and see it taken.
                GuestMsiVector v = k.msiVectors().get(5);
                long bar0 = k.pciDevices().stream().filter(d -> d.bdf().equals(v.bdf())).findFirst().orElseThrow()
                        .bar(0).cpuAddress();
                rig.machine.system().write(bar0 + TestDevice.REG_RAISE, 4, 5);
                seen.add(k.msiVectors().get(5).count() + " " + k.interruptsHandled());
            });
            assertEquals(List.of("1 1"), seen, "published once, booted, with its CPUs wired");
            rig.kernel = boot.kernel();
        }
    }

    @Test
    void aKernelThatFailsToBootIsNeverPublished() {
        FakeEcam ecam = new FakeEcam(EcamTrees.ECAM, 16);
        Machine broken = new FakeMachine(ecam, null);
        List<LinuxKernel> published = new ArrayList<>();
        BareMetalBoot b = new BareMetalBoot(broken, null, LinuxKernel.Params.DEFAULT, published::add);
        assertTrue(published.isEmpty());
        assertNull(b.kernel());
    }

    @Test
    void theServiceDelegatesToThePublishedKernelAndIsBootedFromTheStart() throws InterruptedException {
        try (MachineRig rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8")) {
            LinuxKernel k = rig.boot();
            GuestKernelComponent c = new GuestKernelComponent(k);
            assertTrue(c.awaitBooted(0));
            assertEquals(k.msiVectors(), c.msiVectors());
            assertEquals(k.pciDevices(), c.pciDevices());
            c.reprobeMsi();
            assertEquals(2, c.msiGeneration());
            assertEquals(8, c.msiVectors().size());
        }
    }

    @Test
    void aMachineWithoutAGicHasNoVectorsBeforeOrAfterAReprobe() {
        FakeEcam ecam = new FakeEcam(EcamTrees.ECAM, 16);
        LinuxKernel k = boot(new FakeMachine(ecam, EcamTrees.host(16, EcamTrees.virtRanges(0x10_0000))), null);
        assertTrue(k.msiVectors().isEmpty());
        k.reprobeMsi();
        assertTrue(k.msiVectors().isEmpty());
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("no GICv2/GICv3 interrupt controller")));
    }
}
