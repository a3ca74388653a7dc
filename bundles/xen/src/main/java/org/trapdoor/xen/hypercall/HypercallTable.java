package org.trapdoor.xen.hypercall;

import java.util.concurrent.atomic.AtomicReferenceArray;

import org.trapdoor.api.guest.Hypercalls;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.xen.domain.XenDomain;

/**
 * The HVC dispatch ({@code do_trap_hypercall} over {@code arm_hypercall_table}): the call number
 * in x16 picks the handler; a number without one returns {@code -ENOSYS}, as Xen does. Handlers
 * are registered by the subsystems that implement them.
 */
public final class HypercallTable {
    public static final int XEN_VERSION = 17;
    public static final int PHYSDEV_OP = 33;
    /** {@code NR_hypercalls}. */
    public static final int NR_HYPERCALLS = 64;

    private final AtomicReferenceArray<HypercallHandler> handlers = new AtomicReferenceArray<>(NR_HYPERCALLS);

    /**
     * Installs {@code handler} for {@code number}.
     *
     * @throws IllegalStateException if the number has a handler already
     */
    public void register(int number, HypercallHandler handler) {
        check(number);
        if (!handlers.compareAndSet(number, null, handler)) {
            throw new IllegalStateException("hypercall " + number + " has a handler already");
        }
    }

    public void unregister(int number, HypercallHandler handler) {
        check(number);
        handlers.compareAndSet(number, handler, null);
    }

    /** Dispatches one call from {@code caller}. */
    public long dispatch(XenDomain caller, int number, long a0, long a1, long a2, long a3, long a4) {
        HypercallHandler h = number >= 0 && number < NR_HYPERCALLS ? handlers.get(number) : null;
        long rc = h == null ? -Errno.ENOSYS : h.call(caller, a0, a1, a2, a3, a4);
        TracePoint tp = trace;
        if (tp.on()) {
            tp.emit(caller == null ? -1 : caller.id(), number, a0, a1, a2, rc);
        }
        return rc;
    }

    private volatile TracePoint trace = TracePoint.NEVER;

    /** Traces every call on {@code point} (an {@code xen_hypercall} point) while it is on. */
    public void trace(TracePoint point) {
        trace = point;
    }

    /** The HVC instruction as {@code d}'s CPUs execute it. */
    public Hypercalls forDomain(XenDomain d) {
        return (number, a0, a1, a2, a3, a4) -> dispatch(d, number, a0, a1, a2, a3, a4);
    }

    private static void check(int number) {
        if (number < 0 || number >= NR_HYPERCALLS) {
            throw new IllegalArgumentException("hypercall number " + number + " outside 0.." + (NR_HYPERCALLS - 1));
        }
    }
}
