package org.trapdoor.hw.gicv2;

import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;

/** The GICv2's trace events ({@code gicv2_*}) and its live points in one machine. */
final class Gicv2Trace {
    static final TraceEvent SET_PENDING = TraceEvent.of("gicv2_set_pending",
            "an SPI's input raised (an MSI frame's pulse or a wired line); the ledger has the outcome",
            TraceField.dec("intid"));
    static final TraceEvent ACK = TraceEvent.of("gicv2_ack", "a CPU acknowledged an interrupt (GICC_IAR)",
            TraceField.dec("cpu"), TraceField.dec("intid"));
    static final TraceEvent EOI = TraceEvent.of("gicv2_eoi", "a CPU ended an active interrupt (GICC_EOIR)",
            TraceField.dec("cpu"), TraceField.dec("intid"));

    final TracePoint setPending;
    final TracePoint ack;
    final TracePoint eoi;

    Gicv2Trace(Tracing tracing) {
        setPending = tracing.point(SET_PENDING);
        ack = tracing.point(ACK);
        eoi = tracing.point(EOI);
    }
}
