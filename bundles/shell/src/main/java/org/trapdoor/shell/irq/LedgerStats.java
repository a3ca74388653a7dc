package org.trapdoor.shell.irq;

import java.util.List;

import org.trapdoor.api.irq.InterruptCounters;

/**
 * The {@code stats} command's result: the machine's MSI ledger at one moment, and the notes that
 * explain its drops (a host bridge without a model).
 */
public record LedgerStats(InterruptCounters.Snapshot ledger, List<String> notes) {
    public LedgerStats {
        notes = List.copyOf(notes);
    }

    public LedgerStats(InterruptCounters.Snapshot ledger) {
        this(ledger, List.of());
    }
}
