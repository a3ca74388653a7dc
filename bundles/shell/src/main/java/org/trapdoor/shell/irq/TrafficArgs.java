package org.trapdoor.shell.irq;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.shell.Numbers;
import org.trapdoor.shell.command.Bdf;

/**
 * The arguments of {@code traffic start [RATE] [DEVICES]} and {@code traffic run COUNT [DEVICES]}:
 * a rate ({@code 5000}, {@code 5000/s}, or {@code max} for unthrottled) in MSIs per second in all,
 * spread over the devices, and devices as {@code all} or a comma list of functions ({@link Bdf}).
 */
public record TrafficArgs(long rate, List<Bdf> devices) {
    /** The rate of {@code traffic start} without one: gentle enough for a shared machine. */
    public static final long DEFAULT_RATE = 1000;

    public TrafficArgs {
        devices = devices == null ? null : List.copyOf(devices);
    }

    /** True when every device that can raise MSIs is meant. */
    public boolean allDevices() {
        return devices == null;
    }

    /** {@code traffic start} arguments: none, RATE, DEVICES, or RATE DEVICES. */
    public static TrafficArgs start(List<String> args) {
        if (args.size() > 2) {
            throw new IllegalArgumentException("traffic start takes at most RATE and DEVICES, got " + args.size()
                    + " arguments");
        }
        if (args.isEmpty()) {
            return new TrafficArgs(DEFAULT_RATE, null);
        }
        if (args.size() == 1) {
            String a = args.get(0);
            return looksLikeRate(a) ? new TrafficArgs(rate(a), null) : new TrafficArgs(DEFAULT_RATE, devices(a));
        }
        return new TrafficArgs(rate(args.get(0)), devices(args.get(1)));
    }

    /** The COUNT of {@code traffic run}. */
    public static long count(String text) {
        return Numbers.parse(text, "COUNT");
    }

    /** A rate in MSIs per second: a number, optionally with {@code /s}, or {@code max} (0). */
    public static long rate(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("max")) {
            return 0;
        }
        if (t.endsWith("/s")) {
            t = t.substring(0, t.length() - 2);
        }
        if (t.startsWith("-")) {
            throw new IllegalArgumentException("RATE '" + text + "' is negative: give MSIs per second, or 'max'");
        }
        long r = Numbers.parse(t, "RATE");
        if (r < 0) {
            throw new IllegalArgumentException("RATE '" + text + "' is beyond what a generator can aim for");
        }
        if (r == 0) {
            // 0 is the generator's own code for unthrottled; a user who types it means no traffic.
            throw new IllegalArgumentException("RATE 0 raises nothing: give MSIs per second, or 'max' for as fast as possible");
        }
        return r;
    }

    private static boolean looksLikeRate(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return t.equals("max") || t.matches("-?(0x[0-9a-f_]+|[0-9_]+)(/s)?");
    }

    /** {@code all}, or a comma list of {@code [DDDD:]BB:DD.F}; null means all. */
    public static List<Bdf> devices(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase("all")) {
            return null;
        }
        List<Bdf> out = new ArrayList<>();
        for (String part : t.split(",", -1)) {
            Bdf b = bdf(part.strip());
            if (!out.contains(b)) {
                out.add(b);
            }
        }
        return out;
    }

    /** A function in any of {@link Bdf}'s forms. */
    public static Bdf bdf(String text) {
        return Bdf.parse(text, "device");
    }

    /**
     * The sources these arguments name, in the order given ({@code all}: every source).
     *
     * @throws IllegalArgumentException naming a function that raises no MSIs, or when nothing
     *                                  can raise MSIs at all
     */
    public List<MsiSource> select(List<MsiSource> sources) {
        return select(sources, rid -> rid);
    }

    /**
     * As {@link #select(List)}, a function named by its requester ID or by where it sits as lspci
     * shows it ({@code located}: behind a root port, the secondary bus).
     */
    public List<MsiSource> select(List<MsiSource> sources, java.util.function.IntUnaryOperator located) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no device on this machine can raise MSIs (attach one with --device)");
        }
        if (devices == null) {
            return List.copyOf(sources);
        }
        List<MsiSource> out = new ArrayList<>();
        for (Bdf b : devices) {
            MsiSource found = null;
            for (MsiSource s : sources) {
                if (s.requesterId() == b.requesterId()
                        || (s.requesterId() >= 0 && located.applyAsInt(s.requesterId()) == b.requesterId())) {
                    if (found != null) {
                        throw new IllegalArgumentException("device " + b + " is ambiguous: two devices answer to "
                                + "requester ID " + String.format("%04x", b.requesterId()));
                    }
                    found = s;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("no device at " + b + " raises MSIs (devices that do: "
                        + names(sources, located) + ")");
            }
            out.add(found);
        }
        return out;
    }

    /** The sources as {@code BB:DD.F} requester IDs, for messages and reports. */
    public static String names(List<MsiSource> sources) {
        return names(sources, rid -> rid);
    }

    static String names(List<MsiSource> sources, java.util.function.IntUnaryOperator located) {
        List<String> n = new ArrayList<>();
        for (MsiSource s : sources) {
            n.add(rid(s.requesterId() < 0 ? s.requesterId() : located.applyAsInt(s.requesterId())));
        }
        return String.join(",", n);
    }

    static String rid(int rid) {
        return rid < 0 ? "unplugged" : String.format("%02x:%02x.%x", rid >> 8 & 0xff, rid >> 3 & 0x1f, rid & 7);
    }
}
