package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;

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
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.hypervisor.Toolstack;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.memory.AddressSpace;

/**
 * DomU MSIs with the real policy bundles in Felix (issue 13): guest1 is created under each
 * {@code domu-msi} mechanism, its kernel sets its device's MSIs up through what its tree offers
 * (a virtual ITS, or a GICv2m-style frame under trap-remap), and while the device raises flat out
 * the policy is switched between the mechanism and {@code none} through the {@link Hypervisor}
 * service. Judged from counts kept apart: the device's own (BAR0), the guest's per-INTID counts and
 * Xen's interrupt ledger; never from log text.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class DomuMsiIT {
    private static final String ENDPOINT = "0000:00:02.0";
    /** TestDevice's RAISE and MSG_SENT registers in BAR0. */
    private static final int REG_RAISE = 0x30, REG_MSG_SENT = 0x44;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private XenDom0 dom0;
    private Hypervisor hv;
    private Toolstack xl;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Before
    public void bootXenWithDom0Only() throws Exception {
        dom0 = XenDom0.boot(context, configurationAdmin, h -> available(h, "domu-msi").size() >= 3,
                "Dom0 has not booted, or the domu-msi bundles are not all there", Hypervisor::policies);
        hv = dom0.hv;
        xl = dom0.xl;
    }

    @After
    public void close() {
        dom0.close();
    }

    private static List<String> available(Hypervisor hv, String kind) {
        return hv.policies().stream().filter(p -> p.kind().equals(kind) && p.domain() == null).findFirst()
                .map(PolicyInfo::available).orElse(List.of());
    }

    private Domain guest1(String mechanism) {
        hv.setPolicy(null, "domu-msi", mechanism); // system-wide before the domain is built: libxl's tree follows it
        return hv.create(xl.readConfig("guest1.cfg", "name = 'guest1'\nmemory = 128\nvcpus = 1\n"
                + "pci = [ '00:02.0,seize=1' ]\n"));
    }

    private static long handled(Domain g, List<GuestMsiVector> vectors) {
        long n = 0;
        for (GuestIrqCount c : g.kernel().interruptCounts()) {
            for (GuestMsiVector v : vectors) {
                if (v.intid() == c.intid()) {
                    n += c.count();
                }
            }
        }
        return n;
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void vitsUnderTrafficSwitchedWithNoneLosesAndDuplicatesNothing() throws Exception {
        switchUnderTraffic("vits", GuestMsiVector.Target.LPI);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void trapRemapUnderTrafficSwitchedWithNoneLosesAndDuplicatesNothing() throws Exception {
        switchUnderTraffic("trap-remap", GuestMsiVector.Target.SPI);
    }

    private void switchUnderTraffic(String mechanism, GuestMsiVector.Target target) throws Exception {
        Domain g = guest1(mechanism);
        assertEquals("guest1", hv.pciDevices().stream().filter(s -> s.bdf().equals(ENDPOINT)).findFirst()
                .orElseThrow().owner());
        List<GuestMsiVector> vectors = g.kernel().msiVectors();
        assertTrue("the guest set MSIs up through its " + mechanism + ": " + vectors + "\n"
                + String.join("\n", g.kernel().bootLog()), !vectors.isEmpty());
        assertTrue(vectors.toString(), vectors.stream().allMatch(v -> v.target() == target));
        GuestPciDevice dev = g.kernel().pciDevices().get(0);
        long bar0 = dev.bar(0).cpuAddress();
        AddressSpace ipa = g.ipaSpace();
        InterruptCounters x = hv.interruptLedger();
        long fired0 = x.fired(), delivered0 = x.delivered(), noMsi0 = x.dropped(DropReason.DOMU_NO_MSI),
                coalesced0 = x.dropped(DropReason.COALESCED), handled0 = handled(g, vectors);
        long sent0 = ipa.read(bar0 + REG_MSG_SENT, 4);
        // Under none the doorbell leaves the device's stage 2: a message then faults in the SMMU
        // (the machine's ledger counts it) and the device does not count it sent.
        InterruptCounters machine = context.getService(context.getServiceReference(MachineInterrupts.class))
                .msiLedger();
        long faulted0 = machine.dropped(DropReason.IOMMU_FAULT);
        int n = vectors.size();
        int total = 20_000;
        Thread traffic = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                ipa.write(bar0 + REG_RAISE, 4, i % n);
            }
        }, "domu-msi traffic");
        traffic.start();
        int switches = 0;
        long longest = 0;
        while (traffic.isAlive()) {
            long t0 = System.nanoTime();
            hv.setPolicy("guest1", "domu-msi", (switches++ & 1) == 0 ? "none" : mechanism);
            longest = Math.max(longest, System.nanoTime() - t0);
        }
        traffic.join();
        hv.setPolicy("guest1", "domu-msi", mechanism);
        System.out.printf("domu-msi %s <-> none: %d switches under traffic, longest switch %d us%n", mechanism,
                switches, longest / 1000);
        assertTrue("the policy switched while the device raised: " + switches, switches > 2);
        long sent = ipa.read(bar0 + REG_MSG_SENT, 4) - sent0;
        long handled = handled(g, vectors) - handled0;
        long fired = x.fired() - fired0;
        long delivered = x.delivered() - delivered0;
        long noMsi = x.dropped(DropReason.DOMU_NO_MSI) - noMsi0;
        long coalesced = x.dropped(DropReason.COALESCED) - coalesced0;
        long faulted = machine.dropped(DropReason.IOMMU_FAULT) - faulted0;
        assertEquals("every raise sent or faulted in the SMMU under none", total, sent + faulted);
        assertEquals("Xen took each message once", sent, fired);
        assertEquals("each injection handled once by the guest", delivered, handled);
        assertEquals("every message handled or dropped for the policy", sent, handled + noMsi + coalesced);
        assertTrue("both outcomes happened: handled " + handled + ", DOMU_NO_MSI " + noMsi + ", faulted " + faulted,
                handled > 0 && noMsi + faulted > 0);
        long before = handled(g, vectors);
        ipa.write(bar0 + REG_RAISE, 4, 0);
        assertEquals("the guest still receives the vector it programmed", before + 1, handled(g, vectors));
        hv.destroy("guest1");
    }
}
