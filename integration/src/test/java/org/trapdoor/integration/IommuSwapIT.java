package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.trapdoor.api.guest.GuestDmaMapping;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.integration.MsiRig.Vector;

/**
 * The {@code virt} preset's SMMUv3 in the upstream path of the test endpoints, with the guest
 * driving it: DMA the guest mapped reaches RAM, DMA outside the domain faults with an
 * architected event record and leaves RAM alone, MSIs reach the guest through the doorbell IOVA
 * the guest mapped. While the SMMU node is unbound (or its driver bundle stopped) every DMA and
 * MSI write is aborted and counted on the node; once it is back, it picks the stream table and
 * page tables up from RAM and translation resumes with no guest action.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class IommuSwapIT {
    private static final String SMMU = "smmu";
    private static final String SMMUV3 = "smmuv3";
    private static final String SMMUV3_BUNDLE = "org.trapdoor.hw.smmuv3";
    /** Background traffic rate, as in {@link MsiSwapIT}. */
    private static final long RATE = 50_000;
    /** Outcomes each phase of a swap waits for before moving on. */
    private static final long PHASE = 400;
    /** Unbind/rebind cycles per scenario. */
    private static final int CYCLES = 3;
    /** Live swaps of the bound SMMU under flat-out traffic. */
    private static final int LIVE_SWAPS = 10;
    /** MSIs per vector in a synchronous traffic run. */
    private static final int PER_VECTOR = 250;
    /** SMMUv3 event ID of F_TRANSLATION. */
    private static final int F_TRANSLATION = 0x10;
    /** The fault count in the SMMUv3 model's summary ("...; 3 faults, 3 events ..."). */
    /** Where the DMA buffers lie: low in RAM, far below the guest's top-down page allocations. */
    private static final long BUFFERS = 0x100_0000;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private MsiRig rig;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    /**
     * Boots {@code virt} once the SMMUv3 driver service is there, so the machine binds the SMMU
     * node as it is composed and the guest finds an SMMU to drive (a guest that booted before
     * would do DMA without one for good).
     */
    @Before
    public void bootVirt() throws Exception {
        MsiRig.await("the " + SMMUV3 + " driver service", () -> {
            try {
                for (ServiceReference<HardwareDriver> r : context.getServiceReferences(HardwareDriver.class, null)) {
                    HardwareDriver d = context.getService(r);
                    try {
                        if (d != null && SMMUV3.equals(d.name())) {
                            return true;
                        }
                    } finally {
                        context.ungetService(r);
                    }
                }
                return false;
            } catch (InvalidSyntaxException e) {
                throw new AssertionError(e);
            }
        });
        rig = new MsiRig(context, configurationAdmin);
        rig.boot("virt", MsiRig.ITS);
    }

    @After
    public void closeRig() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void theGuestGivesEachTestEndpointADomainOnTheSmmuUnderItsStreamId() {
        NodeInfo smmu = rig.machine().node(SMMU);
        assertEquals(NodeState.BOUND, smmu.state());
        assertEquals(SMMUV3, smmu.driver());
        assertTrue("the guest enabled the SMMU: " + smmu.summary(), smmu.summary().contains("SMMUv3 enabled"));
        for (GuestPciDevice d : endpoints()) {
            GuestIommuDomain dom = domain(d.bdf());
            assertEquals(dom.toString(), smmu.path(), dom.iommu());
            assertEquals(dom.toString(), "SMMUv3", dom.kind());
            assertEquals("iommu-map is the identity: " + dom, Vector.requesterId(d.bdf()), dom.streamId());
            assertTrue("the MSI doorbell is mapped: " + dom,
                    dom.mappings().stream().anyMatch(m -> "msi".equals(m.purpose())));
        }
        for (GuestMsiVector v : rig.guest().msiVectors()) {
            GuestIommuDomain dom = domain(v.bdf());
            assertTrue("the vector's doorbell address is an IOVA of the domain: " + v + " in " + dom,
                    mapped(dom, v.address()));
        }
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aDmaTheGuestMappedReachesRamThroughTheSmmu() {
        String bdf = endpoint();
        long from = buffer(0);
        long to = buffer(1);
        PhysicalMemory ram = rig.machine().memory();
        long faults = smmuFaults();
        ram.store64(from, 0x0123_4567_89AB_CDEFL);
        ram.store64(to, 0);

        GuestDmaTest in = rig.guest().dmaTest(bdf, from, 8, false);
        GuestDmaTest out = rig.guest().dmaTest(bdf, to, 8, true);

        assertTrue(in.message(), in.ok() && in.translated());
        assertTrue(out.message(), out.ok() && out.translated());
        assertEquals("the endpoint read RAM through one IOVA and wrote it through another", 0x0123_4567_89AB_CDEFL,
                ram.load64(to));
        assertEquals("no fault: " + rig.machine().node(SMMU).summary(), faults, smmuFaults());
        assertEquals("the streaming mappings are gone again: " + domain(bdf), 0,
                domain(bdf).mappings().stream().filter(m -> "dma".equals(m.purpose())).count());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aRawDmaToAnIovaOutsideTheDomainFaultsIsRecordedInTheEventQueueAndLeavesRamAlone() {
        String bdf = endpoint();
        GuestIommuDomain dom = domain(bdf);
        // The IOVA is a RAM address: without translation (or with bypass) the write would land there.
        long iova = buffer(2);
        assertFalse("the IOVA is outside the domain: " + dom, mapped(dom, iova));
        PhysicalMemory ram = rig.machine().memory();
        ram.store64(iova, 0x5A5A_5A5A_5A5A_5A5AL);
        long faults = smmuFaults();
        int recordsBefore = rig.guest().iommuFaults().size();
        long abortsBefore = rig.machine().node(SMMU).upstreamAborts();

        GuestDmaTest r = rig.guest().dmaRaw(bdf, iova, 8, true);

        assertFalse("the endpoint reports the DMA failed: " + r.message(), r.ok());
        assertEquals(r.message(), iova, r.faultAddress());
        assertEquals("RAM at the IOVA is untouched", 0x5A5A_5A5A_5A5A_5A5AL, ram.load64(iova));
        assertEquals("the SMMU counted one fault: " + rig.machine().node(SMMU).summary(), faults + 1, smmuFaults());
        List<IommuFault> records = rig.guest().iommuFaults();
        assertEquals("one event record for the faulting write: " + records, recordsBefore + 1, records.size());
        IommuFault f = records.get(records.size() - 1);
        assertEquals(f.toString(), IommuFault.Kind.TRANSLATION, f.kind());
        assertEquals(f.toString(), F_TRANSLATION, f.code());
        assertEquals(f.toString(), dom.streamId(), f.streamId());
        assertEquals(f.toString(), iova, f.address());
        assertTrue(f.toString(), f.write());
        assertFalse(f.toString(), f.stage2());
        assertEquals("a fault is the SMMU's, not an unbound node's", abortsBefore,
                rig.machine().node(SMMU).upstreamAborts());

        GuestDmaTest after = rig.guest().dmaTest(bdf, buffer(1), 8, true);
        assertTrue("the endpoint still DMAs through its mappings: " + after.message(), after.ok());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aTrafficRunThroughTheSmmuDeliversEveryMsiToTheGuest() {
        List<Vector> targets = rig.targets();
        Map<Vector, Long> countsBefore = rig.counts();
        InterruptCounters.Snapshot before = rig.ledger().snapshot();
        long n = (long) targets.size() * PER_VECTOR;
        long aborts = rig.machine().node(SMMU).upstreamAborts();
        long faults = smmuFaults();

        Traffic.Status s = rig.traffic().run(n, rig.sources());

        InterruptCounters.Snapshot after = rig.ledger().snapshot();
        assertEquals(s.toString(), n, s.raised());
        assertEquals("fired: " + after, n, after.fired() - before.fired());
        assertEquals("delivered: " + after, n, after.delivered() - before.delivered());
        assertEquals("dropped: " + after, 0, after.dropped() - before.dropped());
        Map<Vector, Long> countsAfter = rig.counts();
        for (Vector t : targets) {
            assertEquals("guest count of " + t, PER_VECTOR, countsAfter.get(t) - countsBefore.get(t));
        }
        assertEquals(aborts, rig.machine().node(SMMU).upstreamAborts());
        assertEquals("no MSI write faulted in the SMMU", faults, smmuFaults());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void unbindingTheSmmuUnderTrafficAbortsAndCountsMsisAndDmaUntilItIsBoundAgainWithNoGuestAction() {
        swapUnderTraffic(() -> rig.machine().unbind(SMMU), () -> rig.machine().autoBind(SMMU));
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void bindingTheUnboundSmmuByNameUnderTrafficResumesFromTheTablesInMemory() {
        swapUnderTraffic(() -> rig.machine().unbind(SMMU), () -> rig.machine().bind(SMMU, SMMUV3));
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void stoppingTheSmmuv3BundleUnderTrafficAbortsUntilItsDriverServiceComesBack() {
        Bundle b = bundle(SMMUV3_BUNDLE);
        swapUnderTraffic(() -> bundleAction(b, false), () -> bundleAction(b, true));
    }

    /**
     * {@code bind smmu smmuv3} while the SMMU is bound, under traffic as fast as it goes: a fresh
     * model takes the old one's registers and carries on from the tables in RAM. The node is
     * never without a model, so nothing is aborted on it and no MSI is dropped.
     */
    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void bindingTheBoundSmmuByNameUnderTrafficHandsOverWithoutDroppingAnything() {
        String bdf = endpoint();
        Map<Vector, GuestMsiVector> setUp = rig.vectors();
        long handledBefore = rig.handled();
        long abortsBefore = rig.machine().node(SMMU).upstreamAborts();
        Traffic traffic = rig.traffic();
        LedgerWatch w = new LedgerWatch(rig);
        traffic.start(0, rig.sources());
        try {
            for (int i = 0; i < LIVE_SWAPS; i++) {
                w.awaitGrowth("deliveries before swap " + i, w::delivered, PHASE);
                rig.machine().bind(SMMU, SMMUV3);
                awaitNode(NodeState.BOUND, SMMUV3);
                w.awaitGrowth("deliveries after swap " + i, w::delivered, PHASE);
                GuestDmaTest out = rig.guest().dmaTest(bdf, buffer(1), 8, true);
                assertTrue("DMA through the fresh model after swap " + i + ": " + out.message(), out.ok());
            }
        } finally {
            traffic.stop();
        }
        w.sample();
        assertEquals("one outcome per raise", traffic.status().raised(), w.fired());
        w.assertDevicesAgree(traffic.status().raised());
        assertEquals("nothing dropped in a live swap: " + rig.ledger().snapshot(), 0, w.dropped());
        assertEquals("the guest handled each delivered MSI once", w.delivered(), rig.handled() - handledBefore);
        assertEquals("nothing aborted on the node: it always had a model", abortsBefore,
                rig.machine().node(SMMU).upstreamAborts());
        assertSameSetUp(setUp);
    }

    // ---- scenario ----

    /**
     * Background MSI traffic over every device while the SMMU is taken away and given back
     * {@link #CYCLES} times. While it is away: MSIs are dropped as IOMMU_UNBOUND and none is
     * delivered, a DMA is aborted without touching RAM, and both are counted on the node. Once it
     * is back: delivery resumes with no further drop, and a DMA the guest maps reaches RAM. At
     * the end the ledger accounts for every raise, the node's aborts for every IOMMU_UNBOUND drop
     * and aborted DMA, the guest handled each delivered MSI once, and its set-up is unchanged.
     */
    private void swapUnderTraffic(Runnable takeAway, Runnable giveBack) {
        String bdf = endpoint();
        PhysicalMemory ram = rig.machine().memory();
        Map<Vector, GuestMsiVector> setUp = rig.vectors();
        long handledBefore = rig.handled();
        long abortsBefore = rig.machine().node(SMMU).upstreamAborts();
        int recordsBefore = rig.guest().iommuFaults().size();
        long dmaAborts = 0;
        Traffic traffic = rig.traffic();
        LedgerWatch w = new LedgerWatch(rig);
        traffic.start(RATE, rig.sources());
        try {
            for (int i = 0; i < CYCLES; i++) {
                w.awaitGrowth("deliveries before cycle " + i, w::delivered, PHASE);

                takeAway.run();
                awaitNode(NodeState.UNBOUND, null);
                long delivered = w.delivered();
                w.awaitGrowth("IOMMU_UNBOUND drops in cycle " + i, () -> w.dropped(DropReason.IOMMU_UNBOUND), PHASE);
                assertEquals("nothing delivered while the SMMU is unbound (cycle " + i + ")", delivered,
                        w.delivered());
                assertTrue("MSI writes counted on the node (cycle " + i + ")",
                        rig.machine().node(SMMU).upstreamAborts() - abortsBefore >= PHASE);

                long target = buffer(1);
                long canary = 0xC0DE_0000L + i;
                ram.store64(target, canary);
                GuestDmaTest lost = rig.guest().dmaRaw(bdf, target, 8, true);
                dmaAborts++;
                assertFalse("a DMA while the SMMU is unbound is aborted: " + lost.message(), lost.ok());
                assertEquals("an aborted DMA does not reach RAM (cycle " + i + ")", canary, ram.load64(target));

                giveBack.run();
                awaitNode(NodeState.BOUND, SMMUV3);
                long unboundDrops = w.dropped(DropReason.IOMMU_UNBOUND);
                w.awaitGrowth("deliveries after rebinding in cycle " + i, w::delivered, PHASE);
                assertEquals("no MSI dropped once the SMMU is bound again (cycle " + i + ")", unboundDrops,
                        w.dropped(DropReason.IOMMU_UNBOUND));

                long from = buffer(0);
                ram.store64(from, 0xFEED_0000L + i);
                GuestDmaTest in = rig.guest().dmaTest(bdf, from, 8, false);
                GuestDmaTest out = rig.guest().dmaTest(bdf, target, 8, true);
                assertTrue("DMA through the rebound SMMU: " + in.message(), in.ok() && in.translated());
                assertTrue("DMA through the rebound SMMU: " + out.message(), out.ok() && out.translated());
                assertEquals("the rebound SMMU translates by the page tables in RAM (cycle " + i + ")",
                        0xFEED_0000L + i, ram.load64(target));
            }
        } finally {
            traffic.stop();
        }
        w.assertAllAccountedFor(rig.handled() - handledBefore);
        assertEquals("the only drops are IOMMU_UNBOUND: " + rig.ledger().snapshot(),
                w.dropped(DropReason.IOMMU_UNBOUND), w.dropped());
        assertTrue("drops while unbound: " + rig.ledger().snapshot(),
                w.dropped(DropReason.IOMMU_UNBOUND) >= CYCLES * PHASE);
        assertEquals("the node counted every aborted MSI write and DMA: " + rig.ledger().snapshot(),
                w.dropped(DropReason.IOMMU_UNBOUND) + dmaAborts,
                rig.machine().node(SMMU).upstreamAborts() - abortsBefore);
        assertEquals("the SMMU faulted nothing: " + rig.guest().iommuFaults(), recordsBefore,
                rig.guest().iommuFaults().size());
        assertSameSetUp(setUp);
    }

    /** No guest action: the same vectors with the same messages, none masked, none re-counted. */
    private void assertSameSetUp(Map<Vector, GuestMsiVector> before) {
        Map<Vector, GuestMsiVector> now = rig.vectors();
        assertEquals("the same vectors", before.keySet(), now.keySet());
        for (Map.Entry<Vector, GuestMsiVector> e : before.entrySet()) {
            GuestMsiVector b = e.getValue();
            GuestMsiVector a = now.get(e.getKey());
            assertEquals(b + " -> " + a, b.address(), a.address());
            assertEquals(b + " -> " + a, b.data(), a.data());
            assertEquals(b + " -> " + a, b.intid(), a.intid());
            assertFalse(b + " -> " + a, a.masked());
            assertTrue("counts only grow (no re-probe): " + b + " -> " + a, a.count() >= b.count());
        }
    }

    // ---- helpers ----

    /** The test endpoints the guest enumerated: the functions the machine's MSI sources are. */
    private List<GuestPciDevice> endpoints() {
        List<GuestPciDevice> out = rig.sources().stream().map(s -> rig.device(s.requesterId())).toList();
        assertFalse("test endpoints on virt", out.isEmpty());
        for (GuestPciDevice d : out) {
            assertNotNull("the guest enumerated every test endpoint: " + rig.guest().pciDevices(), d);
        }
        return out;
    }

    private String endpoint() {
        return endpoints().get(0).bdf();
    }

    private GuestIommuDomain domain(String bdf) {
        for (GuestIommuDomain d : rig.guest().iommuDomains()) {
            if (d.bdf().equals(bdf)) {
                return d;
            }
        }
        throw new AssertionError("no IOMMU domain for " + bdf + ": " + rig.guest().iommuDomains() + "; log: "
                + rig.bootLogTail());
    }

    private static boolean mapped(GuestIommuDomain d, long iova) {
        for (GuestDmaMapping m : d.mappings()) {
            if (Long.compareUnsigned(iova - m.iova(), m.length()) < 0) {
                return true;
            }
        }
        return false;
    }

    /** Page {@code i} of the test's buffers, in the first RAM bank. */
    private long buffer(int i) {
        for (NodeInfo n : rig.machine().nodes()) {
            if (n.path().startsWith("/memory") && !n.reg().isEmpty()) {
                long a = n.reg().get(0).address() + BUFFERS + i * 0x1000L;
                assertTrue("RAM at 0x" + Long.toHexString(a), rig.machine().memory().isRam(a, 0x1000));
                return a;
            }
        }
        throw new AssertionError("no memory node");
    }

    /** The fault count of the SMMU model bound now, read through the machine's IOMMU view. */
    private long smmuFaults() {
        Iommu smmu = rig.interrupts().iommus().get(rig.machine().node(SMMU).path());
        assertNotEquals("the SMMU is bound: " + rig.machine().node(SMMU), null, smmu);
        return smmu.faultCount();
    }

    private void awaitNode(NodeState state, String driver) {
        MsiRig.await(SMMU + " " + state + (driver == null ? "" : " to " + driver), () -> {
            NodeInfo n = rig.machine().node(SMMU);
            return n != null && n.state() == state && (driver == null || driver.equals(n.driver()));
        });
    }

    private static void bundleAction(Bundle b, boolean start) {
        try {
            if (start) {
                b.start();
            } else {
                b.stop();
            }
        } catch (BundleException e) {
            throw new AssertionError((start ? "starting " : "stopping ") + b.getSymbolicName() + ": " + e, e);
        }
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("bundle " + bsn + " is not installed");
    }
}
