package org.trapdoor.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's command line.
 *
 * @param platform   preset name or device-tree file, or {@code null} for the machine's default
 * @param devices    {@code --device} specs in order
 * @param commands   the {@code -c} program, or {@code null}
 * @param script     the {@code --script} file, or {@code null}
 * @param hypervisor {@code --hypervisor}: {@link #DEFAULT_HYPERVISOR} when not given
 * @param help       {@code --help} was given
 * @param creates    {@code --create} xl configuration files in order: the DomUs created at start-up
 * @param policies   {@code --policy KIND=NAME} choices in order: Xen's policies in force when it boots
 */
public record Arguments(String platform, List<String> devices, String commands, String script, String hypervisor,
        boolean help, List<String> creates, List<String> policies) {

    public static final String USAGE = String.join(System.lineSeparator(),
            "Usage: trapdoor [--platform NAME|FILE.dts|FILE.dtb] [--device SPEC]... [-c \"cmd; cmd\"]",
            "                [--script FILE] [--hypervisor xen|none] [--create FILE.cfg]...",
            "                [--policy KIND=NAME]... [--help]",
            "",
            "Composes an emulated Arm platform from a device tree and opens a Gogo shell on it.",
            "",
            "  --platform NAME|FILE  a built-in preset (below; virt is the default) or a .dts/.dtb file",
            "  --device SPEC         plug a PCI device, QEMU style: TYPE[,addr=SS.F][,key=value...]",
            "                        (types and options below), e.g. testdev,addr=01.0 (repeatable;",
            "                        default: two testdev endpoints)",
            "  -c \"cmd; cmd\"         run shell commands without a console, then exit",
            "  --script FILE         run the shell commands in FILE, then exit",
            "  --hypervisor NAME     xen (the default: Xen, Dom0 and a DomU guest1 holding 00:02.0)",
            "                        or none (the guest kernel on the bare machine)",
            "  --create FILE.cfg     create a Xen domain from an xl configuration file at start-up,",
            "                        as 'xl create' would (repeatable)",
            "  --policy KIND=NAME    choose a Xen policy before Xen boots, e.g. bridge-owner=xen-init",
            "                        (repeatable; 'policy' in the shell lists kinds and names)",
            "  --help                show this help",
            "",
            "Exit status: 0 success, 1 a command failed, 2 bad arguments, platform or devices.",
            "");

    /**
     * Xen boots Dom0 and, unless {@code --create} says otherwise, guest1 with the second test
     * endpoint: a new user sees passthrough at once.
     */
    public static final String DEFAULT_HYPERVISOR = "xen";

    public Arguments {
        devices = List.copyOf(devices);
        creates = List.copyOf(creates);
        policies = List.copyOf(policies);
    }

    /** The arguments without {@code --policy}. */
    public Arguments(String platform, List<String> devices, String commands, String script, String hypervisor,
            boolean help, List<String> creates) {
        this(platform, devices, commands, script, hypervisor, help, creates, List.of());
    }

    /** The arguments without {@code --create} or {@code --policy}. */
    public Arguments(String platform, List<String> devices, String commands, String script, String hypervisor,
            boolean help) {
        this(platform, devices, commands, script, hypervisor, help, List.of(), List.of());
    }

    /** A command-line mistake; the message says which. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code args}; options take their value as the next argument or after {@code =}.
     *
     * @throws UsageException for an unknown option, a missing or empty value, a repeated option
     *                        that may appear once, a stray argument, or both -c and --script
     */
    public static Arguments parse(String... args) throws UsageException {
        String platform = null;
        String commands = null;
        String script = null;
        String hypervisor = null;
        boolean help = false;
        List<String> devices = new ArrayList<>();
        List<String> creates = new ArrayList<>();
        List<String> policies = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            switch (name) {
                case "--help":
                case "-h":
                    help = true;
                    break;
                case "--platform":
                    platform = once(platform, name, inline != null ? inline : value(args, ++i, name));
                    break;
                case "--device":
                    devices.add(inline != null ? nonEmpty(inline, name) : value(args, ++i, name));
                    break;
                case "-c":
                case "--command":
                    commands = once(commands, name, inline != null ? nonEmpty(inline, name) : value(args, ++i, name));
                    break;
                case "--script":
                    script = once(script, name, inline != null ? inline : value(args, ++i, name));
                    break;
                case "--hypervisor":
                    hypervisor = once(hypervisor, name, inline != null ? inline : value(args, ++i, name));
                    break;
                case "--create":
                    creates.add(inline != null ? nonEmpty(inline, name) : value(args, ++i, name));
                    break;
                case "--policy":
                    policies.add(policy(inline != null ? nonEmpty(inline, name) : value(args, ++i, name), policies));
                    break;
                default:
                    throw new UsageException(arg.startsWith("-") ? "unknown option " + arg
                            : "unexpected argument '" + arg + "'");
            }
        }
        if (commands != null && script != null) {
            throw new UsageException("give either -c or --script, not both");
        }
        if (!creates.isEmpty() && "none".equals(hypervisor)) {
            throw new UsageException("--create makes Xen domains: it needs a hypervisor, not --hypervisor none");
        }
        if (!policies.isEmpty() && "none".equals(hypervisor)) {
            throw new UsageException("--policy chooses Xen's policies: it needs a hypervisor, not --hypervisor none");
        }
        return new Arguments(platform, devices, commands, script, hypervisor == null ? DEFAULT_HYPERVISOR : hypervisor,
                help, creates, policies);
    }

    /**
     * One {@code --policy} value: {@code KIND=NAME}, both non-empty, each kind once. Whether Xen
     * knows the kind and the name is checked by the session once Xen's policies are registered.
     */
    private static String policy(String v, List<String> earlier) throws UsageException {
        int eq = v.indexOf('=');
        String kind = eq < 0 ? "" : v.substring(0, eq).strip();
        String name = eq < 0 ? "" : v.substring(eq + 1).strip();
        if (kind.isEmpty() || name.isEmpty() || name.contains("=")) {
            throw new UsageException("--policy needs KIND=NAME, e.g. bridge-owner=xen-init, not '" + v + "'");
        }
        for (String e : earlier) {
            if (e.substring(0, e.indexOf('=')).equals(kind)) {
                throw new UsageException("--policy " + kind + " given twice");
            }
        }
        return kind + "=" + name;
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        String v = args[i];
        if (v.startsWith("--") && !option.equals("-c") && !option.equals("--command")) {
            throw new UsageException(option + " needs a value, not the option " + v);
        }
        return nonEmpty(v, option);
    }

    private static String nonEmpty(String v, String option) throws UsageException {
        if (v.isBlank()) {
            throw new UsageException(option + " needs a non-empty value");
        }
        return v;
    }

    private static String once(String previous, String option, String value) throws UsageException {
        if (previous != null) {
            throw new UsageException(option + " given twice");
        }
        if (value.isBlank()) {
            throw new UsageException(option + " needs a non-empty value");
        }
        return value;
    }
}
