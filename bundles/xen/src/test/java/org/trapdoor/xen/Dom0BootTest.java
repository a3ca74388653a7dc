package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.hypercall.PhysdevOp;

/**
 * Xen on the virt machine boots Dom0: the Linux-like kernel runs on Dom0's IPA space (RAM and
 * devices mapped 1:1, the SMMU Xen's), finds the /hypervisor node, reads Xen's features by
 * hypercall, enumerates the real bridge and reports every function to Xen with
 * PHYSDEVOP_pci_device_add, the structure read out of Dom0's memory.
 */
class Dom0BootTest {
    private record Added(int seg, int bus, int devfn, long flags) {
    }

    @Test
    void dom0EnumeratesTheBridgeAndReportsEachFunctionByHypercall() {
        try (XenRig rig = new XenRig("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0")) {
            List<Added> added = new ArrayList<>();
            rig.xen.physdevOp().register(PhysdevOp.PHYSDEVOP_PCI_DEVICE_ADD, (caller, arg) -> {
                assertTrue(caller.hardwareDomain(), "only Dom0 reports devices");
                byte[] s = new byte[16];
                assertTrue(rig.xen.guestMemory().copyFrom(caller, arg, s, 0, 16));
                added.add(new Added((s[0] & 0xff) | (s[1] & 0xff) << 8, s[2] & 0xff, s[3] & 0xff,
                        (s[4] & 0xffL) | (s[5] & 0xffL) << 8 | (s[6] & 0xffL) << 16 | (s[7] & 0xffL) << 24));
                return 0;
            });
            XenDomain dom0 = rig.xen.boot();
            GuestKernel k = dom0.kernel();
            assertNotNull(k, "Dom0's kernel booted");
            List<String> bdfs = k.pciDevices().stream().map(GuestPciDevice::bdf).toList();
            // The generic ECAM bridge's root function at 00:00.0, then the two endpoints.
            assertEquals(List.of("0000:00:00.0", "0000:00:01.0", "0000:00:02.0"), bdfs);
            assertEquals(List.of(new Added(0, 0, 0x00, 0), new Added(0, 0, 0x08, 0), new Added(0, 0, 0x10, 0)), added);
            assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("Xen 4.23 support found")), k.bootLog().toString());
            assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("(initial domain)")), k.bootLog().toString());
            assertEquals(512L << 20, dom0.memoryBytes());
            assertTrue(rig.xen.console().stream().anyMatch(l -> l.startsWith("(XEN) ") && l.contains("DOMAIN 0")));
        }
    }

    @Test
    void dom0SeesRamAndDevicesOneToOneButNotTheSmmuNorXensHeap() {
        try (XenRig rig = new XenRig("virt", Xen.Options.DEFAULT, "testdev,addr=01.0")) {
            XenDomain dom0 = rig.xen.boot();
            var ipa = dom0.ipaSpace();
            // RAM is direct-mapped: a store through Dom0's IPA lands at the same machine address.
            assertEquals(MemResult.OK, ipa.write(0x4100_0000L, 8, 0x1234_5678_9abc_def0L));
            assertEquals(0x1234_5678_9abc_def0L, rig.machine.memory().load64(0x4100_0000L));
            long before = dom0.stage2Aborts();
            // Xen's heap (above dom0_mem) and the SMMU's registers are not Dom0's.
            assertEquals(-1L, ipa.read(0x6000_0000L, 8));
            assertEquals(0xffff_ffffL, ipa.read(0x0905_0000L, 4));
            assertEquals(before + 2, dom0.stage2Aborts());
            // The ECAM window is the real bridge's, mapped 1:1: the testdev's vendor ID reads through.
            long ecam = 0x40_1000_0000L;
            assertEquals(rig.machine.system().read(ecam + (1 << 15), 4), ipa.read(ecam + (1 << 15), 4));
            assertNotEquals(0xffff_ffffL, ipa.read(ecam + (1 << 15), 4));
        }
    }

    @Test
    void dom0sTreeIsTheHostTreeAsXenRewritesIt() {
        try (XenRig rig = new XenRig("virt", new Xen.Options(256L << 20, 1, 40), "testdev,addr=01.0")) {
            XenDomain dom0 = rig.xen.boot();
            DeviceTree t = dom0.deviceTree();
            DtNode hyp = t.node("/hypervisor");
            assertNotNull(hyp);
            assertEquals(List.of("xen,xen-4.23", "xen,xen"), hyp.compatibles());
            DtNode pcie = t.node("/pcie@10000000");
            assertFalse(pcie.has("iommu-map"), "Xen drives the SMMU: its bindings are stripped");
            assertTrue(pcie.has("msi-map"), "msi-map passes through");
            assertNull(t.node("/iommu@9050000"), "the SMMU is Xen's: not in Dom0's tree");
            assertEquals(1, t.memory().size());
            assertEquals(0x4000_0000L, t.memory().get(0).address());
            assertEquals(256L << 20, t.memory().get(0).size());
            assertEquals(1, t.node("/cpus").children().stream().filter(c -> c.name().startsWith("cpu@")).count());
        }
    }

    @Test
    void xensConsoleUartIsHiddenFromDom0NeitherInItsTreeNorMapped() {
        try (XenRig rig = new XenRig("virt", Xen.Options.DEFAULT)) {
            DtNode hostUart = rig.machine.platform().node("/pl011@9000000");
            assertNotNull(hostUart, "the virt preset has the PL011 that /chosen/stdout-path names");
            XenDomain dom0 = rig.xen.boot();
            DeviceTree t = dom0.deviceTree();
            assertNull(t.node("/pl011@9000000"), "handle_node skips a node used by DOMID_XEN");
            assertNotNull(t.node("/chosen"), "/chosen stays");
            assertFalse(t.node("/chosen").has("stdout-path"), "handle_properties drops stdout-path");
            long before = dom0.stage2Aborts();
            assertEquals(0xffff_ffffL, dom0.ipaSpace().read(0x0900_0000L, 4), "not mapped into Dom0");
            assertEquals(before + 1, dom0.stage2Aborts());
            assertTrue(rig.xen.console().stream().anyMatch(l -> l.contains("/pl011@9000000")), rig.xen.console().toString());
        }
    }

    @Test
    void withoutAPciSubsystemDom0sReportsAreRefusedAndItSaysSo() {
        try (XenRig rig = new XenRig("virt", Xen.Options.DEFAULT, "testdev,addr=01.0")) {
            XenDomain dom0 = rig.xen.boot();
            assertEquals(2, dom0.kernel().pciDevices().size());
            assertTrue(dom0.kernel().bootLog().stream().anyMatch(l -> l.contains("Failed to add")),
                    "physdev_op without a handler is -ENOSYS, which Linux reports");
        }
    }

    @Test
    void dom0MemThatDoesNotFitIsAClearError() {
        try (XenRig rig = new XenRig("virt", new Xen.Options(2048L << 20, 1, 40))) {
            var e = assertThrows(org.trapdoor.api.hypervisor.HypervisorException.class, rig.xen::boot);
            assertTrue(e.getMessage().contains("dom0_mem=2048M does not fit"), e.getMessage());
        }
    }
}
