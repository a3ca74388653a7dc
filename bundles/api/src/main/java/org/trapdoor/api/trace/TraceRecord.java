package org.trapdoor.api.trace;

import java.util.Arrays;

/**
 * One record read back from the ring: its place in the machine's sequence, when (nanoTime), on
 * which thread, the event and its values. A follow command picks the records of one transaction
 * by thread: a transaction runs in the thread that started it, from the device to the CPU.
 */
public record TraceRecord(long sequence, long nanoTime, long threadId, TraceEvent event, Object text, long[] values) {
    public TraceRecord {
        values = values.clone();
    }

    /** The value of the field named {@code field}. */
    public long value(String field) {
        int i = 0;
        for (TraceField f : event.fields()) {
            if (f.kind() == TraceField.Kind.TEXT) {
                continue;
            }
            if (f.name().equals(field)) {
                return values[i];
            }
            i++;
        }
        throw new IllegalArgumentException(event.name() + " has no field '" + field + "'");
    }

    /** The field named {@code field} as {@code trace show} prints it. */
    public String formatted(String field) {
        int i = 0;
        for (TraceField f : event.fields()) {
            if (f.name().equals(field)) {
                return f.kind() == TraceField.Kind.TEXT ? String.valueOf(text) : f.format(values[i], text);
            }
            if (f.kind() != TraceField.Kind.TEXT) {
                i++;
            }
        }
        throw new IllegalArgumentException(event.name() + " has no field '" + field + "'");
    }

    /** The fields as {@code name=value ...}. */
    public String fieldsText() {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (TraceField f : event.fields()) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(f.name()).append('=');
            if (f.kind() == TraceField.Kind.TEXT) {
                b.append(text);
            } else {
                b.append(f.format(values[i++], text));
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return event.name() + " " + fieldsText();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TraceRecord r && r.sequence == sequence && r.event.equals(event)
                && Arrays.equals(r.values, values);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(sequence);
    }
}
