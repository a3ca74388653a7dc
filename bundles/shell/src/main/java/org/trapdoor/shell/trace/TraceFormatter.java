package org.trapdoor.shell.trace;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.machine.SwapRecord;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.shell.ShellFormatter;
import org.trapdoor.shell.command.Table;

/** Renders the tracing commands' results. */
public final class TraceFormatter {
    private TraceFormatter() {
    }

    /** The text for {@code o} at {@code level}, or {@code null} if it is not ours. */
    public static CharSequence format(Object o, int level) {
        if (o instanceof TraceListing l) {
            return level == ShellFormatter.INSPECT ? listing(l) : l.points().size() + " trace points";
        }
        if (o instanceof TraceShow s) {
            return level == ShellFormatter.INSPECT ? show(s) : s.records().size() + " trace records";
        }
        if (o instanceof TraceChange c) {
            return c.message();
        }
        if (o instanceof SwapListing s) {
            return level == ShellFormatter.INSPECT ? swaps(s) : s.swaps().size() + " swaps";
        }
        if (o instanceof FollowReport f) {
            return level == ShellFormatter.INSPECT ? follow(f) : f.hops().size() + " hops";
        }
        return null;
    }

    static String listing(TraceListing l) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"POINT", "STATE", "FIELDS", "MEANING"});
        for (TraceListing.Point p : l.points()) {
            String sig = p.signature();
            rows.add(new String[] {p.name(), p.on() ? "on" : "off", sig.substring(sig.indexOf('(')), p.description()});
        }
        return Table.render(rows) + "\nring: " + l.capacity() + " records, " + l.recorded() + " recorded so far"
                + (l.file() == null ? "" : "; writing to " + l.file());
    }

    static String show(TraceShow s) {
        if (s.records().isEmpty()) {
            return "no trace records (" + s.recorded() + " so far; 'trace on PATTERN' switches points on)";
        }
        StringBuilder b = new StringBuilder();
        for (TraceRecord r : s.records()) {
            b.append(String.format("%8d %6d %s%n", r.sequence(), r.threadId(), r));
        }
        return b.toString().stripTrailing();
    }

    static String swaps(SwapListing s) {
        if (s.swaps().isEmpty()) {
            return "no binds, unbinds or swaps yet";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "KIND", "FROM", "TO", "TOTAL", "STALL"});
        for (SwapRecord r : s.swaps()) {
            rows.add(new String[] {r.node(), r.kind(), r.from() == null ? "-" : r.from(), r.to() == null ? "-" : r.to(),
                    micros(r.totalNanos()), micros(r.stallNanos())});
        }
        return Table.render(rows);
    }

    private static String micros(long nanos) {
        return String.format("%.1f us", nanos / 1000.0);
    }

    /** The hop a record belongs to, from its event's prefix: {@code its_translate} is the ITS's. */
    static String hop(TraceRecord r) {
        String n = r.event().name();
        int u = n.indexOf('_');
        String prefix = u < 0 ? n : n.substring(0, u);
        return switch (prefix) {
            case "pci" -> n.startsWith("pci_port") ? "port" : "device";
            case "node" -> "node";
            case "msi" -> "ledger";
            default -> prefix;
        };
    }

    static String follow(FollowReport f) {
        StringBuilder b = new StringBuilder(f.what()).append('\n');
        if (f.hops().isEmpty()) {
            b.append("  (no hop reported a record)\n");
        }
        for (TraceRecord r : f.hops()) {
            b.append(String.format("  %-8s %s%n", hop(r), r));
        }
        if (f.lost() > 0) {
            b.append("  (").append(f.lost()).append(" records lost: other traffic overran the ring; some hops may be missing)\n");
        }
        b.append(f.result());
        if (f.ledger() != null) {
            b.append("\nledger: ").append(f.ledger());
        }
        return b.toString();
    }
}
