package org.trapdoor.shell.trace;

import java.util.List;

import org.trapdoor.api.trace.TraceRecord;

/** {@code trace show [N]}: the last records of the ring, oldest first; {@code recorded} is the sequence so far. */
public record TraceShow(List<TraceRecord> records, long recorded) {
}
