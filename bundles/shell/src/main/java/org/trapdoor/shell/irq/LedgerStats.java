package org.trapdoor.shell.irq;

import org.trapdoor.api.irq.InterruptCounters;

/** The {@code stats} command's result: the machine's MSI ledger at one moment. */
public record LedgerStats(InterruptCounters.Snapshot ledger) {
}
