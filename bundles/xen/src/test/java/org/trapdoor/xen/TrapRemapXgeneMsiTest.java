package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.core.Presets;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.xgene.msi.XgeneMsiDriver;
import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.irq.XenInterrupts;
import org.trapdoor.xen.irq.remap.BackendMsiArch;
import org.trapdoor.xen.passthrough.PciSubsystem;

/**
 * Trap-remap through a vendor MSI controller whose vectors share SPIs: the X-Gene v1 MSI block
 * ({@code apm,xgene1-msi}, 16 groups of 8 read-to-clear index registers of 16 vectors, one SPI per
 * group) as the generic ECAM bridge's {@code msi-parent} on a GICv2 host (the virt-gicv2m tree with
 * the block added at 0x0a000000, SPIs 48..63; the real mustang has the same block behind X-Gene
 * bridges, which Xen has no driver for). Xen takes a block of vectors from the top (group 15,
 * index 7), Dom0's driver allocates from the bottom; on a group SPI Xen reads MSIINTn and the
 * index registers holding its vectors, injects the guest's SPIs, keeps Dom0's bits for Dom0 and
 * passes the SPI on when Dom0 has work; Dom0's reads of the block are trapped so it never sees or
 * clears a vector of Xen's. Counted against the devices' own sent counts and each guest's own
 * handled counts.
 */
class TrapRemapXgeneMsiTest {
    static final long BLOCK = 0x0a00_0000L;
    /** Dom0's vector on group 15 (hwirq 15: group 15, index 0), the group of Xen's block. */
    static final int SHARED = 15;
    XenRig rig;
    XenInterrupts irqs;
    PciSubsystem pci;
    XenDomain dom0;

    static String tree() {
        StringBuilder irqs = new StringBuilder();
        for (int n = 0; n < 16; n++) {
            irqs.append(n == 0 ? "" : ", ").append("<0 ").append(16 + n).append(" 4>");
        }
        String src = Presets.source("virt-gicv2m");
        src = src.replace("msi-parent = <&v2m>;", "msi-parent = <&xmsi>;");
        return src.replace("\ttimer {", "\txmsi: msi@a000000 {\n\t\tcompatible = \"apm,xgene1-msi\";\n\t\tmsi-controller;\n"
                + "\t\treg = <0x0 0x0a000000 0x0 0x900000>;\n\t\tinterrupts = " + irqs + ";\n\t};\n\n\ttimer {");
    }

    XenDomain boot(String mode) {
        rig = new XenRig(new DeviceTreeService().parseDts(tree(), "virt-gicv2m+xgene-msi"), Xen.Options.DEFAULT,
                "testdev,addr=01.0,msi=1,msix=16", "testdev,addr=02.0,msi=4,msix=0");
        rig.machine.addDriver(new XgeneMsiDriver());
        irqs = new XenInterrupts(rig.machine, rig.machine, rig.xen::heap);
        rig.xen.interrupts(VirtualInterrupts.of(irqs::attachDom0, irqs::attachDomU, irqs::destroy));
        pci = new PciSubsystem(rig.xen);
        rig.xen.pci(pci);
        XenComponent.wireMsi(rig.xen, irqs, pci);
        for (String p : List.of("none", "vits", "trap-remap")) {
            pci.policyRegistry().add(DomuMsiPolicy.KIND, DomuMsiEndToEndTest.policy(p));
        }
        pci.policyRegistry().set(null, DomuMsiPolicy.KIND, mode);
        dom0 = rig.xen.boot();
        return (XenDomain) rig.xen.create(new DomainConfig("guest1", 64, 1,
                List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
    }

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    TestDevice device(int devfn) {
        return (TestDevice) rig.machine.domain("/pcie@10000000").hierarchy().function(0, devfn);
    }

    static long sum(List<GuestMsiVector> v) {
        return v.stream().mapToLong(GuestMsiVector::count).sum();
    }

    @Test
    void theGuestGetsItsSpisFromVectorsXenFoundInTheIndexRegistersAndDom0KeepsItsOwn() {
        XenDomain g = boot("trap-remap");
        List<GuestMsiVector> vectors = g.kernel().msiVectors();
        assertEquals(4, vectors.size(), String.join("\n", g.kernel().bootLog()) + irqs.remapRefusals());
        BackendMsiArch remap = irqs.remapBackend(g, 0);
        assertNotNull(remap);
        assertEquals("xgene-msi", remap.kind());
        int first = remap.hostVector(0);
        assertEquals(0, first % 4, "an aligned block");
        TestDevice hw = device(0x10);
        long addr = hw.configRead(TestDevice.MSI_CAP + 4, 4) & 0xffff_ffffL
                | (long) hw.configRead(TestDevice.MSI_CAP + 8, 4) << 32;
        assertEquals(BLOCK + ((long) (first / 16) << 16), addr, "the index register's own address");
        assertEquals(first % 16, hw.configRead(TestDevice.MSI_CAP + 12, 2), "data = the bit in it");
        List<GuestMsiVector> d0 = dom0.kernel().msiVectors();
        assertEquals(16, d0.size(), String.join("\n", dom0.kernel().bootLog()));
        // Dom0's 16 vectors are index 0 of every group: its last shares group 15's SPI with Xen's block.
        assertEquals(BLOCK + ((8L * 15) << 16), d0.get(SHARED).address());
        assertEquals(15, first / 16 / 8, "Xen's block is in group 15");

        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        TestDevice own = device(0x08);
        long d0Before = sum(d0);
        int[] raises = {4, 1, 0, 7};
        long total = 0;
        for (int v = 0; v < 4; v++) {
            for (int i = 0; i < raises[v]; i++) {
                assertEquals(MemResult.OK, g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, v));
                own.raise(SHARED); // Dom0's device on the same block, in between
                total++;
            }
        }
        assertEquals(total, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4));
        List<GuestMsiVector> after = g.kernel().msiVectors();
        for (int v = 0; v < 4; v++) {
            assertEquals(raises[v], after.get(v).count(), "vector " + v);
            assertEquals(raises[v], DomuMsiEndToEndTest.handled(g, XenInterrupts.GUEST_V2M_FIRST_SPI + v));
        }
        assertEquals(d0Before + total, sum(dom0.kernel().msiVectors()), "Dom0 got each of its own, none of the DomU's");
        assertEquals(d0.get(SHARED).count() + total, dom0.kernel().msiVectors().get(SHARED).count());
        assertEquals(0, remap.refused());
    }

