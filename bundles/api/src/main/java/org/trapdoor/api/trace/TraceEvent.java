package org.trapdoor.api.trace;

import java.util.List;
import java.util.Objects;

/**
 * The declaration of one trace event: its name, what it means and its fields, as one line of a
 * QEMU {@code trace-events} file. Immutable and state-free, so a model keeps its declarations in
 * {@code static final} fields; the switch and the ring are the machine's ({@link TracePoint}).
 *
 * <p>Names are lower case, {@code model_event} ({@code its_translate}, {@code smmuv3_fault}), so
 * that a glob selects a model ({@code its_*}) or a kind of event ({@code *_fault}).
 */
public final class TraceEvent {
    /** The most {@code long} fields an event carries (a {@link TraceField.Kind#TEXT} field is extra). */
    public static final int MAX_VALUES = 6;

    private final String name;
    private final String description;
    private final List<TraceField> fields;
    private final boolean text;

    private TraceEvent(String name, String description, List<TraceField> fields) {
        this.name = name;
        this.description = description;
        this.fields = fields;
        this.text = !fields.isEmpty() && fields.get(0).kind() == TraceField.Kind.TEXT;
    }

    /**
     * Declares an event.
     *
     * @throws IllegalArgumentException for a name that is not {@code [a-z0-9_]+}, more than
     *                                  {@link #MAX_VALUES} value fields, a text field that is not
     *                                  the first, or two fields of one name
     */
    public static TraceEvent of(String name, String description, TraceField... fields) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        if (name.isEmpty() || !name.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            throw new IllegalArgumentException("a trace event's name is [a-z0-9_]+: '" + name + "'");
        }
        List<TraceField> list = List.of(fields);
        int values = 0;
        for (int i = 0; i < list.size(); i++) {
            TraceField f = list.get(i);
            if (f.kind() == TraceField.Kind.TEXT) {
                if (i != 0) {
                    throw new IllegalArgumentException(name + ": the text field '" + f.name() + "' must be the first");
                }
            } else {
                values++;
            }
            for (int j = 0; j < i; j++) {
                if (list.get(j).name().equals(f.name())) {
                    throw new IllegalArgumentException(name + ": two fields named '" + f.name() + "'");
                }
            }
        }
        if (values > MAX_VALUES) {
            throw new IllegalArgumentException(name + ": " + values + " value fields, at most " + MAX_VALUES);
        }
        return new TraceEvent(name, description, list);
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    /** The fields in declaration order, the text field (if any) first. */
    public List<TraceField> fields() {
        return fields;
    }

    /** Whether the first field is the event's text. */
    public boolean hasText() {
        return text;
    }

    /** The number of {@code long} values a record carries. */
    public int valueCount() {
        return fields.size() - (text ? 1 : 0);
    }

    /** {@code name(field, field, ...)}: the declaration as {@code trace} lists it. */
    public String signature() {
        StringBuilder b = new StringBuilder(name).append('(');
        for (int i = 0; i < fields.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(fields.get(i).name());
        }
        return b.append(')').toString();
    }

    /** Same name and same fields: two declarations a registry treats as one event. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TraceEvent e && e.name.equals(name) && e.fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + fields.hashCode();
    }

    @Override
    public String toString() {
        return signature();
    }
}
