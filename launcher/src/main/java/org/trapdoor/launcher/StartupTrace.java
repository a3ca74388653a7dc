package org.trapdoor.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceEvent;

/**
 * The opt-in start-up trace ({@code TRAPDOOR_STARTUP_TRACE=1}, or {@code -Dtrapdoor.startup.trace=1}):
 * one line on standard error per phase, with the wall time since the process started, the wall
 * time since the previous mark and the process's CPU time (user + system, all threads) since the
 * previous mark. On a loaded machine the wall times stretch; the CPU times do not, so compare
 * phases by CPU. Level 2 adds a line for each bundle started and each service registered.
 *
 * <p>The launcher shares no Trapdoor classes with the bundles, so the phases inside them are seen
 * from outside: the services they register (by interface name), found through the system
 * bundle's context. Off, it costs one environment look-up.
 */
final class StartupTrace {
    static final String ENV = "TRAPDOOR_STARTUP_TRACE";
    static final String PROPERTY = "trapdoor.startup.trace";

    /** Services whose first registration marks a phase, by interface name, with the phase's name. */
    private static final String[][] MILESTONES = {
            {"org.apache.felix.service.command.CommandProcessor", "Gogo runtime up"},
            {"org.osgi.service.cm.ConfigurationAdmin", "ConfigurationAdmin up"},
            {"org.trapdoor.api.dt.DeviceTreeLoader", "device-tree loader up"},
            {"org.trapdoor.api.machine.Machine", "machine composed (device tree bound to drivers)"},
            {"org.trapdoor.api.hypervisor.Hypervisor", "Xen booted"},
            {"org.trapdoor.api.guest.GuestKernel", "guest kernel booted"},
    };

    private static final StartupTrace OFF = new StartupTrace(0, null);

    private final int level;
    private final PrintStream err;
    private final long startNanos;
    private final long processStartMillis;
    private long lastNanos;
    private long lastCpuNanos;
    private final boolean[] seen = new boolean[MILESTONES.length];

    private StartupTrace(int level, PrintStream err) {
        this.level = level;
        this.err = err;
        this.startNanos = System.nanoTime();
        this.lastNanos = startNanos;
        long now = System.currentTimeMillis();
        this.processStartMillis = level == 0 ? now
                : ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(now);
        this.lastCpuNanos = level == 0 ? 0 : cpuNanos();
    }

    /** The trace the environment asks for: off unless {@value #ENV} or {@value #PROPERTY} is 1 or 2. */
    static StartupTrace fromEnvironment() {
        String v = System.getProperty(PROPERTY, System.getenv(ENV));
        int level;
        try {
            level = v == null ? 0 : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            level = "true".equalsIgnoreCase(v) ? 1 : 0;
        }
        if (level <= 0) {
            return OFF;
        }
        StartupTrace t = new StartupTrace(level, System.err);
        // The JVM's own start (process start to main): the mark before any of ours.
        t.err.printf(Locale.ROOT, "trapdoor: startup %6d ms  jvm started, main() entered (cpu so far %d ms)%n",
                System.currentTimeMillis() - t.processStartMillis, t.lastCpuNanos / 1_000_000);
        return t;
    }

    boolean on() {
        return level > 0;
    }

    /** Prints a phase that ends now. */
    synchronized void mark(String phase) {
        if (level == 0) {
            return;
        }
        long now = System.nanoTime();
        long cpu = cpuNanos();
        err.printf(Locale.ROOT, "trapdoor: startup %6d ms  +%5d ms wall  +%5d ms cpu  %s%n",
                System.currentTimeMillis() - processStartMillis, (now - lastNanos) / 1_000_000,
                (cpu - lastCpuNanos) / 1_000_000, phase);
        lastNanos = now;
        lastCpuNanos = cpu;
    }

    /** Watches the framework for the phases inside the bundles. */
    void watch(BundleContext system) {
        if (level == 0) {
            return;
        }
        system.addFrameworkListener(e -> {
            if (e.getType() == FrameworkEvent.STARTED) {
                mark("framework started (every bundle up to the machine's start level active)");
            } else if (e.getType() == FrameworkEvent.STARTLEVEL_CHANGED && level > 1) {
                mark("start level changed");
            }
        });
        if (level > 1) {
            system.addBundleListener(e -> {
                if (e.getType() == BundleEvent.STARTED) {
                    Bundle b = e.getBundle();
                    mark("bundle started: " + b.getSymbolicName());
                }
            });
        }
        system.addServiceListener(e -> {
            if (e.getType() != ServiceEvent.REGISTERED) {
                return;
            }
            String[] classes = (String[]) e.getServiceReference().getProperty(Constants.OBJECTCLASS);
            for (String c : classes) {
                for (int i = 0; i < MILESTONES.length; i++) {
                    if (MILESTONES[i][0].equals(c)) {
                        Object name = e.getServiceReference().getProperty("name");
                        boolean first = !seen[i];
                        seen[i] = true;
                        if (first || MILESTONES[i][0].endsWith("GuestKernel")) {
                            mark(MILESTONES[i][1] + (name == null ? "" : ": " + name));
                        }
                        return;
                    }
                }
            }
            if (level > 1) {
                mark("service registered: " + String.join(", ", classes));
            }
        });
    }

    /** The closing summary: CPU time, classes loaded, peak resident memory. */
    void summary() {
        if (level == 0) {
            return;
        }
        long cpu = cpuNanos();
        long classes = java.lang.management.ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        err.printf(Locale.ROOT, "trapdoor: startup total %d ms wall, %d ms cpu, %d classes loaded, peak RSS %s%n",
                System.currentTimeMillis() - processStartMillis, cpu / 1_000_000, classes, peakRss());
    }

    /** The process's CPU time, user and system, every thread. */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    private static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring("VmHWM:".length()).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return "unknown";
    }
}
