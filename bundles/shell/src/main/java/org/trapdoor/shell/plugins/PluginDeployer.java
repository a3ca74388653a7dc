package org.trapdoor.shell.plugins;

import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.trapdoor.shell.plugins.BundleOps.Installed;
import org.trapdoor.shell.plugins.PluginEvent.Kind;

/**
 * The rules for {@code plugins/}, applied to what the directory holds now:
 *
 * <ul>
 * <li>A jar whose symbolic name nothing has is installed and started.</li>
 * <li>A jar with the symbolic name of a built-in bundle replaces it only with a higher version:
 * the built-in bundle is stopped (never uninstalled) and the plugin installed beside it; removing
 * the jar uninstalls the plugin and starts the built-in bundle again. The same or a lower version
 * is refused. So copying a built-in bundle into {@code plugins/} changes nothing, and removing
 * the copy takes nothing away.</li>
 * <li>A jar with the name of a bundle another jar in {@code plugins/} or a user installed is
 * refused: one source per bundle.</li>
 * <li>A changed jar updates its bundle in place (same name) or is redeployed under the rules.</li>
 * <li>A jar that is no bundle, or that does not install or start, is reported and left alone
 * until it changes.</li>
 * </ul>
 *
 * Every outcome is one {@link PluginEvent}, handed to the reporter and kept for {@code plugins}.
 * Called from one thread (the watcher's).
 */
public final class PluginDeployer {
    /** What a jar in the directory became. */
    public enum Role {
        /** A bundle of its own. */
        OWN,
        /** It replaces the built-in bundle {@link Deployment#replaced}. */
        REPLACES_BUILT_IN,
        /** Refused or failed: nothing deployed until the jar changes. */
        NONE
    }

    /**
     * @param jar      the jar as last read
     * @param role     what it became
     * @param bundle   its bundle's id, -1 for {@link Role#NONE}
     * @param replaced the built-in bundle it stands in for, -1 when none
     * @param outcome  the last event's text for this jar
     */
    public record Deployment(PluginJar jar, Role role, long bundle, long replaced, String outcome) {
    }

    private final BundleOps ops;
    private final Consumer<PluginEvent> reporter;
    private final Clock clock;
    private final Map<String, Deployment> deployed = new HashMap<>();
    private final List<PluginEvent> events = new CopyOnWriteArrayList<>();
    private volatile Map<String, Deployment> view = Map.of();

    public PluginDeployer(BundleOps ops, Consumer<PluginEvent> reporter, Clock clock) {
        this.ops = ops;
        this.reporter = reporter;
        this.clock = clock;
    }

    /** Every event so far, oldest first. */
    public List<PluginEvent> events() {
        return List.copyOf(events);
    }

    /** The jars in the directory and what each became, by file name. */
    public Map<String, Deployment> deployments() {
        return view;
    }

    /**
     * Brings the framework in line with the directory: {@code present} maps each jar's file name
     * to the jar as read now and {@code paths} to where it is.
     */
    public void apply(Map<String, PluginJar> present, Map<String, Path> paths) {
        for (String file : new ArrayList<>(deployed.keySet())) {
            if (!present.containsKey(file)) {
                withdraw(deployed.remove(file), true);
            }
        }
        for (Map.Entry<String, PluginJar> e : new TreeMap<>(present).entrySet()) {
            Deployment old = deployed.get(e.getKey());
            if (old != null && old.jar().stamp().equals(e.getValue().stamp())) {
                continue;
            }
            deployed.put(e.getKey(), deploy(e.getValue(), paths.get(e.getKey()), old));
        }
        view = Map.copyOf(new TreeMap<>(deployed));
    }

