package org.trapdoor.shell.irq;

import org.trapdoor.shell.command.Bdf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.ItsInspection;
import org.trapdoor.shell.ShellFormatter;

/**
 * Renders the interrupt commands' results. {@code msi} and {@code stats} lines are meant for
 * grep: {@code key=value} fields in a fixed order.
 */
public final class IrqFormatter {
    private IrqFormatter() {
    }

    /** The text for {@code o} at {@code level} (see {@link ShellFormatter}), or {@code null}. */
    public static CharSequence format(Object o, int level) {
        if (o instanceof MsiListing m) {
            return level == ShellFormatter.INSPECT ? msi(m) : m.vectors().size() + " MSI vectors";
        }
        if (o instanceof GuestMsiVector v) {
            return vector(v);
        }
        if (o instanceof IrqListing i) {
            return level == ShellFormatter.INSPECT ? irq(i) : i.lines().size() + " interrupts";
        }
        if (o instanceof LedgerStats s) {
            if (level != ShellFormatter.INSPECT) {
                return counts(s.ledger());
            }
            StringBuilder sb = new StringBuilder(stats(s.ledger()));
            for (String note : s.notes()) {
                sb.append("\nnote: ").append(note);
            }
            return sb.toString();
        }
        if (o instanceof TrafficReport t) {
            return traffic(t);
        }
        if (o instanceof ItsListing l) {
            return level == ShellFormatter.INSPECT ? its(l) : l.entries().size() + " ITS";
        }
        return null;
    }

    /** One line per vector. */
    public static String msi(MsiListing m) {
        if (m.kernel() == null) {
            return "no guest kernel: nothing programmed any MSI";
        }
        if (m.vectors().isEmpty()) {
            return "no MSI vectors: " + m.kernel() + " set up none (no MSI-capable device, or no MSI controller)";
        }
        List<String> lines = new ArrayList<>();
        for (GuestMsiVector v : m.vectors()) {
            lines.add(vector(v));
        }
        return String.join("\n", lines);
    }

    /**
     * {@code 0000:00:01.0 vector=0 address=0x0000000008090040 data=0x00000000 target=LPI 8192 count=3
     * mode=MSI-X masked=no}, on one line.
     */
    public static String vector(GuestMsiVector v) {
        return String.format("%s vector=%d address=0x%016x data=0x%08x target=%s %d count=%d mode=%s masked=%s",
                Bdf.printed(v.bdf()), v.vector(), v.address(), v.data(), v.target(), v.intid(), v.count(),
                v.mode() == GuestMsiVector.Mode.MSIX ? "MSI-X" : "MSI", v.masked() ? "yes" : "no");
    }

