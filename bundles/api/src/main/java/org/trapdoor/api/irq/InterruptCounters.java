package org.trapdoor.api.irq;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;

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
 *
 * <p>The machine's ledger carries the trace point {@link #OUTCOME} ({@code msi_ledger}): with it on,
 * each outcome is also a trace record, the last hop of every traced MSI, so a follow command ends
 * with the ledger line its MSI went into.
 */
public final class InterruptCounters {
    private static final DropReason[] REASONS = DropReason.values();

    /** The outcome as the trace point's {@code outcome} value: 0 delivered, else 1 + the reason's ordinal. */
    public static final TraceEvent OUTCOME = TraceEvent.of("msi_ledger", "an MSI's one outcome, as the machine's ledger counts it",
            TraceField.choice("outcome", outcomeLabels()));

    private final EventCounter delivered = new EventCounter();
    private final EventCounter[] dropped = new EventCounter[REASONS.length];
    private final TracePoint trace;

    public InterruptCounters() {
        this(TracePoint.NEVER);
    }

    /** Counters that also emit every outcome on {@code trace} (a point of {@link #OUTCOME}) while it is on. */
    public InterruptCounters(TracePoint trace) {
        this.trace = trace;
        for (int i = 0; i < dropped.length; i++) {
            dropped[i] = new EventCounter();
        }
    }

    /** One message made an interrupt pending. */
    public void recordDelivered() {
        delivered.increment();
        if (trace.on()) {
            trace.emit(0);
        }
    }

    /** One message was dropped for {@code reason}. */
    public void recordDropped(DropReason reason) {
        dropped[reason.ordinal()].increment();
        if (trace.on()) {
            trace.emit(1 + reason.ordinal());
        }
    }

    /** Records {@code outcome}: {@code null} means delivered, anything else a drop. */
    public void record(DropReason outcome) {
        if (outcome == null) {
            recordDelivered();
        } else {
            recordDropped(outcome);
        }
    }

    private static java.util.List<String> outcomeLabels() {
        String[] labels = new String[REASONS.length + 1];
        labels[0] = "delivered";
        for (DropReason r : REASONS) {
            labels[1 + r.ordinal()] = r.name();
        }
        return java.util.List.of(labels);
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