    private Deployment deploy(PluginJar jar, Path path, Deployment old) {
        if (jar.problem() != null) {
            if (old != null) {
                withdraw(old, false);
            }
            return none(jar, Kind.FAILED, jar.problem());
        }
        if (old != null && old.role() == Role.OWN && old.jar().name().equals(jar.name())) {
            try {
                ops.update(old.bundle(), path);
                return record(new Deployment(jar, Role.OWN, old.bundle(), -1, "updated " + jar.name() + " from "
                        + old.jar().version() + " to " + jar.version()), Kind.UPDATED);
            } catch (Exception e) {
                withdraw(old, false);
                return none(jar, Kind.FAILED, "cannot update " + jar.name() + ": " + why(e) + "; uninstalled it");
            }
        }
        if (old != null) {
            withdraw(old, false);
        }
        List<Installed> same = ops.named(jar.name());
        String owner = otherJar(jar);
        if (owner != null) {
            return none(jar, Kind.REFUSED, jar.name() + " already comes from plugins/" + owner
                    + "; one jar per bundle");
        }
        Installed builtIn = same.stream().filter(Installed::builtIn).findFirst().orElse(null);
        if (builtIn != null) {
            return replaceBuiltIn(jar, path, builtIn);
        }
        if (!same.isEmpty()) {
            return none(jar, Kind.REFUSED, jar.name() + " " + same.get(0).version()
                    + " is already installed (not from plugins/); uninstall it first");
        }
        try {
            long id = ops.installAndStart(path);
            return record(new Deployment(jar, Role.OWN, id, -1, "installed " + jar.bundle()), Kind.INSTALLED);
        } catch (Exception e) {
            return none(jar, Kind.FAILED, "cannot install " + jar.bundle() + ": " + why(e));
        }
    }

    /** A built-in bundle gives way to a higher version only, and stays installed to come back. */
    private Deployment replaceBuiltIn(PluginJar jar, Path path, Installed builtIn) {
        if (jar.version().compareTo(builtIn.version()) <= 0) {
            return none(jar, Kind.REFUSED, jar.name() + " is built in at " + builtIn.version() + "; a plugin "
                    + "replaces a built-in bundle only with a higher version (this jar has " + jar.version() + ")");
        }
        try {
            ops.stop(builtIn.id());
        } catch (Exception e) {
            return none(jar, Kind.FAILED, "cannot stop the built-in " + jar.name() + ": " + why(e));
        }
        try {
            long id = ops.installAndStart(path);
            return record(new Deployment(jar, Role.REPLACES_BUILT_IN, id, builtIn.id(), "replaced the built-in "
                    + jar.name() + " " + builtIn.version() + " with " + jar.version()), Kind.UPDATED);
        } catch (Exception e) {
            String back = restart(builtIn.id());
            return none(jar, Kind.FAILED, "cannot install " + jar.bundle() + ": " + why(e) + "; " + back);
        }
    }

    /** The other jar in the directory that deployed this symbolic name, or null. */
    private String otherJar(PluginJar jar) {
        for (Map.Entry<String, Deployment> e : deployed.entrySet()) {
            Deployment d = e.getValue();
            if (!e.getKey().equals(jar.file()) && d.role() != Role.NONE && d.jar().name().equals(jar.name())) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Takes a deployment away: uninstalls its bundle, and brings back the built-in one it replaced. */
    private void withdraw(Deployment d, boolean fileGone) {
        if (d.role() == Role.NONE) {
            return;
        }
        String what;
        try {
            ops.uninstall(d.bundle());
            what = "uninstalled " + d.jar().bundle();
        } catch (Exception e) {
            what = "cannot uninstall " + d.jar().bundle() + ": " + why(e);
        }
        if (d.role() == Role.REPLACES_BUILT_IN) {
            what += "; " + restart(d.replaced());
        }
        PluginEvent ev = new PluginEvent(LocalTime.now(clock), Kind.REMOVED, d.jar().file(),
                (fileGone ? "" : "changed: ") + what);
        events.add(ev);
        reporter.accept(ev);
    }

    private String restart(long builtIn) {
        try {
            ops.start(builtIn);
            return "the built-in bundle is back";
        } catch (Exception e) {
            return "the built-in bundle does not start again: " + why(e);
        }
    }

    private Deployment none(PluginJar jar, Kind kind, String text) {
        return record(new Deployment(jar, Role.NONE, -1, -1, text), kind);
    }

    private Deployment record(Deployment d, Kind kind) {
        PluginEvent ev = new PluginEvent(LocalTime.now(clock), kind, d.jar().file(), d.outcome());
        events.add(ev);
        reporter.accept(ev);
        return d;
    }

    /** A framework failure in one line, without Java class names. */
    static String why(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return "it failed without saying why";
        }
        return m.lines().findFirst().orElse(m).strip();
    }
}
