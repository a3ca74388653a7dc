package org.trapdoor.hw.gicv3.its;

import java.util.List;

import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;

/** The ITS's trace events ({@code its_*}) and its live points in one machine. */
final class ItsTrace {
    /** The command names by opcode, for {@code its_command}'s {@code op}. */
    private static final List<String> OPS = opNames();

    static final TraceEvent COMMAND = TraceEvent.of("its_command", "the ITS executed a command from its queue",
            TraceField.choice("op", OPS), TraceField.dec("devid"), TraceField.dec("eventid"), TraceField.dec("icid"),
            TraceField.flag("ok"));
    static final TraceEvent TRANSLATE = TraceEvent.of("its_translate",
            "DeviceID and EventID translated to an LPI and its redistributor (from the cache or the tables)",
            TraceField.dec("devid"), TraceField.dec("eventid"), TraceField.dec("lpi"), TraceField.dec("target"),
            TraceField.flag("cached"));
    static final TraceEvent MSI = TraceEvent.of("its_msi", "a GITS_TRANSLATER write and its outcome",
            TraceField.dec("devid"), TraceField.dec("eventid"), TraceField.choice("outcome", InterruptCounters.OUTCOME
                    .fields().get(0).labels()));

    final TracePoint command;
    final TracePoint translate;
    final TracePoint msi;

    ItsTrace(Tracing tracing) {
        command = tracing.point(COMMAND);
        translate = tracing.point(TRANSLATE);
        msi = tracing.point(MSI);
    }

    private static List<String> opNames() {
        String[] n = new String[256];
        for (int i = 0; i < n.length; i++) {
            n[i] = "0x" + Integer.toHexString(i);
        }
        n[0x01] = "MOVI";
        n[0x03] = "INT";
        n[0x04] = "CLEAR";
        n[0x05] = "SYNC";
        n[0x08] = "MAPD";
        n[0x09] = "MAPC";
        n[0x0a] = "MAPTI";
        n[0x0b] = "MAPI";
        n[0x0c] = "INV";
        n[0x0d] = "INVALL";
        n[0x0e] = "MOVALL";
        n[0x0f] = "DISCARD";
        return List.of(n);
    }
}
