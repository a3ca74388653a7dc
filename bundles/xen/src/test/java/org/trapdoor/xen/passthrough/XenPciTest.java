package org.trapdoor.xen.passthrough;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.hw.testdev.DmaResult;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.pci.HostRig;
import org.trapdoor.xen.pci.XenHostBridge;
import org.trapdoor.xen.iommu.XenSmmuv3;
import org.trapdoor.xen.vpci.GuestVpci;

/**
 * Xen's PCI side end to end on the composed machine: discovery through Dom0's hypercalls, the
 * quarantine, assignment to a DomU that sees its device only through the trapped vPCI window,
 * its DMA through the SMMU at stage 2, and the refusals.
 */
class XenPciTest {
    private XenRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private static PciSpec spec(int dev, int fn, int vslot) {
        return new PciSpec(0, 0, dev, fn, vslot, false, false);
    }

    private PciDeviceStatus status(String bdf) {
        return rig.pci.devices().stream().filter(s -> s.bdf().equals(bdf)).findFirst().orElseThrow();
    }

    @Test
    void dom0ReportsEveryFunctionAndXenGivesEachDom0sStage2() {
        rig = new XenRig();
        List<PciDeviceStatus> devs = rig.pci.devices();
        assertEquals(List.of("0000:00:00.0", "0000:00:01.0", "0000:00:02.0"), devs.stream().map(PciDeviceStatus::bdf).toList());
        PciDeviceStatus d = status("0000:00:01.0");
        assertEquals("Domain-0", d.owner());
        assertEquals("/iommu@9050000", d.iommu());
        assertEquals(List.of(0x08), d.streamIds(), "iommu-map: RID = StreamID");
        assertTrue(d.iommuContext().startsWith("stage 2, vmid "), d.iommuContext());
        HostBridgeStatus b = rig.pci.hostBridges().get(0);
        assertEquals("/pcie@10000000", b.node());
        assertEquals(0, b.segment(), "linux,pci-domain");
        assertEquals("dom0-init", b.owner());
        assertTrue(b.ready());
        assertTrue(b.readyReason().contains("PHYSDEVOP_pci_device_add"), b.readyReason());
    }

    @Test
    void dom0InitRefusesXensConfigAccessUntilDom0ReportsADevice() {
        rig = new XenRig();
        assertFalse(rig.readyBeforeReport, "the bridge is not ready before Dom0 reports anything");
        assertEquals(-1, rig.xenReadBeforeReport, "Xen's read was refused: all-ones");
        assertEquals(1, rig.refusedBeforeReport);
        assertEquals(1, rig.pci.hostBridges().get(0).refusedAccesses());
    }

    @Test
    void xenInitMakesAGenericBridgeReadyWhenFound() {
        rig = new XenRig(true, false);
        assertTrue(rig.readyBeforeReport);
        assertEquals(TestDevice.DEVICE_ID << 16 | TestDevice.VENDOR_ID, rig.xenReadBeforeReport);
        HostBridgeStatus b = rig.pci.hostBridges().get(0);
        assertEquals("xen-init", b.owner());
        assertEquals(0, b.refusedAccesses());
    }

    @Test
    void assignableAddQuarantinesAndRemoveGivesBack() {
        rig = new XenRig();
        rig.xen.assignableAdd("00:02.0");
        assertEquals(List.of("0000:00:02.0"), rig.xen.assignableList());
        assertEquals("dom_io", status("0000:00:02.0").owner());
        assertEquals("abort", status("0000:00:02.0").iommuContext());
        rig.xen.assignableRemove("0000:00:02.0");
        assertEquals(List.of(), rig.xen.assignableList());
        assertEquals("Domain-0", status("0000:00:02.0").owner());
    }

    private long guestRead(XenDomain d, long ipa, int size) {
        return d.ipaSpace().read(ipa, size);
    }

    private void guestWrite(XenDomain d, long ipa, int size, long v) {
        assertEquals(MemResult.OK, d.ipaSpace().write(ipa, size, v), String.format("write 0x%x", ipa));
    }

    /** What the DomU's kernel does with its vPCI device: enumerate, size, assign in the vPCI windows, enable. */
    private void enumerateAndEnable(XenDomain d) {
        long ecam = GuestVpci.ECAM_BASE;
        assertEquals(TestDevice.DEVICE_ID << 16 | TestDevice.VENDOR_ID, guestRead(d, ecam, 4), "host IDs at 00:00.0");
        guestWrite(d, ecam + 0x10, 4, 0xffff_ffffL);
        assertEquals(0xffff_f000L, guestRead(d, ecam + 0x10, 4));
        guestWrite(d, ecam + 0x10, 4, 0x2300_0000L);
        guestWrite(d, ecam + 0x18, 4, 0);
        guestWrite(d, ecam + 0x1c, 4, 1);
        guestWrite(d, ecam + 0x04, 2, 0x6);
    }

