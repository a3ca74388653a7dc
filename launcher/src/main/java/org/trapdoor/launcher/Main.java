package org.trapdoor.launcher;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * {@code java -jar trapdoor.jar}: starts an embedded OSGi framework with the bundles packed in
 * this jar under {@code bundles/}, hands the command line in as framework properties, and exits
 * with the status the session reports.
 *
 * <p>The launcher and the bundles share no Trapdoor classes. Arguments go in as plain framework
 * properties (names below, read by {@code org.trapdoor.shell.launch.LaunchOptions}); the exit
 * status comes out through an {@link IntConsumer} service, a {@code java.*} type both sides
 * see, registered by the system bundle with the property {@code trapdoor.exit=true}.
 */
public final class Main {
    static final String PLATFORM = "trapdoor.platform";
    static final String DEVICES = "trapdoor.devices";
    static final String HYPERVISOR = "trapdoor.hypervisor";
    /** {@code --create} files, one per line; the session reads them into the Xen component's configuration. */
    static final String CREATE = "trapdoor.create";
    /** {@code --policy} choices, {@code KIND=NAME} one per line; the session hands them to the Xen component. */
    static final String POLICY = "trapdoor.policy";
    static final String COMMANDS = "trapdoor.commands";
    static final String SCRIPT = "trapdoor.script";
    static final String CONSOLE_START_LEVEL = "trapdoor.console.startlevel";
    static final String EXIT_MARKER = "trapdoor.exit";
    /** The plugins folder (read by {@code org.trapdoor.shell.plugins.PluginWatcher}) and its bundles' start level. */
    static final String PLUGINS = "trapdoor.plugins";
    static final String PLUGINS_START_LEVEL = "trapdoor.plugins.startlevel";
    static final String BUNDLE_DIR = "bundles/";
    /** The framework's storage folders, one per run under the temporary folder. */
    static final String STORAGE_PREFIX = "trapdoor-osgi";
    /** Where the storage folders go (default: {@code java.io.tmpdir}). */
    static final String STORAGE_PARENT = "trapdoor.storage.parent";

    private Main() {
    }

    /** The opt-in start-up trace ({@code TRAPDOOR_STARTUP_TRACE=1}); off, every mark is a no-op. */
    static final StartupTrace TRACE = StartupTrace.fromEnvironment();

    public static void main(String[] args) {
        int status = run(args);
        TRACE.summary();
        System.exit(status);
    }

