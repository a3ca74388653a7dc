package org.trapdoor.hw.smmuv3;

import java.util.List;

import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;

/** The SMMUv3's trace events ({@code smmuv3_*}) and its live points in one machine. */
final class Smmuv3Trace {
    /** How a translation was answered: {@code smmuv3_translate}'s {@code how}. */
    static final int GBPA = 0, TLB = 1, WALK = 2;

    static final TraceEvent TRANSLATE = TraceEvent.of("smmuv3_translate", "a transaction translated by StreamID",
            TraceField.dec("sid"), TraceField.hex("iova"), TraceField.hex("pa"), TraceField.flag("write"),
            TraceField.choice("how", List.of("SMMU disabled: GBPA bypass", "IOTLB hit", "table walk")));
    static final TraceEvent FAULT = TraceEvent.of("smmuv3_fault", "a transaction aborted by the SMMU",
            TraceField.dec("sid"), TraceField.hex("iova"), TraceField.flag("write"),
            TraceField.choice("why", List.of("SMMU disabled: GBPA abort", "configuration or walk fault")));
    static final TraceEvent EVENT = TraceEvent.of("smmuv3_event", "an event record for the event queue",
            TraceField.hex("id"), TraceField.dec("sid"), TraceField.hex("iova"),
            TraceField.choice("queued", List.of("written", "queue disabled", "queue full", "queue not in RAM")));
    static final TraceEvent COMMAND = TraceEvent.of("smmuv3_command", "the SMMU executed a command",
            TraceField.hex("op"), TraceField.hex("dw0"), TraceField.hex("dw1"), TraceField.flag("ok"));

    final TracePoint translate;
    final TracePoint fault;
    final TracePoint event;
    final TracePoint command;

    Smmuv3Trace(Tracing tracing) {
        translate = tracing.point(TRANSLATE);
        fault = tracing.point(FAULT);
        event = tracing.point(EVENT);
        command = tracing.point(COMMAND);
    }
}
