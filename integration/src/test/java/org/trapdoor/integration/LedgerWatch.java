package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.function.LongSupplier;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.Traffic;

/**
 * Watches the MSI ledger while background traffic runs, from a baseline taken before it started:
 * every sample checks that the ledger is whole ({@code fired = delivered + dropped}, the drops
 * add up by reason) and that it accounts for exactly the raises the generator reports, give or
 * take the one raise in flight (the generator counts a raise after the raise returned, and the
 * ledger has it before that).
 */
final class LedgerWatch {
    private final InterruptCounters ledger;
    private final Traffic traffic;
    private final InterruptCounters.Snapshot base;
    private long samples;

    /** Takes the baseline; call while no traffic runs, just before starting it. */
    LedgerWatch(InterruptCounters ledger, Traffic traffic) {
        this.ledger = ledger;
        this.traffic = traffic;
        this.base = ledger.snapshot();
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
        assertEquals("sample " + samples + ": fired = delivered + dropped: " + s, s.fired(), s.delivered() + s.dropped());
        long byReason = 0;
        for (long n : s.byReason().values()) {
            byReason += n;
        }
        assertEquals("sample " + samples + ": drops add up by reason: " + s, s.dropped(), byReason);
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
        assertEquals("fired = delivered + dropped", fired(), delivered() + dropped());
        assertEquals("the guest handled each delivered MSI once: " + ledger.snapshot(), delivered(), handled);
    }
}
