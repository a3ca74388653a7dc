package org.trapdoor.shell.command;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntConsumer;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;

/**
 * The shell's own commands: {@code help}, {@code exit}, {@code quit}, {@code sleep}, and what answers a command
 * that does not exist (Gogo calls a {@code default} function before giving up). Trapdoor's
 * scope is searched first ({@link TrapdoorScope}), so these win over Gogo's namesakes.
 */
@Component(service = ShellBuiltins.class, immediate = true, property = {
        CommandRegistry.FUNCTION + "=help",
        CommandRegistry.FUNCTION + "=exit",
        CommandRegistry.FUNCTION + "=quit",
        CommandRegistry.FUNCTION + "=sleep"})
public final class ShellBuiltins {
    private final CommandRegistry registry;
    private final CommandProcessor processor;
    private final IntConsumer exit;
    private final ServiceRegistration<Function> unknown;

    @Activate
    public ShellBuiltins(BundleContext context, @Reference CommandRegistry registry, @Reference CommandProcessor processor,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, target = "(trapdoor.exit=true)") IntConsumer exit) {
        this.registry = registry;
        this.processor = processor;
        this.exit = exit;
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", CommandRegistry.SCOPE);
        props.put("osgi.command.function", "default");
        this.unknown = context.registerService(Function.class, (session, args) -> {
            throw new CommandFailure((args.isEmpty() ? "?" : String.valueOf(args.get(0)))
                    + ": no such command ('help' lists the commands)");
        }, props);
    }

    @Deactivate
    void deactivate() {
        try {
            unknown.unregister();
        } catch (IllegalStateException e) {
            // gone with the bundle
        }
    }

    @ShellCommand(usage = {"help", "help --all", "help COMMAND"}, summary = "list the commands, or describe one",
            group = CommandRegistry.SHELL)
    @Descriptor("list Trapdoor's commands by group with what each does; --all adds Gogo's standard commands")
    public String help(
            @Descriptor("also list Gogo's standard commands (echo, each, grep, sleep, ...)")
            @Parameter(names = {"-a", "--all"}, presentValue = "true", absentValue = "false") boolean all) {
        Map<String, List<CommandSpec>> groups = new TreeMap<>(CommandRegistry.groupOrder());
        int width = 0;
        for (CommandSpec s : registry.specs()) {
            groups.computeIfAbsent(s.group(), g -> new ArrayList<>()).add(s);
            width = Math.max(width, s.name().length());
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<CommandSpec>> g : groups.entrySet()) {
            sb.append(sb.length() == 0 ? "" : "\n").append(g.getKey()).append('\n');
            for (CommandSpec s : g.getValue()) {
                sb.append("  ").append(s.name()).append(" ".repeat(width - s.name().length() + 2)).append(s.summary())
                        .append('\n');
            }
        }
        if (all && processor instanceof CommandProcessorImpl impl) {
            TreeSet<String> others = new TreeSet<>();
            for (String c : impl.getCommands()) {
                if (!c.startsWith(CommandRegistry.SCOPE + ":")) {
                    others.add(c);
                }
            }
            sb.append("\nGogo (scope:name)\n  ").append(String.join(" ", others)).append('\n');
        } else {
            sb.append("\n'help COMMAND' or 'COMMAND --help' describes one; 'help --all' adds Gogo's standard commands.");
        }
        return sb.toString().stripTrailing();
    }

    @Descriptor("describe one command: its usage and options")
    public String help(@Descriptor("a command name") String command) {
        CommandSpec s = registry.spec(command);
        if (s == null) {
            throw new CommandFailure("help: no command '" + command + "' ('help' lists the commands)");
        }
        return s.help();
    }

    @ShellCommand(usage = {"exit [STATUS]"}, summary = "leave Trapdoor (Ctrl-D too); a script ends with STATUS",
            group = CommandRegistry.SHELL)
    @Descriptor("leave Trapdoor: status 0, or in a script the script's status so far")
    public void exit(CommandSession session) {
        if (session != null && session.get(ScriptExit.SCRIPT_SESSION) != null) {
            throw new ScriptExit(ScriptExit.SO_FAR);
        }
        exit(session, 0);
    }

    @Descriptor("leave Trapdoor with STATUS (0..255)")
    public void exit(CommandSession session, @Descriptor("exit status, 0 to 255") int status) {
        if (status < 0 || status > 255) {
            throw new CommandFailure("exit: status " + status + " is not between 0 and 255");
        }
        if (session != null && session.get(ScriptExit.SCRIPT_SESSION) != null) {
            throw new ScriptExit(status); // the script runner ends the launch with it
        }
        if (exit == null) {
            throw new CommandFailure("exit: not running under the Trapdoor launcher");
        }
        exit.accept(status);
    }

    @ShellCommand(usage = {"quit"}, summary = "the same as exit", group = CommandRegistry.SHELL)
    @Descriptor("leave Trapdoor with status 0")
    public void quit(CommandSession session) {
        exit(session, 0);
    }

    /** The longest {@code sleep}: a day, so that the milliseconds cannot overflow. */
    static final double MAX_SLEEP_SECONDS = 86_400;

    /**
     * Gogo's {@code sleep} answers Ctrl-C with {@code sleep: java.lang.InterruptedException: sleep
     * interrupted}; this one (Trapdoor's scope is searched first) just stops, as {@code sleep(1)}
     * does, and takes fractions of a second.
     */
    @ShellCommand(usage = {"sleep SECONDS"}, summary = "wait SECONDS (a fraction too, e.g. 0.5); Ctrl-C stops it",
            group = CommandRegistry.SHELL)
    @Descriptor("wait SECONDS (e.g. 2 or 0.5) before the next command; Ctrl-C ends the wait")
    public void sleep(@Descriptor("seconds, 0 to 86400, a fraction too") String seconds) {
        double s;
        try {
            s = Double.parseDouble(seconds.strip());
        } catch (NumberFormatException e) {
            throw new CommandFailure("sleep: '" + seconds + "' is not a number of seconds");
        }
        if (!(s >= 0 && s <= MAX_SLEEP_SECONDS)) {
            throw new CommandFailure("sleep: " + seconds + " is not between 0 and " + (long) MAX_SLEEP_SECONDS + " seconds");
        }
        try {
            Thread.sleep(Math.round(s * 1000));
        } catch (InterruptedException e) {
            // Ctrl-C: the wait is over, which is all the user asked for
        }
    }
}
