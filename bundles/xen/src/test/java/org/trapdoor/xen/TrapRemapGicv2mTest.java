package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.irq.XenInterrupts;
import org.trapdoor.xen.irq.remap.BackendMsiArch;
import org.trapdoor.xen.passthrough.PciSubsystem;

/**
 * Trap-remap on a host without an ITS (virt-gicv2m: GIC-400, one v2m frame at 0x08020000 with
 * INTIDs 80..143, no IOMMU): the GICv2m model's backend gives Xen the frame's SPIs as vectors. Xen
 * takes an aligned block of them from the top of the frame (Dom0 keeps the rest), programs the
 * DomU's device with the frame's physical doorbell and its own SPI, and routes each SPI with the
 * HW bit to the SPI the guest programmed into its virtual frame. Counts are held against the
 * device's own sent counter and the guest's own per-INTID counts, apart from each other.
 */
class TrapRemapGicv2mTest {
    static final long V2M_DOORBELL = 0x0802_0040L;
    XenRig rig;
    XenInterrupts irqs;
    PciSubsystem pci;
    XenDomain dom0;

    XenDomain boot(String mode) {
        return boot(org.trapdoor.core.Presets.load(new org.trapdoor.devicetree.DeviceTreeService(), "virt-gicv2m"),
                mode);
    }

    XenDomain boot(org.trapdoor.api.dt.DeviceTree tree, String mode) {
        rig = new XenRig(tree, Xen.Options.DEFAULT, "testdev,addr=01.0,msi=4", "testdev,addr=02.0,msi=4");
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

    long raise(XenDomain g, long bar0, int vector, int times) {
        for (int i = 0; i < times; i++) {
            assertEquals(MemResult.OK, g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, vector));
        }
        return times;
    }

    @Test
    void theGuestGetsTheSpisItProgrammedFromAnAlignedBlockOfTheHostFramesSpis() {
        XenDomain g = boot("trap-remap");
        DtNode frame = g.deviceTree().nodes().stream().filter(n -> n.has("msi-controller")).findFirst().orElseThrow();
        assertEquals(List.of("arm,gic-v2m-frame"), frame.compatibles());
        List<GuestMsiVector> vectors = g.kernel().msiVectors();
        assertEquals(4, vectors.size(), String.join("\n", g.kernel().bootLog()));
        BackendMsiArch remap = irqs.remapBackend(g, 0);
        assertNotNull(remap, "the device is served through the v2m frame's backend");
        assertEquals("gicv2m", remap.kind());
        int first = remap.hostVector(0);
        Set<Integer> hostSpis = new HashSet<>();
        for (int v = 0; v < 4; v++) {
            assertEquals(XenInterrupts.GUEST_V2M_FIRST_SPI + v, vectors.get(v).intid());
            assertEquals(XenInterrupts.GUEST_V2M_FIRST_SPI + v, remap.guestSpi(v));
            assertEquals(first + v, remap.hostVector(v));
            hostSpis.add(80 + first + v);
        }
        assertEquals(0, (80 + first) % 4, "a block of 4 aligned on its data (the SPI)");
        // The device itself carries Xen's message: the frame's physical doorbell (no IOMMU) and Xen's SPI.
        PciFunction hw = device(0x10);
        int ctrl = hw.configRead(TestDevice.MSI_CAP + 2, 2);
        assertEquals(1, ctrl & 1, "MSI enabled on the device");
        assertEquals(2, (ctrl >> 4) & 7, "4 messages");
        long addr = hw.configRead(TestDevice.MSI_CAP + 4, 4) & 0xffff_ffffL
                | (long) hw.configRead(TestDevice.MSI_CAP + 8, 4) << 32;
        assertEquals(V2M_DOORBELL, addr);
        assertEquals(80 + first, hw.configRead(TestDevice.MSI_CAP + 12, 2));
        // Dom0's own vectors are SPIs Xen did not take.
        for (GuestMsiVector d : dom0.kernel().msiVectors()) {
            assertTrue(!hostSpis.contains(d.intid()), "Dom0 keeps " + d.intid());
        }

        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        long dom0Before = dom0.kernel().msiVectors().stream().mapToLong(GuestMsiVector::count).sum();
        int[] raises = {3, 0, 6, 1};
        long total = 0;
        for (int v = 0; v < 4; v++) {
            total += raise(g, bar0, v, raises[v]);
        }
        assertEquals(total, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4), "the device sent every message");
        List<GuestMsiVector> after = g.kernel().msiVectors();
        for (int v = 0; v < 4; v++) {
            assertEquals(raises[v], after.get(v).count(), "vector " + v);
            assertEquals(raises[v], DomuMsiEndToEndTest.handled(g, XenInterrupts.GUEST_V2M_FIRST_SPI + v),
                    "the guest's own count of SPI " + (XenInterrupts.GUEST_V2M_FIRST_SPI + v));
        }
        assertEquals(dom0Before,
                dom0.kernel().msiVectors().stream().mapToLong(GuestMsiVector::count).sum(),
                "none of the DomU's messages reached Dom0");
        assertEquals(0, remap.refused());