    @Test
    void bothDevicesRaisingAtOnceLoseAndDuplicateNothing() throws Exception {
        XenDomain g = boot("trap-remap");
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        TestDevice own = device(0x08);
        long d0Before = sum(dom0.kernel().msiVectors());
        int n = 5_000;
        Thread a = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, i & 3);
            }
        });
        Thread b = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                own.raise(SHARED);
            }
        });
        long coalescedBefore = rig.machine.msiLedger().dropped(DropReason.COALESCED);
        a.start();
        b.start();
        a.join();
        b.join();
        long domU = 0;
        for (GuestMsiVector v : g.kernel().msiVectors()) {
            domU += DomuMsiEndToEndTest.handled(g, v.intid());
        }
        long dom0Handled = sum(dom0.kernel().msiVectors()) - d0Before;
        long sent = g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4) + n;
        long coalesced = rig.machine.msiLedger().dropped(DropReason.COALESCED) - coalescedBefore;
        assertEquals(sent, domU + dom0Handled + coalesced,
                "each message handled by its own guest once, or merged at the block with one still set");
        assertTrue(domU > 0 && dom0Handled > 0);
        assertEquals(0, rig.machine.msiLedger().dropped() - coalesced - 0, "nothing else dropped");
    }

    @Test
    void underNoneTheVectorsAreDroppedAsDomuNoMsiAndDom0IsUntouched() {
        XenDomain g = boot("trap-remap");
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "none");
        long d0Before = sum(dom0.kernel().msiVectors());
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 1);
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 2);
        device(0x08).raise(SHARED);
        assertEquals(2, irqs.ledger().dropped(DropReason.DOMU_NO_MSI));
        assertEquals(d0Before + 1, sum(dom0.kernel().msiVectors()));
        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "trap-remap");
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 1);
        assertEquals(1, DomuMsiEndToEndTest.handled(g, XenInterrupts.GUEST_V2M_FIRST_SPI + 1));
    }

    @Test
    void switchingWithNoneWhileBothDevicesRaiseLosesAndDuplicatesNothing() throws Exception {
        XenDomain g = boot("trap-remap");
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        TestDevice own = device(0x08);
        long d0Before = sum(dom0.kernel().msiVectors());
        int n = 10_000;
        Thread a = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, i & 3);
                own.raise(SHARED);
            }
        });
        a.start();
        int switches = 0;
        while (a.isAlive()) {
            pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, (switches++ & 1) == 0 ? "none" : "trap-remap");
        }
        a.join();
        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "trap-remap");
        long domU = 0;
        for (GuestMsiVector v : g.kernel().msiVectors()) {
            domU += DomuMsiEndToEndTest.handled(g, v.intid());
        }
        long noMsi = irqs.ledger().dropped(DropReason.DOMU_NO_MSI);
        long merged = rig.machine.msiLedger().dropped(DropReason.COALESCED)
                + irqs.ledger().dropped(DropReason.COALESCED);
        long dom0Handled = sum(dom0.kernel().msiVectors()) - d0Before;
        assertEquals(n, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4));
        assertTrue(switches > 2, "switched under traffic: " + switches);
        assertEquals(2L * n, domU + noMsi + dom0Handled + merged,
                "each message handled by its own guest, dropped for the policy, or merged; none twice");
        assertTrue(domU > 0 && noMsi > 0 && dom0Handled > 0, domU + " " + noMsi + " " + dom0Handled);
    }
}