    /**
     * A table like {@code /proc/interrupts}: after HANDLED (any CPU), a {@code CPUn} column per CPU
     * when the guest counts per CPU.
     */
    public static String irq(IrqListing l) {
        if (l.kernel() == null) {
            return "no guest kernel: no interrupt was set up or taken";
        }
        if (l.lines().isEmpty()) {
            return "no interrupts set up or taken by " + l.kernel();
        }
        int cpus = 0;
        for (IrqListing.Line x : l.lines()) {
            cpus = Math.max(cpus, x.perCpu().size());
        }
        List<String[]> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("INTID", "TYPE", "HANDLED"));
        for (int c = 0; c < cpus; c++) {
            head.add("CPU" + c);
        }
        head.addAll(List.of("PENDED", "CONTROLLER", "DEVICE"));
        rows.add(head.toArray(new String[0]));
        for (IrqListing.Line x : l.lines()) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(x.intid()), x.type(), Long.toString(x.handled())));
            for (int c = 0; c < cpus; c++) {
                row.add(c < x.perCpu().size() ? Long.toString(x.perCpu().get(c)) : "-");
            }
            row.addAll(List.of(x.pended() < 0 ? "-" : Long.toString(x.pended()), x.controller(),
                    x.owner().isEmpty() ? "-" : Bdf.printed(x.owner())));
            rows.add(row.toArray(new String[0]));
        }
        return ShellFormatter.table(rows) + "\nHANDLED: taken by the guest (any CPU); PENDED: made pending at "
                + (l.controller() == null ? "the interrupt controller" : l.controller()) + " since it was bound";
    }

    /** {@code fired=N delivered=N dropped=N}. */
    public static String counts(InterruptCounters.Snapshot s) {
        return "fired=" + s.fired() + " delivered=" + s.delivered() + " dropped=" + s.dropped();
    }

    /** The counts line, then {@code dropped REASON=N  description} per non-zero reason. */
    public static String stats(InterruptCounters.Snapshot s) {
        StringBuilder sb = new StringBuilder(counts(s));
        int width = 0;
        for (DropReason r : s.byReason().keySet()) {
            width = Math.max(width, (r.name() + "=" + s.byReason().get(r)).length());
        }
        for (Map.Entry<DropReason, Long> e : s.byReason().entrySet()) {
            if (e.getValue() == 0) {
                continue;
            }
            String head = e.getKey().name() + "=" + e.getValue();
            sb.append("\ndropped ").append(head).append(" ".repeat(width - head.length() + 2))
                    .append(e.getKey().description());
        }
        return sb.toString();
    }

    public static String traffic(TrafficReport t) {
        String devices = t.devices().isEmpty() ? "" : " devices=" + String.join(",", t.devices());
        return switch (t.action()) {
            case "run" -> (t.cancelled() ? "traffic run cancelled after " + t.status().raised() + " of "
                    + t.requested() + " MSIs: " : "traffic run: ") + t.status() + devices
                    + (t.outcome() == null ? "" : "\n" + stats(t.outcome()));
            case "start" -> "traffic started: " + t.status() + devices;
            case "stop" -> "traffic stopped: " + t.status();
            default -> "traffic " + t.status();
        };
    }

    public static String its(ItsListing l) {
        List<String> parts = new ArrayList<>();
        for (ItsListing.Entry e : l.entries()) {
            String text = e.inspection() == null ? "ITS " + e.node() + ": " + e.why() : its(e.inspection());
            parts.add(e.summary() == null || e.summary().isEmpty() ? text : text + "\nmodel: " + e.summary());
        }
        return String.join("\n\n", parts);
    }

    /** Registers, queue, implemented tables, then devices with their events, then collections. */
    public static String its(ItsInspection i) {
        StringBuilder sb = new StringBuilder();
        sb.append("ITS ").append(i.node()).append(": ").append(i.enabled() ? "enabled" : "disabled")
                .append(i.quiescent() ? ", quiescent" : ", busy").append(String.format(", TYPER=0x%016x", i.typer()));
        ItsInspection.CommandQueue q = i.queue();
        sb.append(String.format("%ncommand queue: CBASER=0x%016x %s", q.cbaser(), q.valid()
                ? String.format("base=0x%x size=0x%x", q.base(), q.size()) : "not valid"));
        sb.append(String.format("%n  CWRITER=0x%x CREADR=0x%x pending=%d stalled=%s", q.cwriter(), q.creadr(),
                q.pending(), q.stalled() ? "yes" : "no"));
        sb.append(String.format("%n  commands=%d bad=%d unknown=%d cwriter-overruns=%d stalls=%d", q.processed(),
                q.errors(), q.unknown(), q.overruns(), q.stalls()));
        sb.append("\ntables:");
        for (ItsInspection.Table t : i.tables()) {
            if (t.type() == 0 && t.baser() == 0) {
                continue; // unimplemented BASER: RAZ/WI
            }
            sb.append(String.format("%n  BASER%d=0x%016x %s ", t.index(), t.baser(), t.typeName()));
            if (t.valid()) {
                sb.append(String.format("%s base=0x%x page=%dK pages=%d entry=%d ids=%d",
                        t.indirect() ? "two-level" : "flat", t.base(), t.pageSize() / 1024, t.pages(), t.entrySize(),
                        t.ids()));
            } else {
                sb.append("not valid");
            }
        }
        sb.append("\ndevices: ").append(i.devices().size());
        for (ItsInspection.DeviceEntry d : i.devices()) {
            sb.append(String.format("%n  DeviceID 0x%x: ITT=0x%x eventid-bits=%d events=%d", d.deviceId(), d.itt(),
                    d.eventIdBits(), d.events().size()));
            for (ItsInspection.EventEntry ev : d.events()) {
                sb.append(String.format("%n    EventID %d -> LPI %d ICID %d", ev.eventId(), ev.intid(), ev.icid()));
            }
        }
        sb.append("\ncollections: ").append(i.collections().size());
        for (ItsInspection.CollectionEntry c : i.collections()) {
            sb.append(String.format("%n  ICID %d -> redistributor %d", c.icid(), c.target()));
        }
        if (i.truncated()) {
            sb.append("\n(listing truncated: the tables hold more entries than are walked at once)");
        }
        for (String p : i.problems()) {
            sb.append("\nproblem: ").append(p);
        }
        return sb.toString();
    }
}