    @Test
    void assignmentFlowEndToEnd() {
        rig = new XenRig();
        rig.xen.assignableAdd("0000:00:02.0");
        XenDomain d = rig.domU(1, "guest1", 16 << 20);
        rig.pci.domainBuilt(d, List.of(spec(2, 0, -1)));
        assertNotNull(d.deviceTree().root().child("pcie@10000000"), "make_vpci_node");
        assertEquals(List.of(new PciAssignment("0000:00:02.0", "0000:00:00.0", false)), d.pci());
        assertEquals("guest1", status("0000:00:02.0").owner());
        enumerateAndEnable(d);
        // The BAR is mapped at the guest's address: the device's own ID register answers there.
        assertEquals((long) TestDevice.DEVICE_ID << 16 | TestDevice.VERSION, guestRead(d, 0x2300_0000L, 4));
        // DMA from the device's buffer into the DomU's memory at IPA 0x40002000.
        guestWrite(d, 0x2300_0000L + TestDevice.BUFFER_OFFSET, 8, 0x1122_3344_5566_7788L);
        guestWrite(d, 0x2300_0000L + TestDevice.REG_DMA_SRC, 8, 0);
        guestWrite(d, 0x2300_0000L + TestDevice.REG_DMA_DST, 8, XenRig.GUEST_RAM + 0x2000);
        guestWrite(d, 0x2300_0000L + TestDevice.REG_DMA_LEN, 4, 8);
        guestWrite(d, 0x2300_0000L + TestDevice.REG_DMA_CMD, 4, 1);
        assertEquals(0x1122_3344_5566_7788L, guestRead(d, XenRig.GUEST_RAM + 0x2000, 8), "DMA landed in its memory");
        assertEquals(0x1122_3344_5566_7788L, rig.host.machine.memory().load64(d.ram().get(0).machine() + 0x2000));

        rig.pci.detach(d, "0000:00:02.0");
        assertEquals("dom_io", status("0000:00:02.0").owner());
        assertEquals("abort", status("0000:00:02.0").iommuContext());
        assertEquals(List.of("0000:00:02.0"), rig.xen.assignableList());
        assertEquals(List.of(), d.pci());
        assertEquals(0xffff_ffffL, guestRead(d, GuestVpci.ECAM_BASE, 4), "00:00.0 is gone from the DomU");
        long aborts = d.stage2Aborts();
        assertEquals(0xffff_ffffL, guestRead(d, 0x2300_0000L, 4), "the BAR is unmapped from its P2M");
        assertEquals(aborts + 1, d.stage2Aborts());
        assertEquals(0, rig.pci.bridges().all().get(0).read(0, 0x10, 4, 2) & 0x6, "decoding and bus mastering off in quarantine");

        PciAssignment again = rig.pci.attach(d, spec(2, 0, -1));
        assertEquals("0000:00:00.0", again.virtualBdf());
        assertEquals(TestDevice.DEVICE_ID << 16 | TestDevice.VENDOR_ID, guestRead(d, GuestVpci.ECAM_BASE, 4));
        assertEquals("guest1", status("0000:00:02.0").owner());
    }

    @Test
    void aDomUsDmaOutsideItsMemoryFaultsAtStage2AndNobodyElsesMemoryChanges() {
        rig = new XenRig();
        rig.xen.assignableAdd("0000:00:02.0");
        XenDomain d = rig.domU(1, "guest1", 16 << 20);
        XenDomain other = rig.domU(2, "guest2", 16 << 20);
        rig.pci.domainBuilt(d, List.of(spec(2, 0, -1)));
        enumerateAndEnable(d);
        byte[] dom0Before = snapshot(rig.dom0.ram().get(0).machine(), 1 << 20);
        byte[] otherBefore = snapshot(other.ram().get(0).machine(), 1 << 20);
        long bar = 0x2300_0000L;
        guestWrite(d, bar + TestDevice.BUFFER_OFFSET, 8, 0xdead_beefL);
        // IPAs the DomU does not own: just past its RAM, far beyond it, and where the host's GIC is.
        long[] targets = {XenRig.GUEST_RAM + (16 << 20), 0x80_0000_0000L, 0x0800_0000L};
        for (long target : targets) {
            guestWrite(d, bar + TestDevice.REG_DMA_SRC, 8, 0);
            guestWrite(d, bar + TestDevice.REG_DMA_DST, 8, target);
            guestWrite(d, bar + TestDevice.REG_DMA_LEN, 4, 8);
            guestWrite(d, bar + TestDevice.REG_DMA_CMD, 4, 1);
            assertEquals(0x4, guestRead(d, bar + TestDevice.REG_DMA_STATUS, 4) & 0x4, "DMA to 0x" + Long.toHexString(target) + " failed");
            guestWrite(d, bar + TestDevice.REG_DMA_STATUS, 4, 0x6);
        }
        assertEquals(3, rig.pci.faults(1), "three stage-2 faults read back against guest1");
        assertEquals(0, rig.pci.faults(0));
        assertArrayEquals(dom0Before, snapshot(rig.dom0.ram().get(0).machine(), 1 << 20));
        assertArrayEquals(otherBefore, snapshot(other.ram().get(0).machine(), 1 << 20));
    }

