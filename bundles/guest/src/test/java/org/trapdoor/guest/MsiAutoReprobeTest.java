package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestMsiVector.Target;

/**
 * The kernel hears from the machine that the model on its MSI controller's node changed and
 * re-probes its MSI set-up by itself exactly when the set-up no longer stands: another kind of
 * controller, or one started from reset; never for a plain unbind or a rebind that carries the
 * state over.
 */
class MsiAutoReprobeTest {
    static final String ITS = "/intc@8000000/msi-controller@8080000";
    static final long ITS_BASE = 0x0808_0000L;
    static final long TIMEOUT_MS = 10_000;

    private MachineRig rig;
    private LinuxKernel k;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private void boot() {
        rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        k = rig.boot();
    }

    private void settle() throws InterruptedException {
        assertTrue(k.awaitMsiSettled(TIMEOUT_MS), "the kernel acted on the change: " + k.bootLog());
    }

    /** Raises every vector once: each is delivered, handled once on its own vector, and adds one to the total. */
    private void everyVectorDelivers() {
        List<GuestMsiVector> all = k.msiVectors();
        assertEquals(12, all.size(), k.bootLog().toString());
        for (GuestMsiVector v : all) {
            long delivered = rig.machine.msiLedger().delivered();
            long handled = k.interruptsHandled();
            long count = count(v);
            rig.raise(v.bdf(), v.vector());
            assertEquals(delivered + 1, rig.machine.msiLedger().delivered(), v + " delivered: " + rig.machine.msiLedger().snapshot());
            assertEquals(count + 1, count(v), v + " handled on its vector");
            assertEquals(handled + 1, k.interruptsHandled());
        }
    }

    /** Polls until a counter reaches a value. */
    static final class Poll {
        static void awaitGrowth(java.util.function.LongSupplier counter, long atLeast) throws InterruptedException {
            long end = System.currentTimeMillis() + TIMEOUT_MS;
            while (counter.getAsLong() < atLeast) {
                if (System.currentTimeMillis() > end) {
                    throw new AssertionError("counter at " + counter.getAsLong() + ", not " + atLeast);
                }
                Thread.sleep(1);
            }
        }
    }

    private long count(GuestMsiVector v) {
        return k.msiVectors().stream().filter(x -> x.bdf().equals(v.bdf()) && x.vector() == v.vector())
                .mapToLong(GuestMsiVector::count).sum();
    }

    private boolean logged(String... parts) {
        return k.bootLog().stream().anyMatch(l -> List.of(parts).stream().allMatch(l::contains));
    }

    @Test
    void bindingTheItsNodeThroughAGicv2mFrameAndBackReprobesOntoSpisThenLpisByItself() throws Exception {
        boot();
        assertEquals(1, k.msiGeneration());
        assertTrue(k.msiVectors().stream().allMatch(v -> v.target() == Target.LPI));
        everyVectorDelivers();

        rig.machine.bind(ITS, "gicv2m");
        settle();
        assertEquals(2, k.msiGeneration(), "one re-probe onto the frame: " + k.bootLog());
        assertTrue(logged(ITS, "bound to gicv2m", "re-probing"), k.bootLog().toString());
        List<GuestMsiVector> v2m = k.msiVectors();
        assertTrue(v2m.stream().allMatch(v -> v.target() == Target.SPI && v.controller().equals(ITS)
                && v.data() == v.intid() && v.count() == 0), v2m.toString());
        everyVectorDelivers();

        rig.machine.bind(ITS, "gicv3-its");
        settle();
        assertEquals(3, k.msiGeneration(), "one re-probe back onto the ITS: " + k.bootLog());
        assertTrue(logged(ITS, "from reset", "re-probing"), k.bootLog().toString());
        assertTrue(k.msiVectors().stream().allMatch(v -> v.target() == Target.LPI), k.msiVectors().toString());
        everyVectorDelivers();
        assertTrue(k.bootLog().stream().noneMatch(l -> l.contains("teardown")),
                "the replaced ITS is not sent DISCARDs it cannot consume: " + k.bootLog());
    }

    @Test
    void aPlainUnbindAndRebindLeavesTheSetUpAloneAndDeliveryResumes() throws Exception {
        boot();
        List<GuestMsiVector> before = k.msiVectors();
        rig.machine.unbind(ITS);
        settle();
        long dropped = rig.machine.msiLedger().dropped(org.trapdoor.api.irq.DropReason.NODE_UNBOUND);
        rig.raise(before.get(0).bdf(), before.get(0).vector());
        assertEquals(dropped + 1, rig.machine.msiLedger().dropped(org.trapdoor.api.irq.DropReason.NODE_UNBOUND));
        assertTrue(logged(ITS, "unbound", "no re-probe"), k.bootLog().toString());

        rig.machine.autoBind(ITS);
        settle();
        assertEquals(1, k.msiGeneration(), "no re-probe: " + k.bootLog());
        assertTrue(logged(ITS, "state handed over", "no re-probe"), k.bootLog().toString());
        assertEquals(before.stream().map(GuestMsiVector::intid).toList(),
                k.msiVectors().stream().map(GuestMsiVector::intid).toList());
        everyVectorDelivers();
    }

