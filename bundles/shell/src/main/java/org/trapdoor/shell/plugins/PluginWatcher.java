package org.trapdoor.shell.plugins;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the {@code plugins/} folder the launcher names (framework property
 * {@value #DIRECTORY}) and deploys its jars by {@link PluginDeployer}'s rules. It replaces Felix
 * FileInstall, which replaces or uninstalls whatever bundle has the jar's symbolic name, built-in
 * ones included, and says nothing about it.
 *
 * <p>The jars there at start-up are deployed before this component is active (so the machine
 * finds their drivers); later changes are picked up by polling, once a jar has stopped changing
 * for one poll (a copy in progress is not read half-written). Each install, update, removal,
 * refusal and failure is printed on standard error as one {@code trapdoor: plugins/FILE: ...} line.
 */
@Component(service = PluginWatcher.class, immediate = true)
public final class PluginWatcher {
    public static final String DIRECTORY = "trapdoor.plugins";
    /** The start level plugins get (the launcher's hardware level). */
    public static final String START_LEVEL = "trapdoor.plugins.startlevel";
    static final long POLL_MILLIS = 500;
    private static final Logger LOG = LoggerFactory.getLogger(PluginWatcher.class);

    private final Path dir;
    private final PluginDeployer deployer;
    private final Thread thread;
    private final Map<String, String> lastSeen = new HashMap<>();
    private final Map<String, PluginJar> read = new HashMap<>();

    @Activate
    public PluginWatcher(BundleContext context) {
        String d = context.getProperty(DIRECTORY);
        this.dir = d == null || d.isBlank() ? null : Path.of(d);
        int level;
        try {
            String l = context.getProperty(START_LEVEL);
            level = l == null ? 0 : Integer.parseInt(l.strip());
        } catch (NumberFormatException e) {
            level = 0;
        }
        PrintStream err = System.err;
        Consumer<PluginEvent> report = ev -> err.println("trapdoor: " + ev.line());
        this.deployer = new PluginDeployer(new FrameworkBundleOps(context, level), report, Clock.systemDefaultZone());
        if (dir == null) {
            thread = null;
            return;
        }
        poll(true);
        thread = new Thread(this::run, "trapdoor-plugins");
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    void deactivate() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** The folder watched, or null when the launcher named none. */
    public Path directory() {
        return dir;
    }

    public PluginDeployer deployer() {
        return deployer;
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                poll(false);
            } catch (RuntimeException e) {
                // A framework that is stopping, a folder that went: keep watching, say why once.
                LOG.warn("plugins: {}", PluginDeployer.why(e));
            }
        }
    }

    /**
     * One look at the folder. A jar is read when its size or time changed since the last read and
     * (after the first look) it was the same at the previous look.
     */
    synchronized void poll(boolean first) {
        Map<String, String> stamps = new HashMap<>();
        Map<String, Path> paths = new HashMap<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".jar")).toList()) {
                    try {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                        if (a.isRegularFile()) {
                            stamps.put(p.getFileName().toString(), a.size() + "@" + a.lastModifiedTime().toMillis());
                            paths.put(p.getFileName().toString(), p);
                        }
                    } catch (IOException e) {
                        // gone between the listing and the look: the next poll sees it gone
                    }
                }
            } catch (IOException e) {
                LOG.warn("plugins: cannot list {}: {}", dir, PluginDeployer.why(e));
                return;
            }
        }
        Map<String, PluginJar> present = new HashMap<>();
        for (Map.Entry<String, String> e : stamps.entrySet()) {
            String file = e.getKey();
            String stamp = e.getValue();
            PluginJar known = read.get(file);
            if (known != null && known.stamp().equals(stamp)) {
                present.put(file, known);
            } else if (first || stamp.equals(lastSeen.get(file))) {
                PluginJar jar = PluginJar.read(paths.get(file), stamp);
                read.put(file, jar);
                present.put(file, jar);
            } else if (known != null) {
                present.put(file, known); // still being written: keep what it was until it settles
            }
        }
        read.keySet().retainAll(stamps.keySet());
        lastSeen.clear();
        lastSeen.putAll(stamps);
        deployer.apply(present, paths);
    }

    /** For tests: the files seen at the last look. */
    List<String> seen() {
        return List.copyOf(lastSeen.keySet());
    }
}
