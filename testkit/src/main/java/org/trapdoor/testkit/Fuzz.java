package org.trapdoor.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded fuzzing inside an ordinary unit test, bounded in time so that it runs in every build.
 *
 * <p>A property is a {@link Case} that gets a {@link SplittableRandom} and throws when an
 * invariant breaks. {@link #run} first replays the property's kept seeds (test resource
 * {@code /fuzz-seeds/NAME.txt}, one hex seed per line, {@code #} comments: every seed that
 * once failed stays a regression case), then runs fresh cases until the time budget is spent.
 * Each fresh case's seed comes from the base seed and its index, so a run is reproducible and a
 * failure names the one seed that replays it.
 *
 * <p>Each case runs on a worker thread watched by the caller: a case that does not finish within
 * the case timeout is reported as a hang with the worker's stack, instead of stalling the build.
 *
 * <p>System properties (the {@code fuzz-long} Maven profile sets the first two):
 * <ul>
 *   <li>{@code trapdoor.fuzz.seconds}: the budget of every property, instead of its default;</li>
 *   <li>{@code trapdoor.fuzz.seed}: the base seed (hex), or {@code random}; by default a fixed one
 *       per property, so that the default build is deterministic up to how far it gets;</li>
 *   <li>{@code trapdoor.fuzz.replay}: {@code NAME:SEED} runs only that case of that property;</li>
 *   <li>{@code trapdoor.fuzz.caseTimeoutSeconds}: the hang limit of one case (default 10).</li>
 * </ul>
 * Each run appends a line (cases, time, rate) to {@code target/fuzz-report.txt}.
 */
public final class Fuzz {
    /** One generated case: throws when an invariant does not hold. */
    @FunctionalInterface
    public interface Case {
        void run(SplittableRandom random) throws Exception;
    }

    /** What a run did. */
    public record Report(String name, int keptSeeds, long cases, double seconds, long baseSeed) {
        public double casesPerSecond() {
            return seconds <= 0 ? 0 : cases / seconds;
        }

        @Override
        public String toString() {
            return String.format("fuzz %s: %d kept seeds + %d cases in %.2f s (%.0f cases/s), base seed 0x%x",
                    name, keptSeeds, cases, seconds, casesPerSecond(), baseSeed);
        }
    }

    private static final long GOLDEN = 0x9e37_79b9_7f4a_7c15L;

    private final String name;
    private final Class<?> owner;
    private double seconds;
    private long maxCases = Long.MAX_VALUE;

    private Fuzz(String name, Class<?> owner) {
        this.name = name;
        this.owner = owner;
        this.seconds = 2;
    }

    /**
     * A property called {@code name}; its kept seeds are the resource {@code /fuzz-seeds/NAME.txt}
     * of {@code owner}'s class path (the test module's {@code src/test/resources}).
     */
    public static Fuzz property(String name, Class<?> owner) {
        return new Fuzz(name, owner);
    }

    /** The default time budget (overridden by {@code trapdoor.fuzz.seconds}). */
    public Fuzz seconds(double s) {
        this.seconds = s;
        return this;
    }

    /** At most this many fresh cases, whatever the budget (for expensive cases). */
    public Fuzz maxCases(long n) {
        this.maxCases = n;
        return this;
    }

    /** Replays the kept seeds, then runs fresh cases for the budget; throws on the first failure. */
    public Report run(Case c) {
        String replay = System.getProperty("trapdoor.fuzz.replay", "");
        if (!replay.isEmpty()) {
            int colon = replay.lastIndexOf(':');
            if (colon < 0 || !replay.substring(0, colon).equals(name)) {
                return new Report(name, 0, 0, 0, 0);
            }
            long seed = Long.parseUnsignedLong(strip(replay.substring(colon + 1)), 16);
            Worker w = new Worker(c, List.of(seed), 0, 0, 0);
            w.watch();
            return new Report(name, 1, 0, 0, seed);
        }
        List<Long> kept = keptSeeds();
        String budgetProp = System.getProperty("trapdoor.fuzz.seconds", "").trim();
        double budget = budgetProp.isEmpty() ? seconds : Double.parseDouble(budgetProp);
        String seedProp = System.getProperty("trapdoor.fuzz.seed", "").trim();
        long base = seedProp.isEmpty() ? name.hashCode() * GOLDEN
                : seedProp.equals("random") ? System.nanoTime() * GOLDEN : Long.parseUnsignedLong(strip(seedProp), 16);
        Worker w = new Worker(c, kept, base, (long) (budget * 1e9), maxCases);
        long start = System.nanoTime();
        w.watch();
        Report r = new Report(name, kept.size(), w.fresh, (System.nanoTime() - start) / 1e9, base);
        System.out.println("[" + r + "]");
        record(r);
        return r;
    }

    /** The seed of fresh case {@code n} of a run with base seed {@code base} (SplittableRandom's mix). */
    static long caseSeed(long base, long n) {
        long z = base + (n + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d0_49bb_1331_11ebL;
        return z ^ (z >>> 31);
    }

    /**
     * Runs the cases on one daemon thread (a thread per case would cost more than most cases)
     * while the caller watches the case in progress and gives up on one that hangs.
     */
    private final class Worker implements Runnable {
        private final Case property;
        private final List<Long> kept;
        private final long base;
        private final long budgetNanos;
        private final long maxFresh;
        private volatile long seed;
        private volatile String which = "starting";
        private volatile long caseStart = System.nanoTime();
        private volatile Throwable failure;
        volatile long fresh;

        Worker(Case property, List<Long> kept, long base, long budgetNanos, long maxFresh) {
            this.property = property;
            this.kept = kept;
            this.base = base;
            this.budgetNanos = budgetNanos;
            this.maxFresh = maxFresh;
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < kept.size(); i++) {
                    one(kept.get(i), "kept seed " + i);
                }
                long end = System.nanoTime() + budgetNanos;
                for (long n = 0; n < maxFresh && System.nanoTime() < end; n++) {
                    one(caseSeed(base, n), "case " + n);
                    fresh = n + 1;
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void one(long s, String w) throws Exception {
            seed = s;
            which = w;
            caseStart = System.nanoTime();
            property.run(new SplittableRandom(s));
        }

        void watch() {
            long timeoutNanos = (long) (1e9 * Double.parseDouble(
                    System.getProperty("trapdoor.fuzz.caseTimeoutSeconds", "10")));
            Thread t = new Thread(this, "fuzz-" + name);
            t.setDaemon(true);
            t.start();
            try {
                while (t.isAlive()) {
                    t.join(50);
                    if (t.isAlive() && System.nanoTime() - caseStart > timeoutNanos) {
                        StringBuilder stack = new StringBuilder();
                        for (StackTraceElement e : t.getStackTrace()) {
                            stack.append("\n\tat ").append(e);
                        }
                        t.interrupt();
                        throw new AssertionError(failureText(seed, which, "did not finish within "
                                + timeoutNanos / 1_000_000 + " ms (a hang?)") + "\nthe case's thread is at:" + stack);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            Throwable f = failure;
            if (f != null) {
                throw new AssertionError(failureText(seed, which, f.toString()) + "\n" + stackOf(f), f);
            }
        }
    }

    private String failureText(long seed, String which, String what) {
        return String.format("fuzz %s, %s, seed %x: %s%n  replay it: -Dtrapdoor.fuzz.replay=%s:%x%n"
                + "  keep it: add %x to src/test/resources/fuzz-seeds/%s.txt", name, which, seed, what, name, seed,
                seed, name);
    }

    private static String stackOf(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String s = w.toString();
        return s.length() > 4000 ? s.substring(0, 4000) + "\n\t..." : s;
    }

    private List<Long> keptSeeds() {
        List<Long> out = new ArrayList<>();
        try (InputStream in = owner.getResourceAsStream("/fuzz-seeds/" + name + ".txt")) {
            if (in == null) {
                return out;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null;) {
                String s = line.replaceAll("#.*", "").trim();
                if (!s.isEmpty()) {
                    out.add(Long.parseUnsignedLong(strip(s), 16));
                }
            }
        } catch (IOException e) {
            throw new AssertionError("reading the kept seeds of " + name, e);
        }
        return out;
    }

    private static String strip(String hex) {
        String h = hex.trim();
        return h.startsWith("0x") || h.startsWith("0X") ? h.substring(2) : h;
    }

    private static void record(Report r) {
        Path target = Path.of("target");
        if (!Files.isDirectory(target)) {
            return;
        }
        try {
            Files.writeString(target.resolve("fuzz-report.txt"), r + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // The report is a convenience; the run's figures are on stdout as well.
        }
    }
}
