package org.trapdoor.api.trace;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MutableCallSite;
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
 * <p>While no point in the JVM is on (the normal state), {@link #on()} is a constant the JIT
 * folds: the guard, the emit and its arguments vanish from compiled code, with no load and no
 * branch left. That is a {@link MutableCallSite} whose target answers "is any point on?": the
 * compiled code depends on its target, and switching the first point on re-targets it, which
 * throws that code away (HotSpot deoptimizes what depended on it), so the next run of the hot
 * loop reads each point's own flag. Then the guard is one volatile read per point. A per-point volatile flag alone (what this class did first) cost about a dozen
 * volatile reads per MSI, each also a barrier the JIT cannot move loads across; measured in
 * {@code benchmarks/README.md}. Nothing is boxed or allocated either way: the {@code emit}
 * overloads take {@code long}s (no varargs). Emitting while off is harmless (the record is
 * dropped), but then the arguments were computed for nothing.
 *
 * <p>The flag is volatile, and the call site re-targeted, so that a {@code trace on} from the
 * shell reaches a hot loop that the JIT compiled while it was off.
 */
public final class TracePoint {
    /** A point that is always off, for models outside a machine (unit tests) and optional hops. */
    public static final TracePoint NEVER = new TracePoint(
            TraceEvent.of("never", "a trace point that is never on"), (p, t, a, b, c, d, e, f) -> {
            });

    /**
     * How {@link #on()} is guarded, fixed for the JVM's life by the system property
     * {@code trapdoor.trace.guard} (read once, so the JIT folds the test): {@code switch} (the
     * default) as described above; {@code volatile}, each point's flag alone (the first
     * implementation, kept to measure against); {@code folded}, no point is ever on (the same
     * code with the guard constant-folded: what the trace points cost when compiled out). The
     * last two are for benchmarks ({@code MsiPathBenchmark}); never set them in a machine.
     */
    private static final int GUARD = guard(System.getProperty("trapdoor.trace.guard", "switch"));
    private static final int SWITCH = 0, VOLATILE = 1, FOLDED = 2;

    /** Its target answers whether any point of any registry in this JVM is on. */
    private static final MutableCallSite ANY = new MutableCallSite(MethodHandles.constant(boolean.class, false));
    private static final MethodHandle ANY_ON = ANY.dynamicInvoker();
    /** Points on now, JVM-wide; guarded by the class's lock. */
    private static int pointsOn;

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
        return anyOn() && on;
    }

    private static boolean anyOn() {
        if (GUARD == FOLDED) {
            return false;
        }
        if (GUARD == VOLATILE) {
            return true;
        }
        try {
            return (boolean) ANY_ON.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t); // a constant method handle throws nothing
        }
    }

    /** Switches the point; for the registry that owns it (a model never calls this). */
    public void set(boolean on) {
        if (this == NEVER) {
            return;
        }
        synchronized (TracePoint.class) {
            if (this.on == on) {
                return;
            }
            // Off to on: the flag first, then the switch, so a thread that sees the switch on
            // finds the flag on. On to off: the flag only; the switch goes off with the last one.
            this.on = on;
            pointsOn += on ? 1 : -1;
            if (on ? pointsOn == 1 : pointsOn == 0) {
                ANY.setTarget(MethodHandles.constant(boolean.class, on));
                MutableCallSite.syncAll(new MutableCallSite[] {ANY});
            }
        }
    }

    private static int guard(String mode) {
        return switch (mode) {
            case "volatile" -> VOLATILE;
            case "folded" -> FOLDED;
            default -> SWITCH;
        };
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
