package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotSame;
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
import org.osgi.service.cm.ConfigurationAdmin;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.integration.MsiRig.Vector;

/**
 * MSIs from the two test endpoints through the real ITS or GICv2m frame to the guest's CPUs,
 * while the MSI controller is unbound, rebound, its driver bundle stopped and started, or the
 * controller itself replaced: every MSI ends in exactly one counted outcome in the machine's
 * ledger ({@code fired = delivered + dropped}, sampled while traffic runs), the guest handles
 * each delivered one exactly once, and delivery resumes after a rebind with no guest action.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class MsiSwapIT {
    /** Background traffic rate: a phase of {@link #PHASE} outcomes lasts some milliseconds, sampled many times. */
    private static final long RATE = 50_000;
    /** Outcomes each phase of a swap waits for before moving on. */
    private static final long PHASE = 400;
    /** Unbind/rebind cycles per scenario. */
    private static final int CYCLES = 3;
    /** Live swaps of the bound ITS under flat-out traffic. */
    private static final int LIVE_SWAPS = 10;
    /** MSIs per vector in a synchronous traffic run. */
    private static final int PER_VECTOR = 250;
    private static final String ITS_BUNDLE = "org.trapdoor.hw.gicv3.its";

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private MsiRig rig;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Before
    public void openRig() {
        rig = new MsiRig(context, configurationAdmin);
    }

    @After
    public void closeRig() {
        rig.close();
    }

    // ---- GICv3 + ITS ----

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aTrafficRunThroughTheItsReachesEveryVectorOfTheGuestExactlyItsShare() throws Exception {
        rig.boot("virt", MsiRig.ITS);
        runAndCheck(GuestMsiVector.Target.LPI, MsiRig.ITS);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void unbindingTheItsUnderTrafficDropsAndCountsUntilItIsBoundAgainWithNoGuestAction() throws Exception {
        rig.boot("virt", MsiRig.ITS);
        swapUnderTraffic("its", "gicv3-its", () -> rig.machine().unbind("its"), () -> rig.machine().autoBind("its"));
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void stoppingTheItsBundleUnderTrafficDropsUntilItsDriverServiceComesBack() throws Exception {
        rig.boot("virt", MsiRig.ITS);
        Bundle its = bundle(ITS_BUNDLE);
        swapUnderTraffic("its", "gicv3-its", () -> bundleAction(its, false), () -> bundleAction(its, true));
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void bindingTheUnboundItsByNameUnderTrafficResumesFromTheTablesInMemory() throws Exception {
        rig.boot("virt", MsiRig.ITS);
        swapUnderTraffic("its", "gicv3-its", () -> rig.machine().unbind("its"),
                () -> rig.machine().bind("its", "gicv3-its"));
    }

    /**
     * {@code bind its gicv3-its} while the ITS is bound: a fresh model of the same driver takes
     * the old one's registers and carries on from the tables in memory, under traffic as fast as
     * it goes. Every MSI is accounted for and the guest's set-up stands; the only drops allowed
     * are ITS_DISABLED ones, from a new model caught before the hand-over reached it (no
     * NODE_UNBOUND: the node is never without a model; no table or mapping errors: the tables
     * carry over).
     */
    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void bindingTheBoundItsByNameUnderTrafficHandsItsStateToAFreshModelAndCountsEveryMsi() throws Exception {
        rig.boot("virt", MsiRig.ITS);
        long generation = rig.guest().msiGeneration();
        Map<Vector, GuestMsiVector> setUp = rig.vectors();
        long handledBefore = rig.handled();
        Traffic traffic = rig.traffic();
        LedgerWatch w = new LedgerWatch(rig);
        traffic.start(0, rig.sources());
        try {
            for (int i = 0; i < LIVE_SWAPS; i++) {
                w.awaitGrowth("deliveries before swap " + i, w::delivered, PHASE);
                MsiController before = rig.interrupts().msiControllers().get(MsiRig.ITS);
                rig.machine().bind("its", "gicv3-its");
                MsiController after = rig.interrupts().msiControllers().get(MsiRig.ITS);
                assertNotNull("the ITS is bound after swap " + i, after);
                assertNotSame("swap " + i + " put a fresh ITS model in place", before, after);
                w.awaitGrowth("deliveries after swap " + i, w::delivered, PHASE);
            }
        } finally {
            traffic.stop();
        }
        assertAllAccountedFor(w, handledBefore);
        assertEquals("the only drops in a live swap are ITS_DISABLED: " + rig.ledger().snapshot(),
                w.dropped(DropReason.ITS_DISABLED), w.dropped());
        assertNoReprobe(generation);
        assertSameSetUp(setUp);
    }

    // ---- GICv2 + GICv2m ----

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aTrafficRunThroughTheGicv2mFrameReachesEveryVectorAsAnSpi() throws Exception {
        rig.boot("virt-gicv2m", MsiRig.V2M);
        runAndCheck(GuestMsiVector.Target.SPI, MsiRig.V2M);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void unbindingTheGicv2mFrameUnderTrafficDropsAndCountsUntilItIsBoundAgain() throws Exception {
        rig.boot("virt-gicv2m", MsiRig.V2M);
        runAndCheck(GuestMsiVector.Target.SPI, MsiRig.V2M);
        swapUnderTraffic("v2m", "gicv2m", () -> rig.machine().unbind("v2m"), () -> rig.machine().autoBind("v2m"));
    }

    // ---- GICv2m <-> ITS ----

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void replacingTheItsPlatformByGicv2mAndBackRebootsTheGuestOntoEachController() throws Exception {
        rig.boot("virt", MsiRig.ITS);
        runAndCheck(GuestMsiVector.Target.LPI, MsiRig.ITS);
        MachineInterrupts itsMachine = rig.interrupts();
        InterruptCounters itsLedger = itsMachine.msiLedger();
        InterruptCounters.Snapshot itsEnd = itsLedger.snapshot();

        rig.boot("virt-gicv2m", MsiRig.V2M);
        assertNotSame("re-plugging the MSI controller replaced the machine", itsMachine, rig.interrupts());
        assertEquals("the replaced machine's ledger is final", itsEnd, itsLedger.snapshot());
        runAndCheck(GuestMsiVector.Target.SPI, MsiRig.V2M);

        rig.boot("virt", MsiRig.ITS);
        runAndCheck(GuestMsiVector.Target.LPI, MsiRig.ITS);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void aGuestReprobeAfterTheItsWasSwappedSetsEveryVectorUpAgainAndDeliveryGoesOn() throws Exception {
        rig.boot("virt", MsiRig.ITS);
        runAndCheck(GuestMsiVector.Target.LPI, MsiRig.ITS);
        rig.machine().unbind("its");
        awaitNode("its", NodeState.UNBOUND, null);
        rig.machine().bind("its", "gicv3-its");
        awaitNode("its", NodeState.BOUND, "gicv3-its");
        assertNoReprobe(1);

        InterruptCounters.Snapshot before = rig.ledger().snapshot();
        rig.guest().reprobeMsi();
        assertEquals("a re-probe by hand counts as one", 2, rig.guest().msiGeneration());
        assertEquals("a re-probe raises no MSI", before, rig.ledger().snapshot());
        Map<Vector, GuestMsiVector> again = rig.vectors();
        assertEquals("every vector set up again: " + rig.bootLogTail(), rig.targets().size(), again.size());
        for (GuestMsiVector v : again.values()) {
            assertEquals("counted afresh after the re-probe: " + v, 0, v.count());
        }
        runAndCheck(GuestMsiVector.Target.LPI, MsiRig.ITS);
    }

    /**
     * A cross-kind bind re-plugs the ITS node, under traffic, and the guest follows by itself: the
     * machine reports the GICv2m frame now on the node, the guest re-probes onto SPIs through the
     * frame and delivery goes on; bound back through the ITS driver, the ITS starts from reset, the
     * guest re-probes onto LPIs and delivery goes on again. Nobody calls {@code reprobeMsi()}. The
     * ledger balances at every sample; after traffic stops it holds exactly the generator's raises,
     * and the guest handled every delivered MSI once (counted across its re-probes).
     */
    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void rePluggingTheItsNodeThroughAGicv2mFrameAndBackUnderTrafficHasTheGuestReprobeByItself()
            throws Exception {
        rig.boot("virt", MsiRig.ITS);
        runAndCheck(GuestMsiVector.Target.LPI, MsiRig.ITS);
        GuestKernel guest = rig.guest();
        long generation = guest.msiGeneration();
        long handledBefore = guest.interruptsHandled();
        Traffic traffic = rig.traffic();
        LedgerWatch w = new LedgerWatch(rig);
        traffic.start(RATE, rig.sources());
        try {
            w.awaitGrowth("deliveries through the ITS", w::delivered, PHASE);

            rig.machine().bind("its", "gicv2m");
            awaitNode("its", NodeState.BOUND, "gicv2m");
            awaitReprobe(generation + 1);
            assertSetUp(GuestMsiVector.Target.SPI);
            long handled = rig.handled();
            w.awaitGrowth("deliveries through the frame", w::delivered, PHASE);
            assertTrue("handled on the SPI vectors: " + rig.vectors(), rig.handled() - handled >= PHASE - 1);

            rig.machine().bind("its", "gicv3-its");
            awaitNode("its", NodeState.BOUND, "gicv3-its");
            awaitReprobe(generation + 2);
            assertSetUp(GuestMsiVector.Target.LPI);
            handled = rig.handled();
            w.awaitGrowth("deliveries through the ITS bound back", w::delivered, PHASE);
            assertTrue("handled on the LPI vectors: " + rig.vectors(), rig.handled() - handled >= PHASE - 1);
        } finally {
            traffic.stop();
        }
        w.assertAllAccountedFor(guest.interruptsHandled() - handledBefore); // across its re-probes
        assertTrue(guest.awaitMsiSettled(MsiRig.TIMEOUT_MS));
        assertEquals("exactly two re-probes: " + rig.bootLogTail(), generation + 2, guest.msiGeneration());
        runAndCheck(GuestMsiVector.Target.LPI, MsiRig.ITS);
    }

    /** The guest's MSI generation reaches {@code generation} (it re-probed by itself) and goes no further. */
    private void awaitReprobe(long generation) throws InterruptedException {
        GuestKernel guest = rig.guest();
        MsiRig.await("the guest's MSI set-up generation " + generation, () -> guest.msiGeneration() >= generation);
        assertTrue("the guest acted on every change: " + rig.bootLogTail(), guest.awaitMsiSettled(MsiRig.TIMEOUT_MS));
        assertEquals("one re-probe: " + rig.bootLogTail(), generation, guest.msiGeneration());
    }

    /** Every vector of both endpoints is set up as {@code kind} through the ITS node. */
    private void assertSetUp(GuestMsiVector.Target kind) {
        Map<Vector, GuestMsiVector> vectors = rig.vectors();
        assertEquals("every vector set up again: " + rig.bootLogTail(), rig.targets().size(), vectors.size());
        for (GuestMsiVector v : vectors.values()) {
            assertEquals(v.toString(), kind, v.target());
            assertEquals(v.toString(), MsiRig.ITS, v.controller());
            assertFalse(v.toString(), v.masked());
        }
    }

    /** The guest has acted on every MSI-controller change and did not re-probe since {@code generation}. */
    private void assertNoReprobe(long generation) throws InterruptedException {
        assertTrue("the guest acted on every change: " + rig.bootLogTail(),
                rig.guest().awaitMsiSettled(MsiRig.TIMEOUT_MS));
        assertEquals("no guest re-probe: " + rig.bootLogTail(), generation, rig.guest().msiGeneration());
    }

    // ---- scenarios ----

    /**
     * A synchronous run of {@link #PER_VECTOR} MSIs on every vector of every device: all
     * delivered, none dropped, and each guest vector handled exactly that many more.
     */
    private void runAndCheck(GuestMsiVector.Target kind, String controller) {
        List<Vector> targets = rig.targets();
        Map<Vector, GuestMsiVector> vectors = rig.vectors();
        assertEquals("two endpoints with 8 MSI-X vectors each: " + targets, 16, targets.size());
        for (Vector t : targets) {
            GuestMsiVector v = vectors.get(t);
            assertNotNull("the guest set up " + t + ": " + vectors.keySet(), v);
            assertEquals(v.toString(), GuestMsiVector.Mode.MSIX, v.mode());
            assertEquals(v.toString(), kind, v.target());
            assertEquals(v.toString(), controller, v.controller());
            assertFalse(v.toString(), v.masked());
        }
        Map<Vector, Long> countsBefore = rig.counts();
        InterruptCounters.Snapshot before = rig.ledger().snapshot();
        long[] devicesBefore = rig.deviceCounters();
        long n = (long) targets.size() * PER_VECTOR;

        Traffic.Status s = rig.traffic().run(n, rig.sources());

        InterruptCounters.Snapshot after = rig.ledger().snapshot();
        long[] devicesAfter = rig.deviceCounters();
        assertEquals(s.toString(), n, s.raised());
        assertEquals(s.toString(), targets.size(), s.targets());
        assertEquals("the devices' own count of raises", n, devicesAfter[0] - devicesBefore[0]);
        assertEquals("the devices' own count of messages sent", n, devicesAfter[1] - devicesBefore[1]);
        assertEquals("fired: " + after, n, after.fired() - before.fired());
        assertEquals("delivered: " + after, n, after.delivered() - before.delivered());
        assertEquals("dropped: " + after, 0, after.dropped() - before.dropped());
        Map<Vector, Long> countsAfter = rig.counts();
        for (Map.Entry<Vector, Long> e : countsAfter.entrySet()) {
            long expected = targets.contains(e.getKey()) ? PER_VECTOR : 0;
            assertEquals("guest count of " + e.getKey() + " (" + vectors.get(e.getKey()) + ")", expected,
                    e.getValue() - countsBefore.get(e.getKey()));
        }
    }

    /**
     * Background traffic over every device while the MSI controller {@code node} is taken away
     * and given back {@link #CYCLES} times. While it is away, MSIs are dropped with NODE_UNBOUND
     * and none is delivered; once it is back, delivery resumes and no further MSI is dropped.
     * Throughout, the ledger is whole and accounts for every raise; at the end the guest handled
     * every delivered MSI once and its MSI set-up is as it left it.
     */
    private void swapUnderTraffic(String node, String driver, Runnable takeAway, Runnable giveBack)
            throws InterruptedException {
        long generation = rig.guest().msiGeneration();
        Map<Vector, GuestMsiVector> setUp = rig.vectors();
        long handledBefore = rig.handled();
        Traffic traffic = rig.traffic();
        LedgerWatch w = new LedgerWatch(rig);
        traffic.start(RATE, rig.sources());
        try {
            for (int i = 0; i < CYCLES; i++) {
                w.awaitGrowth("deliveries before cycle " + i, w::delivered, PHASE);

                takeAway.run();
                awaitNode(node, NodeState.UNBOUND, null);
                long delivered = w.delivered();
                w.awaitGrowth("NODE_UNBOUND drops in cycle " + i, () -> w.dropped(DropReason.NODE_UNBOUND), PHASE);
                assertEquals("nothing delivered while " + node + " is unbound (cycle " + i + ")", delivered,
                        w.delivered());

                giveBack.run();
                awaitNode(node, NodeState.BOUND, driver);
                long unboundDrops = w.dropped(DropReason.NODE_UNBOUND);
                w.awaitGrowth("deliveries after rebinding in cycle " + i, w::delivered, PHASE);
                assertEquals("no MSI dropped once " + node + " is bound again (cycle " + i + ")", unboundDrops,
                        w.dropped(DropReason.NODE_UNBOUND));
            }
        } finally {
            traffic.stop();
        }
        assertAllAccountedFor(w, handledBefore);
        assertEquals("the only drops are NODE_UNBOUND: " + rig.ledger().snapshot(), w.dropped(DropReason.NODE_UNBOUND),
                w.dropped());
        assertTrue("drops while unbound: " + rig.ledger().snapshot(),
                w.dropped(DropReason.NODE_UNBOUND) >= CYCLES * PHASE);
        assertNoReprobe(generation);
        assertSameSetUp(setUp);
    }

    /** Traffic stopped: the ledger has exactly the generator's raises, and the guest every delivery once. */
    private void assertAllAccountedFor(LedgerWatch w, long handledBefore) {
        w.assertAllAccountedFor(rig.handled() - handledBefore);
        assertTrue("sampled while traffic ran: " + w.samples(), w.samples() > 3 * CYCLES);
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
            assertEquals(b + " -> " + a, b.controller(), a.controller());
            assertFalse(b + " -> " + a, a.masked());
            assertTrue("counts only grow (no re-probe): " + b + " -> " + a, a.count() >= b.count());
        }
    }

    private void awaitNode(String node, NodeState state, String driver) {
        MsiRig.await(node + " " + state + (driver == null ? "" : " to " + driver), () -> {
            NodeInfo n = rig.machine().node(node);
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
