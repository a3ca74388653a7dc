package org.trapdoor.shell.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What the user asked for on the command line, as the launcher hands it into the framework:
 * plain framework properties, because the launcher shares no Trapdoor classes with bundles.
 *
 * @param platform          preset name or file, or {@code null} for the machine's default
 * @param devices           {@code --device} specs in order; empty for the machine's default
 * @param hypervisor        {@code --hypervisor}, or {@code null} for the machine's default
 * @param commands          the {@code -c} program, or {@code null}
 * @param script            the {@code --script} file, {@link #STDIN} for standard input, or {@code null}
 * @param consoleStartLevel the start level at which the console bundle starts; raising the
 *                          framework to it opens the console
 */
public record LaunchOptions(String platform, List<String> devices, String hypervisor, String commands, String script,
        int consoleStartLevel) {

    public static final String PLATFORM = "trapdoor.platform";
    /** Device specs separated by newlines (a spec itself contains commas). */
    public static final String DEVICES = "trapdoor.devices";
    public static final String HYPERVISOR = "trapdoor.hypervisor";
    public static final String COMMANDS = "trapdoor.commands";
    public static final String SCRIPT = "trapdoor.script";
    /** The {@link #SCRIPT} value meaning "read the commands from standard input". */
    public static final String STDIN = "-";
    public static final String CONSOLE_START_LEVEL = "trapdoor.console.startlevel";
    /** The property that marks the launcher's exit-status {@code IntConsumer} service. */
    public static final String EXIT_MARKER = "trapdoor.exit";

    public LaunchOptions {
        devices = List.copyOf(devices);
    }

    /** Reads the options from framework properties ({@code BundleContext::getProperty}). */
    public static LaunchOptions from(Function<String, String> properties) {
        List<String> devices = new ArrayList<>();
        String d = properties.apply(DEVICES);
        if (d != null) {
            for (String spec : d.split("\n")) {
                if (!spec.isBlank()) {
                    devices.add(spec.strip());
                }
            }
        }
        String level = properties.apply(CONSOLE_START_LEVEL);
        int consoleLevel;
        try {
            consoleLevel = level == null ? 0 : Integer.parseInt(level.strip());
        } catch (NumberFormatException e) {
            consoleLevel = 0;
        }
        return new LaunchOptions(blankToNull(properties.apply(PLATFORM)), devices,
                blankToNull(properties.apply(HYPERVISOR)), properties.apply(COMMANDS),
                blankToNull(properties.apply(SCRIPT)), consoleLevel);
    }

    /** True when commands are to run without a console ({@code -c} or {@code --script}). */
    public boolean batch() {
        return commands != null || script != null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