        // Dom0's device still reaches Dom0's handlers through the SPIs it kept.
        TestDevice d0 = device(0x08);
        List<GuestMsiVector> dom0Vectors = dom0.kernel().msiVectors();
        long c0 = dom0Vectors.get(0).count();
        d0.raise(0);
        assertEquals(c0 + 1, dom0.kernel().msiVectors().get(0).count());
    }

    @Test
    void maskAndPendingAreMirroredToTheDevice() {
        XenDomain g = boot("trap-remap");
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        long ecam = org.trapdoor.xen.vpci.GuestVpci.ECAM_BASE;
        g.ipaSpace().write(ecam + TestDevice.MSI_CAP + 16, 4, 1 << 1);
        raise(g, bar0, 1, 1);
        assertEquals(1, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_PENDED, 4), "the device holds it");
        assertEquals(0, g.kernel().msiVectors().get(1).count());
        assertEquals(1 << 1, g.ipaSpace().read(ecam + TestDevice.MSI_CAP + 20, 4));
        g.ipaSpace().write(ecam + TestDevice.MSI_CAP + 16, 4, 0);
        assertEquals(1, g.kernel().msiVectors().get(1).count(), "delivered once on unmask");
    }

    @Test
    void underNoneTheSpisAreDroppedAsDomuNoMsiAndBackDeliversAgain() {
        XenDomain g = boot("trap-remap");
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        raise(g, bar0, 2, 1);
        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "none");
        raise(g, bar0, 2, 3);
        assertEquals(3, irqs.ledger().dropped(DropReason.DOMU_NO_MSI));
        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "trap-remap");
        raise(g, bar0, 2, 1);
        assertEquals(2, DomuMsiEndToEndTest.handled(g, XenInterrupts.GUEST_V2M_FIRST_SPI + 2));
        assertEquals(5, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4));
    }

    @Test
    void detachGivesTheSpisBackToDom0() {
        XenDomain g = boot("trap-remap");
        BackendMsiArch remap = irqs.remapBackend(g, 0);
        int spi = 80 + remap.hostVector(0);
        rig.xen.detach("guest1", "0000:00:02.0");
        assertEquals(-1, remap.hostVector(0), "the block went back to the pool");
        // A second domain's device gets a block again: nothing leaked.
        rig.xen.destroy("guest1");
        XenDomain g2 = (XenDomain) rig.xen.create(new DomainConfig("guest2", 64, 1,
                List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
        BackendMsiArch again = irqs.remapBackend(g2, 0);
        assertNotNull(again, String.join("\n", g2.kernel().bootLog()));
        assertEquals(spi, 80 + again.hostVector(0), "the same block, free again");
        assertNotEquals(-1, again.hostVector(3));
    }

    @Test
    void aBridgeWhoseMsiControllerOffersNoBackendIsRefusedInOneCountedLineAndTheGuestSeesNoMsi() {
        // The bridge names an MSI controller no model binds (nothing can tell its vectors apart for Xen).
        String src = org.trapdoor.core.Presets.source("virt-gicv2m")
                .replace("msi-parent = <&v2m>;", "msi-parent = <&other>;")
                .replace("\ttimer {", "\tother: msi@a000000 {\n\t\tcompatible = \"vendor,unknown-msi\";\n"
                        + "\t\tmsi-controller;\n\t\treg = <0x0 0x0a000000 0x0 0x1000>;\n\t};\n\n\ttimer {");
        XenDomain g = boot(new org.trapdoor.devicetree.DeviceTreeService().parseDts(src, "unknown-msi"), "trap-remap");
        assertEquals("trap-remap", irqs.msiPlumbing(g).active(), "the policy holds: the v2m frame has a backend");
        List<String> refusals = irqs.remapRefusals();
        assertEquals(1, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).contains("/msi@a000000 has no model bound"), refusals.get(0));
        assertTrue(!refusals.get(0).contains("Exception"), refusals.get(0));
        assertTrue(g.kernel().msiVectors().isEmpty(), "no MSI for the guest: " + g.kernel().msiVectors());
        assertTrue(g.kernel().pciDevices().get(0).capabilities().isEmpty(), "the capability is hidden");
        assertEquals(null, irqs.remapBackend(g, 0));
    }
}
