package org.trapdoor.xen.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestInterrupts;
import org.trapdoor.api.guest.GuestKernelFactory;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.guest.IrqFabric;
import org.trapdoor.guest.LinuxKernel;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.domain.GuestLayout;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.mm.DomainAddressSpace;
import org.trapdoor.xen.mm.P2m;
import org.trapdoor.xen.mm.P2mType;

/**
 * Xen on the composed virt machine (without the IOMMU, whose driver is another part of Xen):
 * Dom0's kernel boots on its IPA space, probes the vGIC and the vITS at the host's addresses,
 * sets up its test endpoint's MSI-X vectors through the vITS, and each MSI the endpoint raises
 * travels host ITS -> host LPI -> Xen -> Dom0's virtual LPI -> Dom0's handler.
 */
class Dom0MsiEndToEndTest {
    static final String BDF = "0000:00:01.0";
    ComposedMachine machine;
    LinuxKernel dom0Kernel;
    Xen xen;
    XenDomain dom0;

    /** The guest's IRQ fabric over the domain's interrupt wiring. */
    static IrqFabric fabric(GuestInterrupts gi) {
        return new IrqFabric() {
            @Override
            public InterruptController interruptController(String node) {
                return gi.interruptController(node);
            }

            @Override
            public void attach(String node, InterruptSink sink) {
                gi.attach(node, sink);
            }
        };
    }

    @AfterEach
    void tearDown() {
        if (dom0Kernel != null) {
            dom0Kernel.close();
        }
        if (machine != null) {
            machine.close();
        }
    }

    XenInterrupts boot(String... devices) {
        machine = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt-noiommu"));
        machine.addDriver(new EcamDriver());
        machine.addDriver(new Gicv3Driver());
        machine.addDriver(new ItsDriver());
        machine.addFactory(new TestDeviceFactory());
        for (String d : devices) {
            machine.attach(d);
        }
        GuestKernelFactory kernels = (platform, cmdline) -> {
            dom0Kernel = LinuxKernel.boot(platform.name(), platform.memory(), platform.deviceTree(),
                    fabric(platform.interrupts()));
            return dom0Kernel;
        };
        xen = new Xen(machine, kernels, new Xen.Options(256L << 20, 1, 40));
        XenInterrupts irqs = new XenInterrupts(machine, machine, xen::heap);
        xen.interrupts(irqs);
        dom0 = xen.boot();
        assertNotNull(dom0.kernel(), "Dom0 booted");
        return irqs;
    }

    @Test
    void dom0MsisThroughTheVitsExactPerVectorWithTheLedgersBalanced() {
        XenInterrupts irqs = boot("testdev,addr=01.0,msi=4,msix=8");
        List<GuestMsiVector> vectors = dom0Kernel.msiVectors().stream().filter(v -> v.bdf().equals(BDF)).toList();
        assertEquals(8, vectors.size(), String.join("\n", dom0Kernel.bootLog()));
        assertTrue(vectors.stream().allMatch(v -> v.target() == GuestMsiVector.Target.LPI));
        assertEquals(1, irqs.hostIts().get(0).mappedDevices(), "Dom0's MAPD became a host MAPD");
        assertNotNull(irqs.hostIts().get(0).device(0x8), "Dom0's DeviceID (RID 00:01.0) is the host DeviceID");
        assertEquals(32, irqs.hostIts().get(0).device(0x8).events(), "8 events rounded up to an LPI block");
        GuestPciDevice dev = dom0Kernel.pciDevices().stream().filter(d -> d.bdf().equals(BDF)).findFirst().orElseThrow();
        long bar0 = dev.bar(0).cpuAddress();
        int[] raises = {3, 1, 0, 7, 2, 5, 4, 6};
        long total = 0;
        for (int v = 0; v < raises.length; v++) {
            for (int i = 0; i < raises[v]; i++) {
                assertEquals(MemResult.OK, machine.system().write(bar0 + TestDevice.REG_RAISE, 4, v));
                total++;
            }
        }
        List<GuestMsiVector> after = dom0Kernel.msiVectors().stream().filter(v -> v.bdf().equals(BDF)).toList();
        for (int v = 0; v < raises.length; v++) {
            assertEquals(raises[v], after.get(v).count(), "vector " + v);
        }
        InterruptCounters m = machine.msiLedger();
        InterruptCounters x = irqs.ledger();
        assertEquals(total, m.fired(), "every raise in the machine's ledger once");
        assertEquals(total, m.delivered(), "every MSI made a host LPI pending");
        assertEquals(m.delivered(), x.fired(), "Xen took each host LPI once");
        assertEquals(total, x.delivered(), "and injected each into Dom0");
        assertEquals(total, after.stream().mapToLong(GuestMsiVector::count).sum(), "which handled each");
        assertFalse(irqs.summary().isEmpty());
    }

