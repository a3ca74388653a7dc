package org.trapdoor.shell.trace;

import java.util.List;

import org.trapdoor.api.trace.TraceRecord;

/**
 * The life of one transaction: what was done ({@code msi follow 00:01.0 3}), the trace records
 * its thread emitted (each model's own hop, in order), what the originator was told, the ledger
 * line it ended in (MSIs), and how many records the ring lost under it (other threads' traffic).
 */
public record FollowReport(String what, List<TraceRecord> hops, String result, String ledger, long lost) {
}
