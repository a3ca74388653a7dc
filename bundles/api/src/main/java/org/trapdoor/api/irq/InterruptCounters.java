package org.trapdoor.api.irq;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import org.trapdoor.api.counter.EventCounter;

/**
 * Lock-free outcome counters: every interrupt message is either delivered or dropped with one
 * {@link DropReason}, recorded in one call. A controller keeps one for what it received; the
 * machine keeps one more, its MSI ledger, that every MSI is recorded in exactly once wherever
 * its fate is decided (the device, the upstream port, an unbound node, the MSI controller) and
 * that outlives model swaps. {@link #fired()} is derived from the other
 * two, so {@code fired = delivered + dropped} holds for every read, even while messages are in
 * flight; a test that knows how many messages it sent checks that none went uncounted.
 *
 * <p>Recording allocates nothing, takes no lock and does no atomic read-modify-write
 * ({@link EventCounter}).
 */
public final class InterruptCounters {
    private static final DropReason[] REASONS = DropReason.values();

    private final EventCounter delivered = new EventCounter();
    private final EventCounter[] dropped = new EventCounter[REASONS.length];

    public InterruptCounters() {
        for (int i = 0; i < dropped.length; i++) {
            dropped[i] = new EventCounter();
        }
    }

    /** One message made an interrupt pending. */
    public void recordDelivered() {
        delivered.increment();
    }

    /** One message was dropped for {@code reason}. */
    public void recordDropped(DropReason reason) {
        dropped[reason.ordinal()].increment();
    }

    /** Records {@code outcome}: {@code null} means delivered, anything else a drop. */
    public void record(DropReason outcome) {
        if (outcome == null) {
            delivered.increment();
        } else {
            dropped[outcome.ordinal()].increment();
        }
    }

    public long delivered() {
        return delivered.sum();
    }

    public long dropped(DropReason reason) {
        return dropped[reason.ordinal()].sum();
    }

    /** Every drop, whatever the reason. */
    public long dropped() {
        long n = 0;
        for (EventCounter a : dropped) {
            n += a.sum();
        }
        return n;
    }

    /** Messages received: delivered plus dropped. */
    public long fired() {
        return delivered.sum() + dropped();
    }

    /** A consistent copy for display: the non-zero drop reasons, in declaration order. */
    public Snapshot snapshot() {
        long del = delivered.sum();
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        long d = 0;
        for (DropReason r : REASONS) {
            long n = dropped[r.ordinal()].sum();
            if (n != 0) {
                m.put(r, n);
                d += n;
            }
        }
        return new Snapshot(del + d, del, d, Collections.unmodifiableMap(m));
    }

    /** Zeroes every counter (the shell's {@code reset-counters}). */
    public void reset() {
        delivered.reset();
        for (EventCounter a : dropped) {
            a.reset();
        }
    }

    /** The counters at one moment; {@code fired == delivered + dropped}. */
    public record Snapshot(long fired, long delivered, long dropped, Map<DropReason, Long> byReason) {
        @Override
        public String toString() {
            return "fired=" + fired + " delivered=" + delivered + " dropped=" + dropped
                    + (byReason.isEmpty() ? "" : " " + byReason);
        }
    }
}
