package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.function.LongSupplier;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.Traffic;

/**
 * Watches the MSI ledger while background traffic runs, from a baseline taken before it started:
 * every sample checks that it accounts for exactly the raises the generator reports, give or
 * take the one raise in flight (the generator counts a raise after the raise returned, and the
 * ledger has it before that). At the end the ledger is held against counts kept elsewhere: the
 * generator's, the devices' own (read from their BARs) and the guest's handled interrupts.
 */
final class LedgerWatch {
    private final InterruptCounters ledger;
    private final Traffic traffic;
    private final InterruptCounters.Snapshot base;
    private final MsiRig rig;
    private final long[] deviceBase;
    private long samples;

    /** Takes the baseline of the rig's ledger and devices; call while no traffic runs, just before starting it. */
    LedgerWatch(MsiRig rig) {
        this.rig = rig;
        this.ledger = rig.ledger();
        this.traffic = rig.traffic();
        this.base = ledger.snapshot();
        this.deviceBase = rig.deviceCounters();
    }

    InterruptCounters.Snapshot base() {
        return base;
    }

    long samples() {
        return samples;
    }

    /** One sample of the running ledger against the generator's count. */
    void sample() {
        long before = traffic.status().raised();
        InterruptCounters.Snapshot s = ledger.snapshot();
        long after = traffic.status().raised();
        samples++;
        // fired = delivered + dropped holds by construction (fired is their sum): not worth a check.
        long fired = s.fired() - base.fired();
        assertTrue("sample " + samples + ": every raise is in the ledger (" + before + " raised before, " + fired
                + " fired since the start)", fired >= before);
        assertTrue("sample " + samples + ": nothing is counted twice (" + after + " raised after, " + fired
                + " fired since the start)", fired <= after + 1);
    }

    long delivered() {
        return ledger.delivered() - base.delivered();
    }

    long dropped() {
        return ledger.dropped() - base.dropped();
    }

    long dropped(DropReason reason) {
        return ledger.dropped(reason) - base.byReason().getOrDefault(reason, 0L);
    }

    long fired() {
        return ledger.fired() - base.fired();
    }

    /**
     * Samples until {@code counter} grew by {@code by} from its value now, at most
     * {@link MsiRig#TIMEOUT_MS}; returns the samples taken.
     */
    long awaitGrowth(String what, LongSupplier counter, long by) {
        long from = counter.getAsLong();
        long end = System.currentTimeMillis() + MsiRig.TIMEOUT_MS;
        long n = 0;
        for (;;) {
            sample();
            n++;
            long now = counter.getAsLong();
            if (now - from >= by) {
                return n;
            }
            if (System.currentTimeMillis() > end) {
                throw new AssertionError(what + " grew by " + (now - from) + ", not " + by + ", within "
                        + MsiRig.TIMEOUT_MS + " ms; ledger " + ledger.snapshot() + ", traffic " + traffic.status());
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * After the traffic stopped: a last sample, then the ledger accounts for every raise once,
     * stays whole, and the guest handled each delivered MSI exactly once ({@code handled} is the
     * guest's count of handled interrupts since the baseline).
     */
    void assertAllAccountedFor(long handled) {
        sample();
        Traffic.Status s = traffic.status();
        assertTrue("traffic stopped: " + s, !s.running());
        assertEquals("one outcome per raise: " + ledger.snapshot() + ", " + s, s.raised(), fired());
        assertEquals("the guest handled each delivered MSI once: " + ledger.snapshot(), delivered(), handled);
        assertDevicesAgree(s.raised());
    }

    /**
     * The endpoints' own counters (read from their BARs) against the generator and the ledger:
     * the devices saw every raise the generator made; each ledger entry is one thing a device
     * did (a message sent, a raise left pending, a raise refused); pending raises are the
     * ledger's MASKED drops and refusals its device-side and upstream drops.
     */
    void assertDevicesAgree(long raised) {
        long[] now = rig.deviceCounters();
        long raises = now[0] - deviceBase[0];
        long sent = now[1] - deviceBase[1];
        long pended = now[2] - deviceBase[2];
        long refused = now[3] - deviceBase[3];
        String state = ledger.snapshot() + "; devices: raises=" + raises + " sent=" + sent + " pended=" + pended
                + " refused=" + refused;
        assertEquals("the devices counted every raise of the generator: " + state, raised, raises);
        assertEquals("each ledger entry is a message sent, a raise pended or refused: " + state, fired(),
                sent + pended + refused);
        assertEquals("pended raises are MASKED drops: " + state, pended, dropped(DropReason.MASKED));
        // A refusal is the device's own (DISABLED, NO_SUCH_VECTOR) or the upstream path's; which
        // upstream reason a refused write gets depends on where it ended (NO_DOORBELL can also be a
        // completed write to a frame with no doorbell there), so the upstream ones bound it.
        long own = dropped(DropReason.DISABLED) + dropped(DropReason.NO_SUCH_VECTOR);
        long upstream = 0;
        for (DropReason r : new DropReason[] {DropReason.BRIDGE_UNBOUND, DropReason.NODE_UNBOUND,
            DropReason.NO_DOORBELL, DropReason.TARGET_ABORT, DropReason.IOMMU_UNBOUND, DropReason.IOMMU_FAULT}) {
            upstream += dropped(r);
        }
        assertTrue("refused raises are the device's own refusals and some upstream drops: " + state,
                refused >= own && refused <= own + upstream);
    }
}
