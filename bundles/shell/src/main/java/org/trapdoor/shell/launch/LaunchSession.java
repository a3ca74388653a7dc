package org.trapdoor.shell.launch;

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;
import org.trapdoor.api.dt.DeviceTreeLoader;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.pci.PciDeviceFactory;
import org.trapdoor.shell.UnboundBridges;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.complete.CommandNameCompleter;
import org.trapdoor.shell.complete.CompletionTable;

/**
 * The launcher's session inside the framework: checks the platform, configures the machine,
 * waits for that machine's service, then runs the {@code -c}/{@code --script} commands or opens
 * the console. It exists only under the launcher, whose exit-status {@link IntConsumer} (shared
 * through {@code java.*}, registered by the system bundle) it requires.
 *
 * <p>The console is Gogo JLine: its activator opens a console on the system terminal as soon as
 * it finds a {@code CommandProcessor}. The launcher therefore gives that bundle the highest start
 * level and starts the framework one below it; this session raises the framework's start level
 * once the machine is ready, so the prompt appears only when every command works.
 */
@Component(immediate = true)
public final class LaunchSession {
    /** The machine's configuration PID and the properties the machine reads. */
    static final String MACHINE_PID = "org.trapdoor.machine";
    /** Marks the configuration this session wrote, so it waits for that machine and no other. */
    static final String LAUNCH_ID = "trapdoor.launch";
    static final long MACHINE_TIMEOUT_MS = 60_000;
    /** How long the guest kernels get to boot (enumerate PCI, set up MSIs) before commands run. */
    /**
     * How long the first command waits for the guest kernels (Dom0's under Xen) to boot: 10 s, or
     * the system property {@code trapdoor.boot.timeout} in seconds (a big machine on a loaded host
     * boots slower; {@code java -Dtrapdoor.boot.timeout=60 -jar trapdoor.jar ...}).
     */
    static final long GUEST_BOOT_TIMEOUT_MS = bootTimeoutMs(System.getProperty("trapdoor.boot.timeout"));

    static long bootTimeoutMs(String seconds) {
        if (seconds == null || seconds.isBlank()) {
            return 10_000;
        }
        try {
            long s = Long.parseLong(seconds.trim());
            return s > 0 ? s * 1000 : 10_000;
        } catch (NumberFormatException e) {
            return 10_000;
        }
    }
    static final String PROMPT = "trapdoor> ";

    private final BundleContext context;
    private final CommandProcessor processor;
    private final DeviceTreeLoader loader;
    private final ConfigurationAdmin configAdmin;
    private final IntConsumer exit;
    private final ServiceComponentRuntime scr;
    private final CommandRegistry registry;
    private final Thread thread;
    private final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    private volatile boolean closing;

