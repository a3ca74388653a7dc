package org.trapdoor.xen.trace;

import java.util.List;

import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;

/**
 * Xen's trace events and their live points in one machine. Each part of the model keeps the point
 * it emits on and guards the emit with {@link TracePoint#on()}: off, a trap, a hypercall or an
 * injection pays one volatile read.
 *
 * <p>Outcomes use the MSI ledger's labels ({@code delivered}, else the {@code DropReason}), so a
 * {@code xen_irq} or {@code xen_inject} record reads like the {@code msi_ledger} line it matches.
 */
public final class XenTrace {
    private static final List<String> OUTCOMES = InterruptCounters.OUTCOME.fields().get(0).labels();

    public static final TraceEvent MMIO_TRAP = TraceEvent.of("xen_mmio_trap",
            "a guest's load or store to an IPA range Xen traps and emulates (a stage-2 data abort), with the data "
                    + "read or written and the result",
            TraceField.text("domain"), TraceField.hex("ipa"), TraceField.dec("size"), TraceField.flag("write"),
            TraceField.hex("data"), TraceField.choice("result", MemResult.class));
    public static final TraceEvent HYPERCALL = TraceEvent.of("xen_hypercall",
            "a guest's HVC (do_trap_hypercall): the call number, its first three arguments and the return value",
            TraceField.dec("domid"), TraceField.dec("op"), TraceField.hex("a0"), TraceField.hex("a1"),
            TraceField.hex("a2"), TraceField.dec("rc"));
    public static final TraceEvent IRQ = TraceEvent.of("xen_irq",
            "a physical SPI or LPI Xen took for a guest (gic_interrupt, do_IRQ, gicv3_do_LPI) and its fate",
            TraceField.dec("cpu"), TraceField.dec("intid"), TraceField.choice("outcome", OUTCOMES));
    public static final TraceEvent INJECT = TraceEvent.of("xen_inject",
            "vgic_inject_irq: a virtual interrupt made pending on a domain's vCPU, or why it was not",
            TraceField.text("domain"), TraceField.dec("vcpu"), TraceField.dec("vintid"),
            TraceField.choice("outcome", OUTCOMES));
    public static final TraceEvent VITS_COMMAND = TraceEvent.of("xen_vits_command",
            "the virtual ITS executed a command from a guest's queue (vgic_its_handle_cmds)",
            TraceField.text("domain"), TraceField.hex("op"), TraceField.dec("devid"), TraceField.dec("eventid"),
            TraceField.flag("ok"));

    /** Points that are never on (a part built outside a machine with tracing). */
    public static final XenTrace OFF = new XenTrace(Tracing.OFF);

    public final TracePoint mmioTrap;
    public final TracePoint hypercall;
    public final TracePoint irq;
    public final TracePoint inject;
    public final TracePoint vitsCommand;

    /** Declares Xen's events in {@code tracing} (slow path: once, when Xen or its interrupt side is made). */
    public XenTrace(Tracing tracing) {
        mmioTrap = tracing.point(MMIO_TRAP);
        hypercall = tracing.point(HYPERCALL);
        irq = tracing.point(IRQ);
        inject = tracing.point(INJECT);
        vitsCommand = tracing.point(VITS_COMMAND);
    }

    /** The {@code outcome} value of an injection or physical interrupt: 0 delivered, else 1 + the reason. */
    public static long outcome(org.trapdoor.api.irq.DropReason r) {
        return r == null ? 0 : 1 + r.ordinal();
    }
}
