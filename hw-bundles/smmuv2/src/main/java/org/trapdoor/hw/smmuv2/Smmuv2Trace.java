package org.trapdoor.hw.smmuv2;

import java.util.List;

import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;

/** The SMMUv2's trace events ({@code smmuv2_*}) and its live points in one machine. */
final class Smmuv2Trace {
    static final TraceEvent TRANSLATE = TraceEvent.of("smmuv2_translate", "a transaction translated by StreamID",
            TraceField.dec("sid"), TraceField.hex("ia"), TraceField.hex("pa"), TraceField.flag("write"),
            TraceField.choice("how", List.of("client port disabled: bypass", "TLB hit", "stream match and walk")));
    static final TraceEvent FAULT = TraceEvent.of("smmuv2_fault",
            "a fault latched in a context bank (cb >= 0) or the global fault registers (cb = -1)",
            TraceField.choice("kind", IommuFault.Kind.class), TraceField.dec("sid"), TraceField.hex("ia"),
            TraceField.flag("write"), TraceField.dec("cb"));

    final TracePoint translate;
    final TracePoint fault;

    Smmuv2Trace(Tracing tracing) {
        translate = tracing.point(TRANSLATE);
        fault = tracing.point(FAULT);
    }
}
