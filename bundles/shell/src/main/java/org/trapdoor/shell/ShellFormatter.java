package org.trapdoor.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.shell.command.Table;
import org.trapdoor.api.memory.MemResult;

/**
 * Renders the shell's result objects as text. Commands return data; this is the only place that
 * decides how it looks, so pipes and scripts still get the objects.
 *
 * <p>Levels follow Gogo's {@code Converter}: {@link #INSPECT} is the full table a command prints,
 * {@link #LINE} one line (an element of a list), {@link #PART} a short name.
 */
public final class ShellFormatter {
    public static final int INSPECT = 0;
    public static final int LINE = 1;
    public static final int PART = 2;

    private ShellFormatter() {
    }

    /** The text for {@code o} at {@code level}, or {@code null} if it is none of the shell's types. */
    public static CharSequence format(Object o, int level) {
        if (o instanceof PlatformListing p) {
            return level == INSPECT ? platform(p) : p.source() + " (" + p.nodes().size() + " nodes)";
        }
        if (o instanceof DriverListing d) {
            return level == INSPECT ? drivers(d.drivers()) : d.drivers().size() + " drivers";
        }
        if (o instanceof NodeInfo n) {
            return level == PART ? n.path() : nodeLine(n);
        }
        if (o instanceof DriverInfo d) {
            return level == PART ? d.name() : driverLine(d);
        }
        if (o instanceof MemAccess m) {
            return mem(m);
        }
        return null; // the command packages' results have converters of their own
    }

    /** One row per node: path, compatible, reg, driver, state (and why, when unbound). */
    public static String platform(PlatformListing p) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "COMPATIBLE", "REG", "DRIVER", "STATE"});
        for (NodeInfo n : p.nodes()) {
            rows.add(nodeColumns(n));
        }
        return "platform " + p.source() + "\n" + table(rows);
    }

    /**
     * The driver table. Two drivers with one name are marked: {@code bind NODE NAME} takes the
     * one with the highest ranking, the first registered on a tie (the composer's rule, as OSGi
     * orders services), and the listing says which that is.
     */
    public static String drivers(List<DriverInfo> drivers) {
        if (drivers.isEmpty()) {
            return "no drivers registered";
        }
        List<DriverInfo> chosen = bindChoices(drivers);
        boolean duplicates = chosen.size() < drivers.size();
        List<String[]> rows = new ArrayList<>();
        rows.add(duplicates ? new String[] {"DRIVER", "COMPATIBLE", "RANKING", "BUNDLE", "BOUND NODES", "NOTE"}
                : new String[] {"DRIVER", "COMPATIBLE", "RANKING", "BUNDLE", "BOUND NODES"});
        for (DriverInfo d : drivers) {
            String[] c = driverColumns(d);
            if (duplicates) {
                c = java.util.Arrays.copyOf(c, c.length + 1);
                long same = drivers.stream().filter(o -> o.name().equals(d.name())).count();
                c[c.length - 1] = same == 1 ? "" : chosen.stream().anyMatch(x -> x == d) ? "duplicate name: bind " + d.name() + " takes this one"
                        : "duplicate name: not taken by bind";
            }
            rows.add(c);
        }
        String text = table(rows);
        if (duplicates) {
            text += "\nA name that two drivers have: bind takes the highest ranking, the first registered on a tie.";
        }
        return text;
    }

    /** For each driver name, the one {@code bind} takes: highest ranking, first registered on a tie. */
    static List<DriverInfo> bindChoices(List<DriverInfo> drivers) {
        java.util.Map<String, DriverInfo> best = new java.util.LinkedHashMap<>();
        for (DriverInfo d : drivers) {
            DriverInfo b = best.get(d.name());
            if (b == null || d.ranking() > b.ranking()) {
                best.put(d.name(), d);
            }
        }
        return new ArrayList<>(best.values());
    }

    public static String nodeLine(NodeInfo n) {
        return String.join("  ", nodeColumns(n));
    }

    public static String driverLine(DriverInfo d) {
        return String.join("  ", driverColumns(d));
    }

    /** {@code 0x08000000/4 -> 0x12345678} or the write, then the result when it is not OK. */
    public static String mem(MemAccess m) {
        String access = String.format("0x%x/%d", m.address(), m.size());
        String text = m.write()
                ? access + " <- " + Numbers.hex(m.data(), m.size())
                : access + " -> " + Numbers.hex(m.data(), m.size());
        if (m.result() == MemResult.OK) {
            return text;
        }
        String why = m.result() == MemResult.DECODE_ERROR
                ? "decode error: no model serves this address" + (m.write() ? ", write dropped" : ", read as all-ones")
                : "abort: the target refused the access" + (m.write() ? ", write dropped" : ", read as all-ones");
        return text + "  (" + why + ")";
    }

    private static String[] nodeColumns(NodeInfo n) {
        String state = n.state().name().toLowerCase(Locale.ROOT);
        if (n.problem() != null && !n.problem().isEmpty()) {
            state += " (" + n.problem() + ")";
        }
        if (n.unboundAccesses() > 0) {
            state += " [" + n.unboundAccesses() + " unclaimed accesses]";
        }
        return new String[] {n.path(), compatibles(n.compatibles()),
                orDash(n.reg(), ShellFormatter::reg), n.driver() == null ? "-" : n.driver(), state};
    }

    private static String[] driverColumns(DriverInfo d) {
        return new String[] {d.name(), compatibles(d.compatibles()), Integer.toString(d.ranking()),
                d.origin(), orDash(d.boundNodes(), String::valueOf)};
    }

    /**
     * A compatible list as device-tree source writes it, {@code "arm,pl011", "arm,primecell"}:
     * the strings themselves contain commas, so joining them with commas would be ambiguous.
     */
    static String compatibles(List<String> compatibles) {
        if (compatibles == null || compatibles.isEmpty()) {
            return "-";
        }
        List<String> quoted = new ArrayList<>();
        for (String c : compatibles) {
            quoted.add('"' + c + '"');
        }
        return String.join(", ", quoted);
    }

    private static String reg(RegEntry r) {
        return String.format("0x%x+0x%x", r.address(), r.size());
    }

    private static <T> String orDash(List<T> items, Function<T, String> text) {
        if (items == null || items.isEmpty()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        for (T t : items) {
            parts.add(text.apply(t));
        }
        return String.join(",", parts);
    }

    /** Left-aligned columns separated by two spaces; the last column is not padded ({@link Table}). */
    public static String table(List<String[]> rows) {
        return Table.render(rows);
    }
}