    @Test
    void underTrafficFromTwoDevicesEveryMsiHasOneFateAndTheLedgersBalance() throws Exception {
        XenInterrupts irqs = boot("testdev,addr=01.0,msi=4,msix=4", "testdev,addr=02.0,msi=4,msix=4");
        List<org.trapdoor.api.pci.MsiSource> sources = machine.msiSources();
        assertEquals(2, sources.size());
        int perThread = 20_000;
        Thread[] threads = new Thread[sources.size()];
        for (int t = 0; t < threads.length; t++) {
            org.trapdoor.api.pci.MsiSource src = sources.get(t);
            threads[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    src.raise(i & 3);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        InterruptCounters m = machine.msiLedger();
        InterruptCounters x = irqs.ledger();
        long handled = dom0Kernel.msiVectors().stream().mapToLong(GuestMsiVector::count).sum();
        assertEquals(2L * perThread, m.fired(), "every raise counted once by the machine");
        assertEquals(m.delivered(), x.fired(), "every host LPI delivered was taken by Xen once");
        assertEquals(x.delivered(), handled, "every injection handled by Dom0 once");
        assertEquals(m.fired(), handled + m.dropped() + x.dropped(), "and every other MSI dropped with a reason");
        assertEquals(m.dropped(), m.dropped(org.trapdoor.api.irq.DropReason.COALESCED), "only merges with a pending one");
        assertEquals(x.dropped(), x.dropped(org.trapdoor.api.irq.DropReason.COALESCED));
        // Raises of a vector while it is still pending merge with it (on 2 busy cores, about half).
        assertTrue(handled > 0);
        for (GuestMsiVector v : dom0Kernel.msiVectors()) {
            assertTrue(v.count() <= perThread / 4, v + " handled more than its device raised");
        }
    }

    @Test
    void dom0ProbesTheVgicAndVitsAsXensHardware() {
        boot();
        List<String> log = dom0Kernel.bootLog();
        assertTrue(log.stream().anyMatch(l -> l.contains("GICv3") && l.contains("SPIs")), String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.contains("ITS@")), String.join("\n", log));
        Map<String, InterruptController> ics = machine.interruptControllers();
        assertEquals(1, ics.size());
        long doorbell = 0x0808_0000L + 0x10040;
        assertEquals(doorbell, dom0.p2m().translate(doorbell), "the doorbell page is mapped 1:1 for Dom0's devices");
        assertEquals(P2mType.MMIO_DIRECT_DEV, dom0.p2m().type(doorbell));
        assertEquals(0x5800_034cL, dom0.ipaSpace().read(0x0808_0004L, 4), "Dom0 reads the vITS's GITS_IIDR");
        assertEquals(0x34cL, dom0.ipaSpace().read(0x0800_0008L, 4), "and the vGIC's GICD_IIDR");
    }

    @Test
    void aDomuGetsAVgicAtXensGuestLayoutAndNoLpis() {
        XenInterrupts irqs = boot();
        P2m p2m = new P2m(machine.memory(), xen.heap(), 1, 40);
        XenDomain domU = new XenDomain(1, "guest1", false, 2, p2m, new DomainAddressSpace("d1", p2m, machine.system()));
        GuestInterrupts gi = irqs.attachDomU(domU);
        long typer = domU.ipaSpace().read(GuestLayout.GICV3_GICD_BASE + 4, 4);
        assertEquals(0, typer & (1 << 17), "no LPIs: DomUs have no ITS");
        assertEquals(1, typer & 0x1f, "32 SPIs");
        assertEquals(10, ((typer >>> 19) & 0x1f) + 1);
        long rd1 = domU.ipaSpace().read(GuestLayout.GICV3_GICR0_BASE + GuestLayout.GICV3_RDIST_STRIDE + 8, 8);
        assertEquals(1, (rd1 >>> 8) & 0xffff, "vCPU 1's redistributor");
        assertEquals(1 << 4, rd1 & (1 << 4), "the last one");
        assertEquals(0, domU.ipaSpace().read(GuestLayout.GICV3_GICR0_BASE + 0x70, 8), "PROPBASER RAZ without an ITS");
        assertEquals(null, gi.interruptController("/nonexistent"));
        irqs.destroy(domU);
        long aborts = domU.stage2Aborts();
        assertEquals(0xffff_ffffL, domU.ipaSpace().read(GuestLayout.GICV3_GICD_BASE + 4, 4), "traps gone");
        assertEquals(aborts + 1, domU.stage2Aborts());
    }
}
