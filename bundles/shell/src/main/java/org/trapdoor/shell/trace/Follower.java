package org.trapdoor.shell.trace;

import java.util.List;
import java.util.function.Supplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.trace.TraceCapture;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.shell.command.Bdf;
import org.trapdoor.shell.command.CommandFailure;

/**
 * Follows one transaction through the machine: opens a {@link Tracing#capture() capture} (every
 * point on, this thread's records kept), starts the transaction, and returns the hops the models
 * reported. It knows no model: each one, a vendor's included, reports its own hop through its
 * trace points, and a transaction runs in the thread that started it, from the device to the
 * CPU, so the thread's records are the transaction's. Used by {@code msi follow} and
 * {@code dma follow}.
 */
@Component(service = Follower.class)
public final class Follower {
    private final Tracing tracing;
    private final MachineInterrupts interrupts;

    @Activate
    public Follower(@Reference Tracing tracing, @Reference MachineInterrupts interrupts) {
        this.tracing = tracing;
        this.interrupts = interrupts;
    }

    /**
     * Raises {@code vector} of the function {@code bdf} once, as its device would on an event.
     *
     * @throws CommandFailure for a malformed BDF or a function that raises no MSIs
     */
    public FollowReport msi(String bdf, int vector) {
        Bdf b;
        try {
            b = Bdf.parse(bdf, "device");
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
        MsiSource source = null;
        for (MsiSource s : interrupts.msiSources()) {
            if (s.requesterId() == b.requesterId()) {
                source = s;
            }
        }
        if (source == null) {
            throw new CommandFailure("no device at " + b + " raises MSIs (lspci lists the functions)");
        }
        MsiSource raiser = source;
        FollowReport r = follow("msi follow " + b + " " + vector, () -> {
            MsiOutcome o = raiser.raise(vector);
            return "device: " + o.name();
        });
        return new FollowReport(r.what(), r.hops(), r.result(), ledgerLine(r.hops()), r.lost());
    }

    /** Runs {@code action} (which returns what its originator was told) under a capture. */
    public FollowReport follow(String what, Supplier<String> action) {
        String result;
        List<TraceRecord> hops;
        long lost;
        try (TraceCapture c = tracing.capture()) {
            result = action.get();
            hops = c.records();
            lost = c.lost();
        }
        return new FollowReport(what, hops, result, null, lost);
    }

    /**
     * The ledger line the MSI went into: its {@code msi_ledger} record (exactly one per MSI) and
     * the ledger's totals now.
     */
    private String ledgerLine(List<TraceRecord> hops) {
        String outcome = null;
        int n = 0;
        for (TraceRecord r : hops) {
            if (r.event().equals(InterruptCounters.OUTCOME)) {
                outcome = r.formatted("outcome");
                n++;
            }
        }
        InterruptCounters.Snapshot s = interrupts.msiLedger().snapshot();
        String totals = "fired=" + s.fired() + " delivered=" + s.delivered() + " dropped=" + s.dropped();
        if (outcome == null) {
            return "no ledger record (the ledger's trace point is missing from this machine); " + totals;
        }
        String why = "";
        if (!"delivered".equals(outcome)) {
            why = " (" + DropReason.valueOf(outcome).description() + ")";
        }
        return (n == 1 ? "" : n + " ledger records! ") + (outcome.equals("delivered") ? "delivered" : "dropped " + outcome)
                + why + "; " + totals;
    }
}
