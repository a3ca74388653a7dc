package org.trapdoor.launcher;

import java.util.Set;

/**
 * Which start level each bundle gets, by symbolic name.
 *
 * <ol>
 * <li>{@link #LOGGING}: SPI Fly and SLF4J, so that no component ever calls {@code LoggerFactory}
 * before the provider is there (SLF4J would fall back to NOP for the life of the JVM).</li>
 * <li>{@link #SERVICES}: Declarative Services, ConfigurationAdmin, Gogo's runtime and commands,
 * JLine, and the Trapdoor bundles the session needs: API, device tree, shell. The session
 * writes the machine's configuration here, before any machine exists.</li>
 * <li>{@link #HARDWARE}: the hardware models ({@code org.trapdoor.hw.*}) and the plugins the
 * shell's plugin watcher deploys: their drivers are registered before the machine exists.</li>
 * <li>{@link #MACHINE}: every other Trapdoor bundle (core, guest). The machine is created once,
 * already configured, with every driver there; and when the framework stops, the machine stops
 * before its drivers go, so it closes its models rather than re-binding nodes whose drivers are
 * leaving.</li>
 * <li>{@link #CONSOLE}: Gogo JLine, which opens a console as soon as it starts. The framework
 * starts at {@link #MACHINE}; the session raises it to this level when the machine is ready.</li>
 * </ol>
 */
public final class StartLevels {
    public static final int LOGGING = 1;
    public static final int SERVICES = 2;
    public static final int HARDWARE = 3;
    public static final int MACHINE = 4;
    public static final int CONSOLE = 5;

    private static final Set<String> LOGGING_BUNDLES = Set.of("org.apache.aries.spifly.dynamic.framework.extension",
            "slf4j.api", "slf4j.simple");
    private static final Set<String> SESSION_BUNDLES = Set.of("org.trapdoor.api", "org.trapdoor.devicetree",
            "org.trapdoor.shell");
    private static final String CONSOLE_BUNDLE = "org.apache.felix.gogo.jline";
    private static final String HARDWARE_PREFIX = "org.trapdoor.hw.";

    private StartLevels() {
    }

    public static int of(String symbolicName) {
        if (LOGGING_BUNDLES.contains(symbolicName)) {
            return LOGGING;
        }
        if (CONSOLE_BUNDLE.equals(symbolicName)) {
            return CONSOLE;
        }
        if (symbolicName.startsWith(HARDWARE_PREFIX)) {
            return HARDWARE;
        }
        if (symbolicName.startsWith("org.trapdoor.") && !SESSION_BUNDLES.contains(symbolicName)) {
            return MACHINE;
        }
        return SERVICES;
    }
}