    static int run(String[] args) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (Arguments.UsageException e) {
            System.err.println("trapdoor: " + e.getMessage());
            System.err.print(Arguments.USAGE);
            return 2;
        }
        if (arguments.help()) {
            System.out.print(Arguments.USAGE);
            System.out.println();
            System.out.print(catalog());
            return 0;
        }
        try {
            return launch(arguments);
        } catch (BundleException | IOException e) {
            System.err.println("trapdoor: cannot start the framework: " + oneLine(e));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } catch (Throwable e) {
            // Whatever escapes the session (a bug, a linkage error, memory exhausted) is still one
            // line and a status, never a stack trace: the user can do nothing with one.
            System.err.println("trapdoor: internal error: " + oneLine(e));
            return 1;
        }
    }

    /** The presets and device types {@code --help} lists, from the packed bundles and the plugins. */
    static String catalog() {
        try {
            List<byte[]> jars = new ArrayList<>(packedJars().values());
            jars.addAll(Catalog.plugins(Path.of(System.getProperty(PLUGINS, "plugins"))));
            return Catalog.of(jars).render();
        } catch (IOException e) {
            return "(the presets and device types cannot be listed: " + oneLine(e) + ")" + System.lineSeparator();
        }
    }

    /**
     * A failure as one line without Java class names: the innermost cause's message, or what
     * kind of failure it was when there is no message.
     */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            if (t instanceof StackOverflowError) {
                return "stack overflow";
            }
            if (t instanceof OutOfMemoryError) {
                return "out of memory";
            }
            return "unexpected " + t.getClass().getSimpleName().replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase(java.util.Locale.ROOT);
        }
        return m.lines().findFirst().orElse(m).strip();
    }

    /** The framework properties for a command line, with standard input as it is now. */
    static Map<String, String> frameworkProperties(Arguments a, Path storage) {
        return frameworkProperties(a, storage, stdinIsTerminal());
    }

    /**
     * The framework properties for a command line. Without {@code -c} or {@code --script} and
     * with standard input not a terminal ({@code ./trapdoor < cmds}), the commands come from
     * standard input: {@code --script -}.
     */
    static Map<String, String> frameworkProperties(Arguments a, Path storage, boolean stdinTerminal) {
        Map<String, String> p = new HashMap<>();
        p.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        p.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(StartLevels.MACHINE));
        p.put(CONSOLE_START_LEVEL, Integer.toString(StartLevels.CONSOLE));
        putIf(p, PLATFORM, a.platform());
        if (!a.devices().isEmpty()) {
            p.put(DEVICES, String.join("\n", a.devices()));
        }
        putIf(p, HYPERVISOR, a.hypervisor());
        if (!a.creates().isEmpty()) {
            p.put(CREATE, String.join("\n", a.creates()));
        }
        if (!a.policies().isEmpty()) {
            p.put(POLICY, String.join("\n", a.policies()));
        }
        putIf(p, COMMANDS, a.commands());
        putIf(p, SCRIPT, a.script());
        if (a.commands() == null && a.script() == null && !stdinTerminal) {
            p.put(SCRIPT, "-");
        }
        // Vendor plugins: the shell's plugin watcher deploys the jars in plugins/ at the hardware
        // bundles' start level, by rules that never replace or remove a built-in bundle.
        p.put(PLUGINS, System.getProperty(PLUGINS, "plugins"));
        p.put(PLUGINS_START_LEVEL, Integer.toString(StartLevels.HARDWARE));
        // Declarative Services prints component failures with stack traces; the session reports
        // the machine's failure as one line instead. -Dds.loglevel=error brings them back.
        if (System.getProperty("ds.loglevel") == null) {
            p.put("ds.loglevel", "0");
        }
        return p;
    }

    /** SPI Fly logs through java.util.logging; kept here because JUL holds loggers weakly. */
    private static final java.util.logging.Logger SPIFLY_LOG = java.util.logging.Logger.getLogger("org.apache.aries.spifly");

    /**
     * SLF4J Simple reads system properties: warnings and errors only, unless the user says
     * otherwise; SPI Fly's start-up notices go too unless a JUL configuration file is given.
     */
    static void quietLogging() {
        if (System.getProperty("java.util.logging.config.file") == null) {
            SPIFLY_LOG.setLevel(java.util.logging.Level.WARNING);
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.showThreadName",
                System.getProperty("org.slf4j.simpleLogger.showThreadName", "false"));
        System.setProperty("org.slf4j.simpleLogger.showShortLogName",
                System.getProperty("org.slf4j.simpleLogger.showShortLogName", "true"));
    }

    /** Is standard input a terminal? Linux tells through /proc; elsewhere, ask for a console. */
    static boolean stdinIsTerminal() {
        Path fd0 = Path.of("/proc/self/fd/0");
        if (Files.exists(fd0, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd0).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
            } catch (IOException | UnsupportedOperationException e) {
                // fall through
            }
        }
        return System.console() != null;
    }

    private static void putIf(Map<String, String> p, String key, String value) {
        if (value != null) {
            p.put(key, value);
        }
    }

    private static int launch(Arguments arguments) throws BundleException, IOException, InterruptedException {
        quietLogging();
        // The storage's parent: the temporary folder unless the caller names one (the trapdoor
        // script names /dev/shm: Felix's copies of the bundles are written and deleted each run,
        // which on a busy disk cost hundreds of milliseconds at exit).
        Path tmp = Path.of(System.getProperty(STORAGE_PARENT, System.getProperty("java.io.tmpdir")));
        StaleStorage.clean(tmp, STORAGE_PREFIX);
        Path storage = Files.createTempDirectory(tmp, STORAGE_PREFIX);
        TRACE.mark("stale storage cleaned, storage folder created: " + storage);
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, Main.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
        Framework framework = factory.newFramework(frameworkProperties(arguments, storage));
        TRACE.mark("framework created");
        Thread cleanup = new Thread(() -> stopQuietly(framework, storage), "trapdoor-shutdown");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            framework.init();
            TRACE.mark("framework initialised");
            AtomicInteger status = new AtomicInteger(0);
            BundleContext system = framework.getBundleContext();
            Hashtable<String, Object> marker = new Hashtable<>();
            marker.put(EXIT_MARKER, Boolean.TRUE);
            system.registerService(IntConsumer.class, code -> {
                status.set(code);
                TRACE.mark("session done (commands ran), exit " + code);
                try {
                    framework.stop(); // asynchronous: returns at once, the framework stops on its own thread
                } catch (BundleException e) {
                    System.err.println("trapdoor: cannot stop the framework: " + oneLine(e));
                }
            }, marker);
            TRACE.watch(system);
            installBundles(system);
            TRACE.mark("bundles installed");
            framework.start();
            FrameworkEvent end;
            do {
                end = framework.waitForStop(0);
            } while (end.getType() == FrameworkEvent.WAIT_TIMEDOUT);
            TRACE.mark("framework stopped");
            if (end.getType() == FrameworkEvent.ERROR) {
                System.err.println("trapdoor: the framework stopped with an error: " + oneLine(end.getThrowable()));
                return 1;
            }
            return status.get();
        } finally {
            stopQuietly(framework, storage);
            TRACE.mark("storage folder deleted");
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    /** Installs every bundle jar packed under {@code bundles/}, with its start level, marked for start. */
    static List<Bundle> installBundles(BundleContext system) throws IOException, BundleException {
        List<Bundle> installed = new ArrayList<>();
        for (Map.Entry<String, byte[]> jar : packedJars().entrySet()) {
            Manifest mf;
            try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar.getValue()))) {
                mf = in.getManifest();
            }
            String bsn = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (bsn == null) {
                continue; // a plain library jar, not a bundle
            }
            bsn = bsn.split(";")[0].strip();
            Bundle b = system.installBundle("trapdoor:" + jar.getKey(), new ByteArrayInputStream(jar.getValue()));
            installed.add(b);
            if (mf.getMainAttributes().getValue(Constants.FRAGMENT_HOST) != null) {
                continue; // fragments (SPI Fly's framework extension) attach, they do not start
            }
            b.adapt(BundleStartLevel.class).setStartLevel(StartLevels.of(bsn));
            b.start();
        }
        return installed;
    }

    /** The packed bundle jars by entry name, in name order, from this jar or (in a build) the class folder. */
    static Map<String, byte[]> packedJars() throws IOException {
        Path self;
        try {
            self = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the launcher jar", e);
        }
        Map<String, byte[]> jars = new java.util.TreeMap<>();
        if (Files.isDirectory(self)) {
            Path dir = self.resolve(BUNDLE_DIR);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".jar")).sorted(Comparator.naturalOrder())
                            .toList()) {
                        jars.put(BUNDLE_DIR + f.getFileName(), Files.readAllBytes(f));
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(self.toFile())) {
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    String name = e.getName();
                    if (name.startsWith(BUNDLE_DIR) && name.endsWith(".jar") && name.indexOf('/', BUNDLE_DIR.length()) < 0) {
                        try (InputStream in = jar.getInputStream(e)) {
                            jars.put(name, in.readAllBytes());
                        }
                    }
                }
            }
        }
        if (jars.isEmpty()) {
            throw new IOException("no bundles packed in " + self + " under " + BUNDLE_DIR);
        }
        return jars;
    }

    private static void stopQuietly(Framework framework, Path storage) {
        try {
            if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0) {
                framework.stop();
                framework.waitForStop(5_000);
            }
        } catch (BundleException | RuntimeException e) {
            // stopping on the way out: nothing more to do
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StaleStorage.delete(storage);
    }
}
