package org.trapdoor.api.trace;

import java.util.List;
import java.util.Objects;

/**
 * One named field of a {@link TraceEvent}, with how its value is printed. Every field travels as
 * a {@code long} (so emitting boxes nothing), except a {@link Kind#TEXT} field, which is the
 * event's one reference value (a node path, a driver name) and must come first.
 *
 * @param name   the field's name, as {@code trace show} prints it ({@code name=value})
 * @param kind   how the value is printed
 * @param labels for {@link Kind#CHOICE}: the label of each value from 0; a value outside them
 *               prints as {@code none} when negative, else as its number
 */
public record TraceField(String name, Kind kind, List<String> labels) {
    /** How a field's value is printed. */
    public enum Kind {
        /** Decimal. */
        DEC,
        /** Hexadecimal with {@code 0x}. */
        HEX,
        /** A PCI requester ID as {@code bb:dd.f}. */
        BDF,
        /** 0 or 1 as {@code no}/{@code yes}. */
        FLAG,
        /** An index into {@link TraceField#labels}. */
        CHOICE,
        /** The event's reference value (its {@code toString()}). */
        TEXT
    }

    public TraceField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (name.isEmpty() || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_')) {
            throw new IllegalArgumentException("a trace field's name is letters, digits and '_': '" + name + "'");
        }
        labels = List.copyOf(labels);
    }

    public static TraceField dec(String name) {
        return new TraceField(name, Kind.DEC, List.of());
    }

    public static TraceField hex(String name) {
        return new TraceField(name, Kind.HEX, List.of());
    }

    public static TraceField bdf(String name) {
        return new TraceField(name, Kind.BDF, List.of());
    }

    public static TraceField flag(String name) {
        return new TraceField(name, Kind.FLAG, List.of());
    }

    public static TraceField text(String name) {
        return new TraceField(name, Kind.TEXT, List.of());
    }

    /** A field whose value is an index into {@code labels}. */
    public static TraceField choice(String name, List<String> labels) {
        return new TraceField(name, Kind.CHOICE, labels);
    }

    /** A field whose value is an ordinal of {@code type} (negative: {@code none}). */
    public static TraceField choice(String name, Class<? extends Enum<?>> type) {
        Enum<?>[] values = type.getEnumConstants();
        String[] labels = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            labels[i] = values[i].name();
        }
        return new TraceField(name, Kind.CHOICE, List.of(labels));
    }

    /** The value as {@code trace show} prints it. */
    public String format(long value, Object text) {
        return switch (kind) {
            case DEC -> Long.toString(value);
            case HEX -> "0x" + Long.toHexString(value);
            case BDF -> String.format("%02x:%02x.%x", (value >>> 8) & 0xff, (value >>> 3) & 0x1f, value & 7);
            case FLAG -> value != 0 ? "yes" : "no";
            case CHOICE -> value >= 0 && value < labels.size() ? labels.get((int) value)
                    : value < 0 ? "none" : Long.toString(value);
            case TEXT -> String.valueOf(text);
        };
    }
}
