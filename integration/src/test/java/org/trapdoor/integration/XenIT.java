package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.hypervisor.Toolstack;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.pci.MsiSource;

/**
 * Xen on the default platform in Felix, from the real bundles, driven as {@code xl} drives it:
 * through the {@link Hypervisor} and {@link Toolstack} services only. The machine is configured
 * with {@code hypervisor=xen} and Xen without its default guest, so each test starts from Dom0
 * owning both test endpoints.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class XenIT {
    private static final long TIMEOUT_MS = XenDom0.TIMEOUT_MS;
    private static final String ENDPOINT = "0000:00:02.0";
    /** libxl's vPCI windows in a DomU ({@code make_vpci_node}'s two ranges). */
    private static final long VPCI_MEM = 0x2300_0000L;
    private static final long VPCI_MEM_END = 0x3300_0000L;
    private static final long VPCI_PREFETCH = 0x1_0000_0000L;
    private static final long VPCI_PREFETCH_END = 0x2_0000_0000L;
    private static final long VPCI_ECAM = 0x1000_0000L;
    private static final long GUEST_RAM = 0x4000_0000L;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private XenDom0 dom0;
    private ServiceTracker<MachineInterrupts, MachineInterrupts> interrupts;
    private Hypervisor hv;
    private Toolstack xl;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Before
    public void bootXenWithDom0Only() throws Exception {
        dom0 = XenDom0.boot(context, configurationAdmin, h -> true, "Dom0 has not booted and reported its functions",
                Hypervisor::console);
        hv = dom0.hv;
        xl = dom0.xl;
        interrupts = new ServiceTracker<>(context, MachineInterrupts.class, null);
        interrupts.open();
    }

    @After
    public void close() {
        dom0.close();
        interrupts.close();
    }

    private PciDeviceStatus status(String bdf) {
        return hv.pciDevices().stream().filter(s -> s.bdf().equals(bdf)).findFirst()
                .orElseThrow(() -> new AssertionError(bdf + " unknown to Xen: " + hv.pciDevices()));
    }

    private Domain create(String file, String text) {
        return hv.create(xl.readConfig(file, text));
    }

    private static GuestPciDevice only(GuestKernel k) {
        List<GuestPciDevice> devs = k.pciDevices();
        assertEquals("the DomU sees exactly its function: " + devs + "\n" + String.join("\n", k.bootLog()), 1,
                devs.size());
        return devs.get(0);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void assignableCreateDetachAttachDestroyThroughTheServices() {
        GuestPciDevice host = hv.hardwareDomain().kernel().pciDevices().stream()
                .filter(d -> d.bdf().equals(ENDPOINT)).findFirst().orElseThrow();
        assertEquals("Domain-0", status(ENDPOINT).owner());

        hv.assignableAdd(xl.parseBdf("00:02.0").bdf());
        assertEquals(List.of(ENDPOINT), hv.assignableList());
        assertEquals("dom_io", status(ENDPOINT).owner());

        Domain g = create("guest1.cfg", "name = 'guest1'\nmemory = 128\nvcpus = 1\npci = [ '00:02.0' ]\n");
        assertEquals("guest1", status(ENDPOINT).owner());
        assertTrue(hv.assignableList().isEmpty());
        assertEquals(List.of("Domain-0", "guest1"), hv.domains().stream().map(Domain::name).toList());
        GuestPciDevice seen = only(g.kernel());
        assertEquals("0000:00:00.0", seen.bdf());
        assertEquals(host.vendorId(), seen.vendorId());
        assertEquals(host.deviceId(), seen.deviceId());
        assertEquals("memory decoding enabled", 0x2, seen.command() & 0x2);
        for (GuestBar b : seen.bars()) {
            GuestBar hb = host.bar(b.index());
            assertEquals("BAR" + b.index() + " sized as on the host", hb.size(), b.size());
            boolean inWindow = b.cpuAddress() >= VPCI_MEM && b.cpuAddress() + b.size() <= VPCI_MEM_END
                    || b.cpuAddress() >= VPCI_PREFETCH && b.cpuAddress() + b.size() <= VPCI_PREFETCH_END;
            assertTrue("BAR" + b.index() + " at 0x" + Long.toHexString(b.cpuAddress()) + " in the vPCI window", inWindow);
        }
        dmaRoundTripStaysInDomU(g, seen.bdf());

        hv.detach("guest1", ENDPOINT);
        assertEquals("dom_io", status(ENDPOINT).owner());
        assertEquals("abort", status(ENDPOINT).iommuContext());
        assertTrue(g.pci().isEmpty());

        hv.attach("guest1", xl.parsePciSpec("00:02.0"));
        assertEquals("guest1", status(ENDPOINT).owner());
        assertEquals(ENDPOINT, g.pci().get(0).hostBdf());
        assertTrue(xl.pciList(g).endsWith(" " + ENDPOINT + "\n"));

        hv.destroy("guest1");
        assertEquals("dom_io", status(ENDPOINT).owner());
        assertEquals(List.of(ENDPOINT), hv.assignableList());
        assertEquals(List.of("Domain-0"), hv.domains().stream().map(Domain::name).toList());
        hv.assignableRemove(ENDPOINT);
        assertEquals("Domain-0", status(ENDPOINT).owner());
    }

    /**
     * A pattern written into the DomU's RAM is read by its device (DMA from memory) and written
     * back elsewhere in that RAM (DMA to memory): both transfers reach the domain's own memory
     * through the IOMMU's stage 2.
     */
    private static void dmaRoundTripStaysInDomU(Domain g, String bdf) {
        AddressSpace ipa = g.ipaSpace();
        long src = GUEST_RAM + (16 << 20);
        long dst = GUEST_RAM + (17 << 20);
        for (int i = 0; i < 8; i++) {
            assertEquals(MemResult.OK, ipa.write(src + 8L * i, 8, 0x0123_4567_89ab_cdefL * (i + 1)));
            assertEquals(MemResult.OK, ipa.write(dst + 8L * i, 8, 0));
        }
        GuestDmaTest in = g.kernel().dmaTest(bdf, src, 64, false);
        assertTrue(in.message(), in.ok());
        GuestDmaTest out = g.kernel().dmaTest(bdf, dst, 64, true);
        assertTrue(out.message(), out.ok());
        for (int i = 0; i < 8; i++) {
            assertEquals("word " + i + " came back through the device", 0x0123_4567_89ab_cdefL * (i + 1),
                    ipa.read(dst + 8L * i, 8));
        }
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aDomUReachesOnlyItsFunctionAndItsMemory() throws InterruptedException {
        hv.assignableAdd(ENDPOINT);
        Domain g = create("guest1.cfg", "name='guest1'\nmemory=128\npci=['00:02.0']\n");
        Domain dom0 = hv.hardwareDomain();
        AddressSpace ipa = g.ipaSpace();
        assertEquals("a slot the DomU does not own reads all-ones", 0xffff_ffffL, ipa.read(VPCI_ECAM + (1 << 15), 4));
        assertEquals(0xffff_ffffL, ipa.read(VPCI_ECAM + (1 << 20), 4));

        // Dom0 sees the endpoint's config space through the real bridge (mapped 1:1 by default).
        long hostEcam = 0x40_1000_0000L;
        long hostCfg = hostEcam + (2 << 15);
        long before = dom0.ipaSpace().read(hostCfg + 0x40, 4);
        ipa.write(VPCI_ECAM + 0x40, 4, ~before & 0xffff_ffffL);
        assertEquals("a write to a register vPCI has no handler for is dropped", before,
                dom0.ipaSpace().read(hostCfg + 0x40, 4));

        // DMA to a bus address beyond the DomU's 128 MiB: without stage 2 it would reach Dom0's
        // RAM at that physical address; the IOMMU faults it and Xen counts it for the domain.
        long outside = GUEST_RAM + (256L << 20);
        long dom0Word = dom0.ipaSpace().read(outside, 8);
        long faults = g.dmaFaults();
        GuestDmaTest t = g.kernel().dmaRaw(only(g.kernel()).bdf(), outside, 64, true);
        assertFalse("DMA outside the domain's memory fails: " + t.message(), t.ok());
        // Xen reads the SMMU's event queue on its own thread (the event-queue interrupt), so the
        // count follows the fault shortly.
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (g.dmaFaults() <= faults && System.currentTimeMillis() < end) {
            Thread.sleep(1);
        }
        assertTrue("the fault is counted for the domain (" + faults + " -> " + g.dmaFaults() + ")",
                g.dmaFaults() > faults);
        assertEquals("Dom0's memory is untouched", dom0Word, dom0.ipaSpace().read(outside, 8));

        long aborts = g.stage2Aborts();
        ipa.read(0x7_0000_0000L, 4);
        assertTrue("an IPA neither mapped nor emulated is a counted stage-2 abort", g.stage2Aborts() > aborts);
        hv.destroy("guest1");
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void badToolstackInputIsOneLineAndLeavesNothingBehind() {
        List<String> messages = new ArrayList<>();
        String[][] bad = {
            {"unknown.cfg", "name='g'\ncolour='red'\n"},
            {"bdf.cfg", "name='g'\npci=['00:20.0']\n"},
            {"syntax.cfg", "name='g'\nmemory = ]\n"},
        };
        for (String[] f : bad) {
            messages.add(refused(() -> create(f[0], f[1])));
        }
        assertEquals("unknown.cfg:2: unknown parameter `colour'", messages.get(0));
        assertTrue(messages.get(1), messages.get(1).startsWith("bdf.cfg:2: unable to parse PCI_SPEC_STRING `00:20.0'"));
        assertEquals("syntax.cfg:2: config parsing error near `]': syntax error", messages.get(2));

        int frames = hv.domains().size();
        // Xen's own refusals: a function Dom0 still owns (no seize), then a second attach.
        String notAssignable = refused(() -> create("g.cfg", "name='g'\npci=['00:02.0']\n"));
        assertEquals(notAssignable, frames, hv.domains().size());
        assertEquals("Domain-0", status(ENDPOINT).owner());
        hv.assignableAdd(ENDPOINT);
        create("g.cfg", "name='g'\npci=['00:02.0']\n");
        String twice = refused(() -> hv.attach("g", xl.parsePciSpec("00:02.0")));
        assertNotEquals("", twice);
        assertFalse(twice, twice.contains("\n"));
        for (String m : List.of(notAssignable, twice)) {
            assertFalse(m, m.contains("\n"));
        }
        hv.destroy("g");
        assertEquals("dom_io", status(ENDPOINT).owner());
        assertEquals(1, hv.domains().size());
    }

    private static String refused(Runnable r) {
        try {
            r.run();
        } catch (HypervisorException e) {
            return e.getMessage();
        }
        throw new AssertionError("not refused");
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void policiesSwappedUnderDom0MsiTrafficLoseNothing() throws Exception {
        MachineInterrupts irq = interrupts.waitForService(TIMEOUT_MS);
        MsiSource endpoint = irq.msiSources().stream().filter(s -> s.requesterId() == 0x08).findFirst()
                .orElseThrow(() -> new AssertionError("no MSI source 00:01.0: " + irq.msiSources()));
        Traffic traffic = irq.traffic();
        InterruptCounters ledger = irq.msiLedger();
        GuestKernel dom0 = hv.hardwareDomain().kernel();
        long handled = dom0.interruptsHandled();
        InterruptCounters.Snapshot before = ledger.snapshot();
        long count = 200_000;
        AtomicReference<Traffic.Status> done = new AtomicReference<>();
        Thread burst = new Thread(() -> done.set(traffic.run(count, List.of(endpoint))), "xen-it-traffic");
        burst.start();
        List<String> kinds = hv.policies().stream().map(PolicyInfo::kind).distinct().toList();
        assertTrue(kinds.toString(), kinds.contains("hwdom-config") && kinds.contains("bridge-owner"));
        int swaps = 0;
        while (burst.isAlive() || swaps < 4) {
            hv.setPolicy(null, "hwdom-config", swaps % 2 == 0 ? "vpci" : "direct");
            hv.setPolicy(null, "bridge-owner", swaps % 2 == 0 ? "xen-init" : "dom0-init");
            swaps++;
        }
        burst.join();
        assertEquals(count, done.get().raised());
        InterruptCounters.Snapshot after = ledger.snapshot();
        assertEquals("nothing dropped while policies changed " + swaps + " times: " + after.byReason(),
                before.dropped(), after.dropped());
        assertEquals("every MSI reached Dom0's handler", handled + count, dom0.interruptsHandled());
        assertEquals("Dom0 still enumerates after the swaps", 3, hv.hardwareDomain().kernel().pciDevices().size());
    }
}