    @Test
    void aLiveSameDriverRebindIsNoReprobe() throws Exception {
        boot();
        rig.machine.bind(ITS, "gicv3-its");
        rig.machine.bind(ITS, "gicv3-its");
        settle();
        assertEquals(1, k.msiGeneration(), k.bootLog().toString());
        everyVectorDelivers();
    }

    @Test
    void aNodeBoundThroughAFrameBeforeBootGetsAGicv2mDomainFromTheModelNotTheCompatible() {
        rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        rig.machine.bind(ITS, "gicv2m");
        k = rig.boot();
        assertTrue(k.msiVectors().stream().allMatch(v -> v.target() == Target.SPI), k.bootLog().toString());
        assertTrue(logged(ITS, "served by a GICv2m model"), k.bootLog().toString());
        everyVectorDelivers();
    }

    @Test
    void anItsUnboundAtBootIsProbedOnceAModelIsBound() throws Exception {
        rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        rig.machine.unbind(ITS);
        k = rig.boot();
        assertTrue(k.msiVectors().isEmpty(), "the compatible says ITS, and none answers");
        rig.machine.autoBind(ITS);
        settle();
        assertEquals(2, k.msiGeneration());
        assertTrue(logged(ITS, "no working MSI domain", "re-probing"), k.bootLog().toString());
        everyVectorDelivers();
    }

    @Test
    void aChangeOfAnMsiControllerNoHostUsesIsLoggedAndIgnored() throws Exception {
        rig = new MachineRig("gicv3-its-v2m.dts", "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        k = rig.boot();
        String v2m = rig.machine.msiControllers().keySet().stream().filter(p -> !p.equals(ITS)).findFirst().orElseThrow();
        assertNotEquals(ITS, v2m);
        rig.machine.unbind(v2m);
        rig.machine.autoBind(v2m);
        settle();
        assertEquals(1, k.msiGeneration(), k.bootLog().toString());
        assertTrue(logged(v2m, "no host's MSIs go through it"), k.bootLog().toString());
        everyVectorDelivers();
    }

    /**
     * Re-probes while the devices raise as fast as they can: a device that signals during the
     * teardown or the set-up finds MSI disabled (counted once, as DISABLED) rather than its vector
     * masked, so nothing is left pending to go out later as a message no raise made. The ledger
     * then holds exactly the generator's raises, and the guest handled every delivered one.
     */
    @Test
    void reprobesUnderTrafficLeaveNothingPendingAndEveryRaiseHasOneOutcome() throws Exception {
        boot();
        long handled = k.interruptsHandled();
        org.trapdoor.api.irq.InterruptCounters.Snapshot before = rig.machine.msiLedger().snapshot();
        rig.machine.traffic().start(0, rig.machine.msiSources());
        try {
            for (String driver : List.of("gicv2m", "gicv3-its", "gicv2m", "gicv3-its")) {
                long delivered = rig.machine.msiLedger().delivered();
                rig.machine.bind(ITS, driver);
                settle();
                Poll.awaitGrowth(() -> rig.machine.msiLedger().delivered(), delivered + 200);
            }
        } finally {
            rig.machine.traffic().stop();
        }
        assertEquals(5, k.msiGeneration(), k.bootLog().toString());
        org.trapdoor.api.irq.InterruptCounters.Snapshot after = rig.machine.msiLedger().snapshot();
        long raised = rig.machine.traffic().status().raised();
        assertEquals(0, after.byReason().getOrDefault(org.trapdoor.api.irq.DropReason.MASKED, 0L)
                - before.byReason().getOrDefault(org.trapdoor.api.irq.DropReason.MASKED, 0L), after.toString());
        assertEquals(raised, after.fired() - before.fired(), "one outcome per raise: " + after);
        assertEquals(after.delivered() - before.delivered(), k.interruptsHandled() - handled,
                "every delivered MSI handled once: " + after);
    }

    /**
     * An SPI raised while its vector's SPI was disabled is held pending at the GIC and counted as
     * not delivered; the re-probe that hands the SPI to its next owner must not have the guest
     * take it, or the guest would handle more MSIs than were delivered.
     */
    @Test
    void anSpiHeldPendingWhileDisabledIsNotTakenByItsNextOwner() throws Exception {
        rig = new MachineRig("virt-gicv2m", "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        k = rig.boot();
        GuestMsiVector v = k.msiVectors().get(0);
        k.msi().chip().disableSpi(v.intid());
        long held = rig.machine.msiLedger().dropped(org.trapdoor.api.irq.DropReason.INTERRUPT_DISABLED);
        rig.raise(v.bdf(), v.vector());
        assertEquals(held + 1, rig.machine.msiLedger().dropped(org.trapdoor.api.irq.DropReason.INTERRUPT_DISABLED));
        long handled = k.interruptsHandled();
        k.reprobeMsi();
        assertEquals(v.intid(), k.msiVectors().get(0).intid(), "the same SPI goes to the same vector again");
        assertEquals(handled, k.interruptsHandled(), "the held SPI was not taken: " + k.interruptCounts());
        everyVectorDelivers();
    }

    @Test
    void aClosedKernelNoLongerActsOnChanges() throws Exception {
        boot();
        k.close();
        rig.machine.bind(ITS, "gicv2m");
        assertTrue(k.awaitMsiSettled(TIMEOUT_MS));
        assertEquals(1, k.msiGeneration());
        assertFalse(logged(ITS, "bound to gicv2m"), k.bootLog().toString());
    }
}
