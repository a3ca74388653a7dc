package org.trapdoor.hw.gicv3;

import java.util.List;

import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;

/** The GICv3's trace events ({@code gicv3_*}) and its live points in one machine. */
final class Gicv3Trace {
    private static final List<String> OUTCOMES = InterruptCounters.OUTCOME.fields().get(0).labels();

    static final TraceEvent SET_PENDING = TraceEvent.of("gicv3_set_pending",
            "an LPI or SPI made pending (or why not: the outcome), before the CPU is signalled",
            TraceField.dec("intid"), TraceField.dec("target"), TraceField.choice("outcome", OUTCOMES));
    static final TraceEvent ACK = TraceEvent.of("gicv3_ack", "a CPU acknowledged an interrupt (ICC_IAR1_EL1)",
            TraceField.dec("cpu"), TraceField.dec("intid"));
    static final TraceEvent EOI = TraceEvent.of("gicv3_eoi", "a CPU ended an interrupt (ICC_EOIR1_EL1)",
            TraceField.dec("cpu"), TraceField.dec("intid"));

    final TracePoint setPending;
    final TracePoint ack;
    final TracePoint eoi;

    Gicv3Trace(Tracing tracing) {
        setPending = tracing.point(SET_PENDING);
        ack = tracing.point(ACK);
        eoi = tracing.point(EOI);
    }

    /** The outcome as {@code gicv3_set_pending} carries it: 0 accepted, else 1 + the reason. */
    static long outcome(org.trapdoor.api.irq.DropReason r) {
        return r == null ? 0 : 1 + r.ordinal();
    }
}