    private byte[] snapshot(long machine, int len) {
        byte[] b = new byte[len];
        rig.host.machine.memory().read(machine, b, 0, len);
        return b;
    }

    @Test
    void quarantinedDeviceDmaIsAbortedAndCountedAgainstDomIo() {
        rig = new XenRig();
        rig.xen.assignableAdd("0000:00:01.0");
        TestDevice dev = (TestDevice) rig.host.machine.domain("/pcie@10000000").hierarchy().function(0, 0x08);
        byte[] before = snapshot(rig.dom0.ram().get(0).machine(), 1 << 16);
        long aborted = rig.host.machine.iommus().get("/iommu@9050000").faultCount();
        // Quarantine is an aborting STE (upstream disable_bypass): the SMMU aborts without an event record.
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, rig.dom0.ram().get(0).machine(), 8));
        assertEquals(aborted + 1, rig.host.machine.iommus().get("/iommu@9050000").faultCount(), "counted by the SMMU");
        assertEquals(0, rig.pci.faults(XenSmmuv3.DOM_IO), "no event record for an aborting STE");
        assertArrayEquals(before, snapshot(rig.dom0.ram().get(0).machine(), 1 << 16));
    }

    @Test
    void vslotIsHonouredAndAttachingTwiceIsRefused() {
        rig = new XenRig();
        rig.xen.assignableAdd("0000:00:02.0");
        XenDomain d = rig.domU(1, "guest1", 16 << 20);
        assertEquals("0000:00:05.0", rig.pci.attach(d, spec(2, 0, 5)).virtualBdf());
        assertEquals(TestDevice.VENDOR_ID, guestRead(d, GuestVpci.ECAM_BASE + (5 << 15), 2));
        HypervisorException e = assertThrows(HypervisorException.class, () -> rig.pci.attach(d, spec(2, 0, -1)));
        assertEquals("PCI device 0000:00:02.0 is already assigned to domain guest1", e.getMessage());
        XenDomain other = rig.domU(2, "guest2", 16 << 20);
        e = assertThrows(HypervisorException.class, () -> rig.pci.attach(other, spec(2, 0, -1)));
        assertEquals("PCI device 0000:00:02.0 is already assigned to domain guest1", e.getMessage());
    }

    @Test
    void badInputGetsOneLine() {
        rig = new XenRig();
        XenDomain d = rig.domU(1, "guest1", 16 << 20);
        assertEquals("PCI device 0000:00:02.0 is not assignable",
                assertThrows(HypervisorException.class, () -> rig.pci.attach(d, spec(2, 0, -1))).getMessage());
        assertEquals("PCI device 0000:00:02.1: only function 0 can be passed through",
                assertThrows(HypervisorException.class, () -> rig.pci.attach(d, spec(2, 1, -1))).getMessage());
        assertEquals("PCI device 0000:00:07.0 is not known to Xen (Dom0 has not reported it)",
                assertThrows(HypervisorException.class, () -> rig.xen.assignableAdd("0000:00:07.0")).getMessage());
        assertEquals("pci: 'zz' is not a BDF ([DDDD:]BB:DD.F)",
                assertThrows(HypervisorException.class, () -> rig.xen.assignableAdd("zz")).getMessage());
        rig.xen.assignableAdd("0000:00:02.0");
        assertEquals("PCI device 0000:00:02.0 is already assignable",
                assertThrows(HypervisorException.class, () -> rig.xen.assignableAdd("0000:00:02.0")).getMessage());
        assertEquals("PCI device 0000:00:01.0 is not assigned to domain guest1",
                assertThrows(HypervisorException.class, () -> rig.pci.detach(d, "0000:00:01.0")).getMessage());
        // seize=1 makes a Dom0 device assignable on the way.
        PciAssignment a = rig.pci.attach(d, new PciSpec(0, 0, 1, 0, -1, false, true));
        assertEquals("0000:00:00.0", a.virtualBdf());
        assertEquals("guest1", status("0000:00:01.0").owner());
    }

    @Test
    void destroyingADomainReturnsItsDevicesToQuarantine() {
        rig = new XenRig();
        rig.xen.assignableAdd("0000:00:02.0");
        XenDomain d = rig.domU(1, "guest1", 16 << 20);
        rig.pci.domainBuilt(d, List.of(spec(2, 0, -1)));
        enumerateAndEnable(d);
        rig.pci.domainDestroyed(d);
        assertEquals("dom_io", status("0000:00:02.0").owner());
        assertEquals(List.of("0000:00:02.0"), rig.xen.assignableList());
        assertEquals(0, d.ipaSpace().traps().stream().filter(t -> t.name().equals("vpci")).count());
    }

    @Test
    void hwdomVpciTrapsDom0sEcamAndSwitchesBackLive() {
        rig = new XenRig(false, true);
        XenDomain d0 = rig.dom0;
        AddressSpace ipa = d0.ipaSpace();
        assertTrue(d0.ipaSpace().traps().stream().anyMatch(t -> t.base() == XenRig.ECAM), "ECAM trapped for Dom0");
        // Dom0's enumeration went through the trap (nothing known yet: straight to the device).
        assertEquals(List.of("0000:00:00.0", "0000:00:01.0", "0000:00:02.0"),
                rig.pci.devices().stream().map(PciDeviceStatus::bdf).toList());
        assertEquals(TestDevice.DEVICE_ID << 16 | TestDevice.VENDOR_ID, ipa.read(XenRig.ECAM + (0x08 << 12), 4));
        // Dom0 turns decoding off then on: Xen unmaps and maps the BARs 1:1 in its P2M.
        ipa.write(XenRig.ECAM + (0x08 << 12) + 4, 2, 0x4);
        assertEquals(-1, d0.p2m().translate(HostRig.BAR0_01), "BAR0 unmapped while decoding is off");
        ipa.write(XenRig.ECAM + (0x08 << 12) + 4, 2, 0x6);
        assertEquals(HostRig.BAR0_01, d0.p2m().translate(HostRig.BAR0_01));
        rig.xen.setPolicy(null, "hwdom-config", "direct");
        assertFalse(d0.ipaSpace().traps().stream().anyMatch(t -> t.base() == XenRig.ECAM), "trap removed");
        assertEquals(XenRig.ECAM, d0.p2m().translate(XenRig.ECAM), "ECAM mapped 1:1 again");
        assertEquals(TestDevice.VENDOR_ID, ipa.read(XenRig.ECAM + (0x08 << 12), 2));
    }

    @Test
    void stoppingTheActivePolicyFallsBackToTheDefault() {
        rig = new XenRig(false, true);
        rig.pci.policyRegistry().remove("hwdom-config", rig.vpci);
        assertFalse(rig.dom0.ipaSpace().traps().stream().anyMatch(t -> t.base() == XenRig.ECAM));
        assertTrue(rig.xen.console().stream().anyMatch(l -> l.contains("vpci went away, falling back to direct")),
                String.join("\n", rig.xen.console()));
    }

    @Test
    void dom0sDevicesReachTheItsDoorbellThroughTheSmmuButNothingElseOutsideDom0() {
        rig = new XenRig();
        org.trapdoor.api.iommu.Iommu smmu = rig.host.machine.iommus().get("/iommu@9050000");
        org.trapdoor.api.memory.MemoryTransaction t = new org.trapdoor.api.memory.MemoryTransaction();
        t.write(0x0809_0040L, 4, 0).streamId = 0x08;
        smmu.translate(t);
        assertEquals(MemResult.OK, t.result, "GITS_TRANSLATER mapped in Dom0's stage 2");
        assertEquals(0x0809_0040L, t.address);
        t.write(0x0800_0000L, 4, 0).streamId = 0x08;
        smmu.translate(t);
        assertEquals(MemResult.ABORT, t.result, "the GIC distributor is not Dom0's to DMA into");
        assertEquals(1, rig.pci.faults(0), "read back against Domain-0");
    }

    @Test
    void theSmmuEventInterruptCountsADomUsStage2FaultsOnTheDomainItself() throws InterruptedException {
        rig = new XenRig();
        rig.xen.assignableAdd("0000:00:02.0");
        XenDomain d = rig.domU(1, "guest1", 16 << 20);
        rig.pci.domainBuilt(d, List.of(spec(2, 0, -1)));
        enumerateAndEnable(d);
        TestDevice dev = (TestDevice) rig.host.machine.domain("/pcie@10000000").hierarchy().function(0, 0x10);
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, 0x7000_0000L, 8));
        // Xen's tasklet reads the event queue after the SMMU's interrupt: wait for the count to arrive.
        while (d.dmaFaults() == 0) {
            Thread.sleep(1);
        }
        assertEquals(1, d.dmaFaults());
        assertEquals(1, rig.pci.faults(1));
    }
}
