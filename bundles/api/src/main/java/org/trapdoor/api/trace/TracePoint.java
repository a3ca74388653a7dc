package org.trapdoor.api.trace;

import java.util.Objects;

/**
 * The live switch of one {@link TraceEvent} in one machine. A model asks {@link Tracing#point}
 * for it once, keeps it in a final field, and guards each emit:
 *
 * <pre>
 * if (translate.on()) {
 *     translate.emit(deviceId, eventId, lpi);
 * }
 * </pre>
 *
 * <p>Off, that costs one volatile read and a not-taken branch: the arguments are never
 * evaluated, nothing is boxed, nothing allocated. The {@code emit} overloads take {@code long}s
 * (no varargs), so on they allocate nothing either. Emitting while off is harmless (the record is
 * dropped), but then the arguments were computed for nothing.
 *
 * <p>The flag is volatile so that a {@code trace on} from the shell reaches a hot loop that the
 * JIT compiled while it was off.
 */
public final class TracePoint {
    /** A point that is always off, for models outside a machine (unit tests) and optional hops. */
    public static final TracePoint NEVER = new TracePoint(
            TraceEvent.of("never", "a trace point that is never on"), (p, t, a, b, c, d, e, f) -> {
            });

    private final TraceEvent event;
    private final TraceSink sink;
    private volatile boolean on;

    /** Made by a {@link Tracing} registry; {@code sink} receives the records while it is on. */
    public TracePoint(TraceEvent event, TraceSink sink) {
        this.event = Objects.requireNonNull(event, "event");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    public TraceEvent event() {
        return event;
    }

    public String name() {
        return event.name();
    }

    /** Whether records are being kept now: guard every emit with it. */
    public boolean on() {
        return on;
    }

    /** Switches the point; for the registry that owns it (a model never calls this). */
    public void set(boolean on) {
        if (this != NEVER) {
            this.on = on;
        }
    }

    public void emit() {
        if (on) {
            sink.record(this, null, 0, 0, 0, 0, 0, 0);
        }
    }

    public void emit(long a) {
        if (on) {
            sink.record(this, null, a, 0, 0, 0, 0, 0);
        }
    }

    public void emit(long a, long b) {
        if (on) {
            sink.record(this, null, a, b, 0, 0, 0, 0);
        }
    }

    public void emit(long a, long b, long c) {
        if (on) {
            sink.record(this, null, a, b, c, 0, 0, 0);
        }
    }

    public void emit(long a, long b, long c, long d) {
        if (on) {
            sink.record(this, null, a, b, c, d, 0, 0);
        }
    }

    public void emit(long a, long b, long c, long d, long e) {
        if (on) {
            sink.record(this, null, a, b, c, d, e, 0);
        }
    }

    public void emit(long a, long b, long c, long d, long e, long f) {
        if (on) {
            sink.record(this, null, a, b, c, d, e, f);
        }
    }

    /** For an event whose first field is {@link TraceField.Kind#TEXT}. */
    public void emitText(Object text, long a, long b, long c) {
        if (on) {
            sink.record(this, text, a, b, c, 0, 0, 0);
        }
    }

    /** For an event whose first field is {@link TraceField.Kind#TEXT}. */
    public void emitText(Object text, long a, long b, long c, long d, long e, long f) {
        if (on) {
            sink.record(this, text, a, b, c, d, e, f);
        }
    }

    @Override
    public String toString() {
        return event.name() + (on ? " on" : " off");
    }
}
