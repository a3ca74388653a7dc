package org.trapdoor.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomuMsiPlumbing;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.irq.XenInterrupts;
import org.trapdoor.xen.passthrough.PciSubsystem;

/**
 * A DomU's MSIs under {@code domu-msi = vits}, end to end on the composed virt machine with the
 * Linux-like kernel in every domain: libxl's tree gets the virtual ITS as a child of the vGIC and
 * the vPCI node an {@code msi-map}; assignment maps the virtual DeviceID to the host's; the guest
 * probes the vITS, programs its device's MSI (trapped by vPCI) and each vector it raises reaches
 * its own handler on the LPI it set up, counted by the device and by the guest apart; detach
 * unmaps the host DeviceID.
 */
class DomuMsiEndToEndTest {
    static final String HOST_BDF = "0000:00:02.0";
    static final int HOST_DEVICE_ID = 0x10; // RID 00:02.0 through virt's identity msi-map

    XenRig rig;
    XenInterrupts irqs;
    PciSubsystem pci;

    static DomuMsiPolicy policy(String name) {
        return new DomuMsiPolicy() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return name + " (test)";
            }

            @Override
            public void apply(DomuMsiPlumbing d) {
                if (name.equals("vits")) {
                    d.virtualIts();
                } else if (name.equals("trap-remap")) {
                    d.trapAndRemap();
                } else {
                    d.noMsi();
                }
            }
        };
    }

    XenDomain boot(String mode) {
        rig = new XenRig("virt", Xen.Options.DEFAULT, "testdev,addr=01.0", "testdev,addr=02.0,msi=4");
        irqs = new XenInterrupts(rig.machine, rig.machine, rig.xen::heap);
        rig.xen.interrupts(VirtualInterrupts.of(irqs::attachDom0, irqs::attachDomU, irqs::destroy));
        pci = new PciSubsystem(rig.xen);
        rig.xen.pci(pci);
        XenComponent.wireMsi(rig.xen, irqs, pci);
        pci.policyRegistry().add(DomuMsiPolicy.KIND, policy("none"));
        pci.policyRegistry().add(DomuMsiPolicy.KIND, policy("vits"));
        pci.policyRegistry().add(DomuMsiPolicy.KIND, policy("trap-remap"));
        pci.policyRegistry().set(null, DomuMsiPolicy.KIND, mode);
        rig.xen.boot();
        return (XenDomain) rig.xen.create(new DomainConfig("guest1", 64, 1,
                List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
    }

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void underVitsTheTreeHasTheItsUnderTheVgicAndTheVpciNodeAnMsiMap() {
        XenDomain g = boot("vits");
        DtNode its = g.deviceTree().nodes().stream().filter(n -> n.has("msi-controller")).findFirst().orElseThrow();
        assertEquals(List.of("arm,gic-v3-its"), its.compatibles());
        assertEquals(List.of("arm,gic-v3"), its.parent().compatibles(), "a child of the vGIC");
        assertEquals(XenInterrupts.GUEST_ITS_BASE, its.reg().get(0).address());
        assertEquals(1, its.u32("#msi-cells", 0));
        DtNode vpci = g.deviceTree().node("/pcie@10000000");
        IdMap map = IdMap.msiMap(vpci);
        assertNotNull(map, "the vPCI node has an msi-map");
        IdMap.Result r = map.map(0x0008);
        assertTrue(r.translated());
        assertEquals(its.path(), r.target().path());
        assertEquals(0x0008, r.id(), "virtual RID 00:01.0 is virtual DeviceID 8");
    }

    @Test
    void underNoneTheTreeHasNoMsiControllerAndTheCapabilityIsHidden() {
        XenDomain g = boot("none");
        assertFalse(g.deviceTree().nodes().stream().anyMatch(n -> n.has("msi-controller")));
        assertFalse(g.deviceTree().node("/pcie@10000000").has("msi-map"));
        GuestPciDevice d = g.kernel().pciDevices().get(0);
        assertTrue(d.capabilities().isEmpty(), "no capability at all: " + d.capabilities());
        assertTrue(g.kernel().msiVectors().isEmpty());
    }

    @Test
    void guest1sDeviceRaisesAndItsHandlerGetsExactlyTheVectorsItProgrammed() {
        XenDomain g = boot("vits");
        assertNotNull(irqs.hostIts().get(0).device(HOST_DEVICE_ID),
                "the DomU's MAPD of its virtual DeviceID mapped the host DeviceID: " + g.kernel().bootLog());
        List<GuestMsiVector> vectors = g.kernel().msiVectors();
        assertEquals(4, vectors.size(), String.join("\n", g.kernel().bootLog()));
        assertTrue(vectors.stream().allMatch(v -> v.mode() == GuestMsiVector.Mode.MSI
                && v.target() == GuestMsiVector.Target.LPI), vectors.toString());
        assertEquals(XenInterrupts.GUEST_ITS_BASE + 0x10040, vectors.get(0).address(), "the vITS doorbell (an IPA)");
        GuestPciDevice dev = g.kernel().pciDevices().get(0);
        long bar0 = dev.bar(0).cpuAddress();
        int[] raises = {5, 0, 3, 8};
        long total = 0;
        for (int v = 0; v < raises.length; v++) {
            for (int i = 0; i < raises[v]; i++) {
                assertEquals(MemResult.OK, g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, v));
                total++;
            }
        }
        assertEquals(total, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4), "the device sent every message");
        List<GuestMsiVector> after = g.kernel().msiVectors();
        for (int v = 0; v < raises.length; v++) {
            assertEquals(raises[v], after.get(v).count(), "vector " + v);
        }
        assertEquals(total, irqs.ledger().delivered(), "Xen injected each once");
        assertEquals(0, irqs.ledger().dropped(DropReason.DOMU_NO_MSI));
        assertEquals(0, irqs.virtualIts(g).get(0).commandErrors());

        rig.xen.detach("guest1", HOST_BDF);
        assertNull(irqs.hostIts().get(0).device(HOST_DEVICE_ID), "detach unmapped the host DeviceID");
    }

    @Test
    void switchingToNoneDropsTheSameMsisAsDomuNoMsiAndBackDeliversAgain() {
        XenDomain g = boot("vits");
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 1);
        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "none");
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 1);
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 1);
        // Under none the doorbell is out of the device's stage 2: each message faults in the SMMU, counted.
        assertEquals(2, rig.machine.msiLedger().dropped(DropReason.IOMMU_FAULT));
        assertEquals(0, irqs.ledger().dropped(DropReason.DOMU_NO_MSI), "none reached Xen");
        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "vits");
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 1);
        assertEquals(2, g.kernel().msiVectors().get(1).count());
        assertEquals(2, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4), "the two that faulted were not sent");
    }

    // ================================================================ trap-remap

    static final int MSI = TestDevice.MSI_CAP;
    static final int MASK = MSI + 16, PENDING = MSI + 20;

    /** The guest's own count for an INTID (its /proc/interrupts line), apart from its MSI bookkeeping. */
    static long handled(XenDomain g, int intid) {
        return g.kernel().interruptCounts().stream().filter(c -> c.intid() == intid)
                .mapToLong(org.trapdoor.api.guest.GuestIrqCount::count).sum();
    }

    long cfg(XenDomain g, int reg, int size) {
        return g.ipaSpace().read(org.trapdoor.xen.vpci.GuestVpci.ECAM_BASE + reg, size);
    }

    void cfgWrite(XenDomain g, int reg, int size, long value) {
        g.ipaSpace().write(org.trapdoor.xen.vpci.GuestVpci.ECAM_BASE + reg, size, value);
    }

    @Test
    void underTrapRemapTheGuestSeesAV2mFrameAndGetsTheSpisItProgrammedFromXensOwnVectors() {
        XenDomain g = boot("trap-remap");
        DtNode frame = g.deviceTree().nodes().stream().filter(n -> n.has("msi-controller")).findFirst().orElseThrow();
        assertEquals(List.of("arm,gic-v2m-frame"), frame.compatibles());
        assertEquals(List.of("arm,gic-v3"), frame.parent().compatibles());
        assertEquals(frame.phandle(), g.deviceTree().node("/pcie@10000000").u32("msi-parent", -1));

        List<GuestMsiVector> vectors = g.kernel().msiVectors();
        assertEquals(4, vectors.size(), String.join("\n", g.kernel().bootLog()));
        for (GuestMsiVector v : vectors) {
            assertEquals(GuestMsiVector.Target.SPI, v.target());
            assertEquals(XenInterrupts.GUEST_V2M_BASE + 0x40, v.address(), "the guest composed for its frame");
            assertEquals(XenInterrupts.GUEST_V2M_FIRST_SPI + v.vector(), v.intid());
        }
        var remap = irqs.remap(g, 0);
        assertNotNull(remap);
        // The device itself carries Xen's message: the real doorbell (through the stage 2) and EventID 0.
        var host = irqs.hostIts().get(0).device(HOST_DEVICE_ID);
        assertNotNull(host, "Xen mapped the device on the host ITS for its own vectors");
        for (int v = 0; v < 4; v++) {
            assertEquals(XenInterrupts.GUEST_V2M_FIRST_SPI + v, remap.guestSpi(v), "remembered what the guest asked");
            assertEquals(host.hostLpi(v), remap.hostLpi(v));
        }

        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        int[] raises = {2, 7, 0, 4};
        long total = 0;
        for (int v = 0; v < raises.length; v++) {
            for (int i = 0; i < raises[v]; i++) {
                assertEquals(MemResult.OK, g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, v));
                total++;
            }
        }
        assertEquals(total, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4));
        List<GuestMsiVector> after = g.kernel().msiVectors();
        for (int v = 0; v < raises.length; v++) {
            assertEquals(raises[v], after.get(v).count(), "vector " + v);
            assertEquals(raises[v], handled(g, XenInterrupts.GUEST_V2M_FIRST_SPI + v),
                    "SPI " + (XenInterrupts.GUEST_V2M_FIRST_SPI + v));
        }
        assertEquals(total, irqs.ledger().delivered());
        assertEquals(0, remap.refused());
    }

    @Test
    void underTrapRemapMaskAndPendingAreMirroredAndNothingIsLost() {
        XenDomain g = boot("trap-remap");
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        cfgWrite(g, MASK, 4, 1 << 2); // the guest masks vector 2
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 2);
        assertEquals(1, g.ipaSpace().read(bar0 + TestDevice.REG_MSG_PENDED, 4), "the device holds it: mask mirrored");
        assertEquals(0, g.kernel().msiVectors().get(2).count());
        assertEquals(1 << 2, cfg(g, PENDING, 4), "the guest reads the device's pending bit");
        cfgWrite(g, MASK, 4, 0);
        assertEquals(1, g.kernel().msiVectors().get(2).count(), "unmasked: the pending message reached the guest once");
        assertEquals(0, cfg(g, PENDING, 4));
    }

    @Test
    void aMessageOutsideTheGuestsFrameIsRefusedAndCounted() {
        XenDomain g = boot("trap-remap");
        var remap = irqs.remap(g, 0);
        int control = (int) cfg(g, MSI + 2, 2);
        cfgWrite(g, MSI + 2, 2, control & ~1); // disable
        cfgWrite(g, MSI + 4, 4, XenInterrupts.GUEST_DOORBELL_BASE + 0x40); // the real doorbell's IPA
        cfgWrite(g, MSI + 2, 2, control | 1);
        assertEquals(1, remap.refused());
        assertEquals(0, cfg(g, MSI + 2, 2) & 1, "enable refused: the capability stays disabled");
        cfgWrite(g, MSI + 4, 4, XenInterrupts.GUEST_V2M_BASE + 0x40);
        cfgWrite(g, MSI + 12, 2, XenInterrupts.GUEST_V2M_FIRST_SPI + 1); // a block of 4 not aligned on the frame
        cfgWrite(g, MSI + 2, 2, control | 1);
        assertEquals(2, remap.refused());
        cfgWrite(g, MSI + 12, 2, XenInterrupts.GUEST_V2M_FIRST_SPI + 4);
        cfgWrite(g, MSI + 2, 2, control | 1);
        assertEquals(1, cfg(g, MSI + 2, 2) & 1);
        assertEquals(XenInterrupts.GUEST_V2M_FIRST_SPI + 4, remap.guestSpi(0));
    }

    @Test
    void aRunningGuestIsNotHandedTheOtherKindOfControllerAndKeepsItsMsis() {
        XenDomain g = boot("trap-remap");
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        org.trapdoor.api.hypervisor.HypervisorException refused = org.junit.jupiter.api.Assertions.assertThrows(
                org.trapdoor.api.hypervisor.HypervisorException.class,
                () -> pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, "vits"));
        assertTrue(refused.getMessage().contains("cannot be hot-plugged"), refused.getMessage());
        assertEquals("trap-remap", irqs.msiPlumbing(g).active(), "refused: the guest's tree has a v2m frame");
        // What the listing (Hypervisor.policies()) and active() say is what is in force, not the refused choice.
        assertEquals("trap-remap", pci.policyRegistry().active(DomuMsiPolicy.KIND, "guest1").name());
        assertTrue(pci.policies().stream().noneMatch(p -> "guest1".equals(p.domain()) && "vits".equals(p.active())),
                pci.policies().toString());
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 0);
        assertEquals(1, g.kernel().msiVectors().get(0).count());
    }

    // ================================================================ switches under traffic

    @Test
    void switchingVitsAndNoneUnderTrafficLosesAndDuplicatesNothing() throws Exception {
        switchUnderTraffic("vits");
    }

    @Test
    void switchingTrapRemapAndNoneUnderTrafficLosesAndDuplicatesNothing() throws Exception {
        switchUnderTraffic("trap-remap");
    }

    /**
     * The device raises flat out from one thread while another switches guest1 between
     * {@code mechanism} and {@code none}: each message the device sent (its own counter) is either
     * handled by the guest (the guest's own per-INTID counts) or dropped by Xen as DOMU_NO_MSI (or
     * merged with one still pending), never both and never twice; afterwards the guest receives
     * the vectors it programmed.
     */
    void switchUnderTraffic(String mechanism) throws Exception {
        XenDomain g = boot(mechanism);
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        List<GuestMsiVector> vectors = g.kernel().msiVectors();
        int total = 20_000;
        Thread traffic = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, i & 3);
            }
        });
        traffic.start();
        int switches = 0;
        while (traffic.isAlive()) {
            pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, (switches++ & 1) == 0 ? "none" : mechanism);
        }
        traffic.join();
        pci.policyRegistry().set("guest1", DomuMsiPolicy.KIND, mechanism);
        assertTrue(switches > 2, "the policy switched while the device raised: " + switches);
        long sent = g.ipaSpace().read(bar0 + TestDevice.REG_MSG_SENT, 4);
        // Under none the doorbell is out of the device's stage 2: a message then faults in the SMMU
        // (counted by the machine) and the device does not count it sent.
        long faulted = rig.machine.msiLedger().dropped(DropReason.IOMMU_FAULT);
        assertEquals(total, sent + faulted, "every raise either sent or faulted in the SMMU (MSI enabled, nothing masked)");
        long handled = 0;
        for (GuestMsiVector v : vectors) {
            handled += handled(g, v.intid());
        }
        var x = irqs.ledger();
        assertEquals(sent, x.fired(), "Xen took each message sent once");
        assertEquals(handled, x.delivered(), "each injection handled once by the guest");
        assertEquals(sent, handled + x.dropped(DropReason.DOMU_NO_MSI) + x.dropped(DropReason.COALESCED),
                "every message handled or dropped for the policy, none lost, none twice");
        assertTrue(x.dropped(DropReason.DOMU_NO_MSI) + faulted > 0 && handled > 0, "both outcomes happened");
        long before = handled(g, vectors.get(3).intid());
        g.ipaSpace().write(bar0 + TestDevice.REG_RAISE, 4, 3);
        assertEquals(before + 1, handled(g, vectors.get(3).intid()), "the guest still gets the vector it programmed");
    }
}