    @Activate
    public LaunchSession(BundleContext context, @Reference CommandProcessor processor,
            @Reference DeviceTreeLoader loader, @Reference ConfigurationAdmin configAdmin,
            @Reference(target = "(" + LaunchOptions.EXIT_MARKER + "=true)") IntConsumer exit,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL) ServiceComponentRuntime scr,
            @Reference CommandRegistry registry) {
        this.context = context;
        this.processor = processor;
        this.loader = loader;
        this.configAdmin = configAdmin;
        this.exit = exit;
        this.scr = scr;
        this.registry = registry;
        LaunchOptions options = LaunchOptions.from(context::getProperty);
        this.thread = new Thread(() -> run(options), "trapdoor-session");
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    void deactivate() {
        closing = true;
        thread.interrupt();
    }

    private void run(LaunchOptions options) {
        int status;
        try {
            status = session(options);
        } catch (InterruptedException e) {
            return; // the framework is stopping
        } catch (Throwable e) {
            // Any failure of the session, a bug included, ends it with one line and status 1.
            if (closing) {
                return;
            }
            err.println("trapdoor: " + CommandScript.message(e));
            status = 1;
        }
        if (status >= 0 && !closing) {
            exit.accept(status);
        }
    }

    /** @return the exit status, or -1 when the console took over (it stops the framework itself) */
    private int session(LaunchOptions options) throws InterruptedException {
        String platform;
        try {
            platform = PlatformCheck.check(loader, options.platform());
        } catch (PlatformCheck.BadPlatform e) {
            err.println("trapdoor: " + e.getMessage());
            return 2;
        }
        String script = null;
        if (options.script() != null) {
            try {
                script = options.script().equals(LaunchOptions.STDIN)
                        ? new String(new BufferedInputStream(new FileInputStream(FileDescriptor.in)).readAllBytes(),
                                StandardCharsets.UTF_8)
                        : Files.readString(Path.of(options.script()), StandardCharsets.UTF_8);
            } catch (java.nio.charset.CharacterCodingException e) {
                err.println("trapdoor: " + options.script() + ": not a text file (a script is UTF-8 text)");
                return 2;
            } catch (java.nio.file.NoSuchFileException e) {
                err.println("trapdoor: " + options.script() + ": no such file");
                return 2;
            } catch (IOException | RuntimeException e) {
                err.println("trapdoor: " + options.script() + ": cannot read script: " + CommandScript.message(e));
                return 2;
            }
        }
        List<XenCreate.CreateFile> creates;
        try {
            creates = XenCreate.read(context::getProperty);
        } catch (XenCreate.Unreadable e) {
            err.println("trapdoor: " + e.getMessage());
            return 2;
        }
        List<XenPolicies.Choice> policies = XenPolicies.read(context::getProperty);
        CommandScript program = null;
        if (options.batch()) {
            try {
                program = script != null
                        ? CommandScript.parse(script, options.script().equals(LaunchOptions.STDIN) ? "stdin" : options.script())
                        : CommandScript.parse(options.commands());
            } catch (IllegalArgumentException e) {
                err.println("trapdoor: " + (script != null ? options.script() : "-c") + ": " + e.getMessage());
                return 2;
            }
        }

        // Configure first: the machine's bundle starts at a later start level, so the machine is
        // created once, with this configuration, instead of with defaults and then again.
        String launchId = UUID.randomUUID().toString();
        String badCreate = XenCreate.check(context, creates, MACHINE_TIMEOUT_MS);
        if (badCreate != null) {
            err.println("trapdoor: " + badCreate);
            return 2;
        }
        try {
            // Xen's start-up domains before the machine: Xen boots as soon as a machine exists,
            // and must find its create files there rather than be reconfigured after booting.
            XenCreate.configure(configAdmin, creates, policies);
            configure(options, platform, launchId);
        } catch (IOException e) {
            err.println("trapdoor: cannot configure the machine: " + e.getMessage());
            return 1;
        }
        awaitFrameworkStarted();
        ServiceReference<Machine> ref = awaitMachine(launchId);
        if (ref == null) {
            return 2;
        }
        Machine machine = context.getService(ref);
        if (machine == null) {
            String failure = machineFailure();
            err.println("trapdoor: the machine failed to start: " + (failure == null ? "activation failed" : failure));
            return 2;
        }
        String deviceProblem = DeviceCheck.problem(machine.pciDevices(), deviceTypes());
        if (deviceProblem != null) {
            context.ungetService(ref);
            err.println("trapdoor: " + deviceProblem);
            return 2;
        }
        awaitGuests();
        // Xen chose them before it booted; only now are its policies there to tell a name it lacks.
        String badPolicy = XenPolicies.check(context, policies, MACHINE_TIMEOUT_MS);
        if (badPolicy != null) {
            context.ungetService(ref);
            err.println("trapdoor: " + badPolicy);
            return 2;
        }
        try {
            if (program != null) {
                // Gogo's standard commands (echo, each, grep, sleep, ...) come with the console
                // bundle, which a script run does not start: register them for the script.
                try (AutoCloseable standard = StandardCommands.register(context, processor)) {
                    CommandSession session = processor.createSession(new FileInputStream(FileDescriptor.in), out, err);
                    try {
                        return program.run(session, out, err);
                    } finally {
                        session.close();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            openConsole(machine, options);
            return -1;
        } finally {
            if (program != null) {
                context.ungetService(ref);
            }
        }
    }

    /** The device types the registered factories serve. */
    private List<String> deviceTypes() {
        List<String> types = new ArrayList<>();
        try {
            for (ServiceReference<PciDeviceFactory> r : context.getServiceReferences(PciDeviceFactory.class, null)) {
                PciDeviceFactory f = context.getService(r);
                if (f != null) {
                    try {
                        types.add(f.type());
                    } finally {
                        context.ungetService(r);
                    }
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return types;
    }

    private void configure(LaunchOptions options, String platform, String launchId) throws IOException {
        Hashtable<String, Object> props = new Hashtable<>();
        if (platform != null) {
            props.put("platform", platform);
        }
        if (!options.devices().isEmpty()) {
            props.put("devices", options.devices().toArray(new String[0]));
        }
        if (options.hypervisor() != null) {
            props.put("hypervisor", options.hypervisor());
        }
        props.put(LAUNCH_ID, launchId);
        Configuration c = configAdmin.getConfiguration(MACHINE_PID, "?");
        c.update(props);
    }

    /**
     * Waits until the framework has finished starting: the hardware bundles that register the
     * drivers start after this one, and a machine shown before they are there has nodes unbound
     * that a moment later would be bound.
     */
    private void awaitFrameworkStarted() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        FrameworkListener listener = e -> {
            if (e.getType() == FrameworkEvent.STARTED) {
                started.countDown();
            }
        };
        context.addFrameworkListener(listener);
        try {
            if (context.getBundle(0).getState() == Bundle.ACTIVE) {
                started.countDown();
            }
            started.await(MACHINE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } finally {
            context.removeFrameworkListener(listener);
        }
    }

    /** Waits for the Machine registered with this session's configuration; null after a failure. */
    private ServiceReference<Machine> awaitMachine(String launchId) throws InterruptedException {
        Filter filter;
        try {
            filter = context.createFilter("(&(objectClass=" + Machine.class.getName() + ")(" + LAUNCH_ID + "="
                    + launchId + "))");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        ServiceTracker<Machine, ServiceReference<Machine>> tracker = new ServiceTracker<>(context, filter,
                new ServiceTrackerCustomizer<Machine, ServiceReference<Machine>>() {
                    @Override
                    public ServiceReference<Machine> addingService(ServiceReference<Machine> reference) {
                        return reference;
                    }

                    @Override
                    public void modifiedService(ServiceReference<Machine> reference, ServiceReference<Machine> s) {
                    }

                    @Override
                    public void removedService(ServiceReference<Machine> reference, ServiceReference<Machine> s) {
                    }
                });
        tracker.open();
        try {
            long deadline = System.currentTimeMillis() + MACHINE_TIMEOUT_MS;
            while (System.currentTimeMillis() < deadline) {
                ServiceReference<Machine> ref = tracker.waitForService(100);
                if (ref != null) {
                    return ref;
                }
                String failure = machineFailure();
                if (failure != null) {
                    err.println("trapdoor: the machine failed to start: " + failure);
                    return null;
                }
            }
            err.println("trapdoor: no machine after " + MACHINE_TIMEOUT_MS / 1000 + " s: is the core bundle installed?");
            return null;
        } finally {
            tracker.close();
        }
    }

    /**
     * Waits, bounded, until every registered guest kernel has booted, so that the first command
     * sees the BARs and MSI vectors the guest assigned. A guest may register its service only once
     * it has booted: while a component that provides {@link GuestKernel} is enabled but still
     * waiting for its references (its kernel is booting), its service is awaited too. A kernel
     * replaced while it was awaited (its service went away: a reboot) is looked up again. A guest
     * that does not make it is an error on standard error; the commands still run, since the
     * machine itself is there.
     */
    private void awaitGuests() throws InterruptedException {
        long deadline = System.currentTimeMillis() + GUEST_BOOT_TIMEOUT_MS;
        while (true) {
            ServiceReference<?>[] refs;
            try {
                refs = context.getServiceReferences(GuestKernel.class.getName(), null);
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            if (refs == null) {
                if (!guestBooting()) {
                    return; // no guest on this machine
                }
                if (System.currentTimeMillis() >= deadline) {
                    err.println("trapdoor: the guest kernel has not booted after " + GUEST_BOOT_TIMEOUT_MS / 1000
                            + " s (see the log); the BARs and MSI vectors it would assign are missing");
                    return;
                }
                Thread.sleep(10);
                continue;
            }
            Map<GuestKernel, ServiceReference<?>> held = new IdentityHashMap<>();
            List<GuestKernel> late;
            try {
                for (ServiceReference<?> r : refs) {
                    if (context.getService(r) instanceof GuestKernel k) {
                        held.put(k, r);
                    } else {
                        context.ungetService(r);
                    }
                }
                late = GuestBoot.await(new ArrayList<>(held.keySet()),
                        Math.max(0, deadline - System.currentTimeMillis()), System::currentTimeMillis);
                boolean replaced = late.stream().anyMatch(k -> held.get(k).getBundle() == null);
                if (replaced && System.currentTimeMillis() < deadline) {
                    continue; // a kernel went away while awaited: wait for its successor
                }
                for (GuestKernel k : late) {
                    err.println("trapdoor: guest kernel '" + k.name() + "' has not booted after "
                            + GUEST_BOOT_TIMEOUT_MS / 1000 + " s (see its boot log); the BARs and MSI vectors it "
                            + "would assign are missing");
                }
                return;
            } finally {
                for (ServiceReference<?> r : held.values()) {
                    context.ungetService(r);
                }
            }
        }
    }

    /** True while an enabled component that provides {@link GuestKernel} waits for its references (a kernel booting). */
    private boolean guestBooting() {
        if (scr == null) {
            return false;
        }
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.serviceInterfaces == null || !Arrays.asList(d.serviceInterfaces).contains(GuestKernel.class.getName())
                    || !scr.isComponentEnabled(d)) {
                continue;
            }
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Why the machine component failed to activate, from Declarative Services; null if it has not. */
    private String machineFailure() {
        if (scr == null) {
            return null;
        }
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (!Arrays.asList(d.configurationPid).contains(MACHINE_PID)) {
                continue;
            }
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    String s = Failures.summary(c.failure);
                    return s == null ? "activation failed" : s;
                }
            }
        }
        return null;
    }

    /** Sets the prompt, greets, and raises the start level so that Gogo JLine opens its console. */
    private void openConsole(Machine machine, LaunchOptions options) {
        Bundle console = consoleBundle();
        if (console == null || options.consoleStartLevel() <= 0) {
            throw new IllegalStateException("no console: the Gogo JLine bundle is not installed with a console start level");
        }
        if (processor instanceof CommandProcessorImpl impl) {
            // Constants win over session variables, so the profile's "g! " does not replace ours,
            // and its banner stays quiet.
            impl.addConstant("prompt", PROMPT);
            impl.addConstant(".gosh_quiet", Boolean.TRUE);
            // Tab completes each Trapdoor command's arguments: Gogo's console reads its completion
            // data from the session's ".completions", and a constant wins over the empty map it puts there.
            try {
                impl.addConstant(".completions", CompletionTable.create(registry));
                // The first word completes to plain command names (CommandNameCompleter), put in
                // front of the console's completer before its first prompt: the profile it sources
                // is the first command its session runs.
                impl.addListener(new CommandSessionListener() {
                    @Override
                    public void beforeExecute(CommandSession session, CharSequence command) {
                        try {
                            CommandNameCompleter.install(session, registry);
                        } catch (LinkageError noJline) {
                            // no JLine: no console to complete in
                        }
                    }

                    @Override
                    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
                    }

                    @Override
                    public void afterExecute(CommandSession session, CharSequence command, Object result) {
                    }
                });
            } catch (LinkageError noJline) {
                // no JLine: no console to complete in
            }
        }
        long bound = machine.nodes().stream().filter(n -> n.state().name().equals("BOUND")).count();
        out.printf("Trapdoor: %s, %d nodes (%d bound), %d PCI device(s). "
                + "Type 'help' for commands, 'platform' for the machine, Ctrl-D to quit.%n",
                machine.platform().source(), machine.nodes().size(), bound, machine.pciDevices().size());
        for (String note : UnboundBridges.notes(machine)) {
            out.println("Note: " + note + ".");
        }
        FrameworkStartLevel fsl = context.getBundle(0).adapt(FrameworkStartLevel.class);
        fsl.setStartLevel(Math.max(fsl.getStartLevel(), options.consoleStartLevel()));
    }

    private Bundle consoleBundle() {
        for (Bundle b : context.getBundles()) {
            if ("org.apache.felix.gogo.jline".equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }
}
