package org.trapdoor.shell.irq;

import java.util.List;

import org.trapdoor.api.irq.ItsInspection;

/** The {@code its} command's result: one entry per ITS node shown. */
public record ItsListing(List<Entry> entries) {
    public ItsListing {
        entries = List.copyOf(entries);
    }

    /**
     * One ITS node.
     *
     * @param node       its device-tree path
     * @param inspection what it shows, or {@code null} when it cannot be inspected
     * @param why        why not (unbound, a model without inspection), or {@code null}
     * @param summary    the model's own one-line summary (its counters, translation cache), or
     *                   {@code null}
     */
    public record Entry(String node, ItsInspection inspection, String why, String summary) {
        public Entry(String node, ItsInspection inspection, String why) {
            this(node, inspection, why, null);
        }
    }
}
