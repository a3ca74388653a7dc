package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomainState;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.xen.domain.XenDomain;

/** xl create / xl destroy of a DomU on Xen on the virt machine. */
class DomUTest {
    private static DomainConfig guest(String name, long mib) {
        return new DomainConfig(name, mib, 1, List.of());
    }

    @Test
    void aDomUBootsOnLibxlsLayoutInItsOwnMemoryAndDestroyReturnsIt() {
        try (XenRig rig = new XenRig("virt", Xen.Options.DEFAULT, "testdev,addr=01.0")) {
            XenDomain dom0 = rig.xen.boot();
            int freeBefore = rig.xen.heap().freeFrames();
            XenDomain d = (XenDomain) rig.xen.create(guest("guest1", 64));
            assertEquals(1, d.id());
            assertEquals(DomainState.RUNNING, d.state());
            assertEquals(64L << 20, d.memoryBytes());
            assertNotNull(d.kernel(), "its kernel booted");
            assertTrue(d.kernel().pciDevices().isEmpty(), "no PCI functions without pci=[...]");
            assertTrue(d.kernel().bootLog().stream().anyMatch(l -> l.contains("Xen 4.23 support found")));
            assertFalse(d.kernel().bootLog().stream().anyMatch(l -> l.contains("initial domain")));

            DeviceTree t = d.deviceTree();
            assertEquals("XENVM-4.23", t.root().property("model").string());
            assertEquals(0x4000_0000L, t.memory().get(0).address());
            assertEquals(64L << 20, t.memory().get(0).size());
            DtNode gic = t.node("/interrupt-controller@3001000");
            assertEquals(List.of("arm,gic-v3"), gic.compatibles());
            assertEquals(0x0302_0000L, gic.reg().get(1).address());
            assertNotNull(t.node("/hypervisor"));
            assertNull(t.node("/pcie@10000000"), "no vPCI node without PCI devices");

            // Its RAM at IPA 0x40000000 is in Xen's heap, not Dom0's RAM at the same address.
            long machine = d.ram().get(0).machine();
            assertTrue(machine >= 0x6000_0000L, String.format("0x%x is above Dom0's 512M", machine));
            long dom0Word = dom0.ipaSpace().read(0x4000_0000L, 8);
            assertEquals(MemResult.OK, d.ipaSpace().write(0x4000_0000L, 8, 0x5a5a_5a5a_5a5a_5a5aL));
            assertEquals(0x5a5a_5a5a_5a5a_5a5aL, rig.machine.memory().load64(machine));
            assertEquals(dom0Word, dom0.ipaSpace().read(0x4000_0000L, 8), "Dom0's memory is untouched");
            // Outside its RAM and traps: counted stage-2 aborts, e.g. the host's ECAM.
            assertEquals(0xffff_ffffL, d.ipaSpace().read(0x40_1000_0000L, 4));
            assertTrue(d.stage2Aborts() >= 1);

            rig.xen.destroy("guest1");
            assertEquals(DomainState.DEAD, d.state());
            assertTrue(rig.xen.domain("guest1").isEmpty());
            assertEquals(freeBefore, rig.xen.heap().freeFrames(), "memory and P2M tables all returned");
            assertTrue(rig.xen.console().stream().anyMatch(l -> l.contains("guest1 destroyed")));
        }
    }

    @Test
    void toolstackErrorsAreOneLineAndLeakNothing() {
        try (XenRig rig = new XenRig("virt", Xen.Options.DEFAULT)) {
            rig.xen.boot();
            int free = rig.xen.heap().freeFrames();
            rig.xen.create(guest("a", 16));
            HypervisorException dup = assertThrows(HypervisorException.class, () -> rig.xen.create(guest("a", 16)));
            assertEquals("domain with name \"a\" already exists.", dup.getMessage());
            HypervisorException big = assertThrows(HypervisorException.class, () -> rig.xen.create(guest("b", 1024)));
            assertTrue(big.getMessage().contains("not enough memory"), big.getMessage());
            assertEquals("nope is an invalid domain identifier (rc=-6)",
                    assertThrows(HypervisorException.class, () -> rig.xen.destroy("nope")).getMessage());
            assertThrows(HypervisorException.class, () -> rig.xen.destroy("0"));
            HypervisorException pci = assertThrows(HypervisorException.class, () -> rig.xen.create(
                    new DomainConfig("c", 16, 1, List.of(new org.trapdoor.api.hypervisor.PciSpec(0, 0, 2, 0, -1, false, false)))));
            assertTrue(pci.getMessage().contains("PCI"), pci.getMessage());
            rig.xen.destroy("a");
            assertEquals(List.of("Domain-0"), rig.xen.domains().stream().map(x -> x.name()).toList());
            assertEquals(free, rig.xen.heap().freeFrames(), "failed creates and the destroy returned everything");
        }
    }

    @Test
    void domidsAndVmidsAreReused() {
        try (XenRig rig = new XenRig("virt", Xen.Options.DEFAULT)) {
            rig.xen.boot();
            XenDomain a = (XenDomain) rig.xen.create(guest("a", 8));
            XenDomain b = (XenDomain) rig.xen.create(guest("b", 8));
            assertEquals(2, b.id());
            assertNotEquals(a.p2m().vmid(), b.p2m().vmid());
            rig.xen.destroy("1");
            XenDomain c = (XenDomain) rig.xen.create(guest("c", 8));
            assertEquals(1, c.id(), "the lowest free domid");
        }
    }
}
