package org.trapdoor.shell.launch;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Gogo's standard commands for a script run: Gogo JLine's activator registers {@code echo},
 * {@code grep}, {@code sleep} ({@code Posix}), {@code each}, {@code if}, {@code try}
 * ({@code Procedural}) and {@code set}, {@code new}, {@code getopt} ({@code Builtin}) when it
 * opens the console, which a {@code -c} or {@code --script} run never does. The same command
 * objects are registered here, under the same scope and names, for the time of the script; a
 * console that is up already has them. Without Gogo JLine (an embedding without the console)
 * there is nothing to register.
 */
final class StandardCommands {
    private static final String CONSOLE_BUNDLE = "org.apache.felix.gogo.jline";

    private StandardCommands() {
    }

    /** Registers the commands unless the console bundle is active; closing unregisters them. */
    static AutoCloseable register(BundleContext context, CommandProcessor processor) {
        for (Bundle b : context.getBundles()) {
            if (CONSOLE_BUNDLE.equals(b.getSymbolicName()) && b.getState() == Bundle.ACTIVE) {
                return () -> { };
            }
        }
        List<ServiceRegistration<?>> regs = new ArrayList<>();
        try {
            for (Object commands : JlineCommands.create(processor)) {
                Hashtable<String, Object> props = new Hashtable<>();
                props.put("osgi.command.scope", "gogo");
                props.put("osgi.command.function", functions(commands.getClass()));
                regs.add(context.registerService(commands.getClass().getName(), commands, props));
            }
        } catch (NoClassDefFoundError | ReflectiveOperationException e) {
            // no Gogo JLine wired to this bundle: scripts have Trapdoor's and Gogo's runtime commands only
        }
        return () -> {
            for (ServiceRegistration<?> r : regs) {
                try {
                    r.unregister();
                } catch (IllegalStateException gone) {
                    // unregistered with the framework
                }
            }
        };
    }

    /** The command names Gogo JLine's activator registers for this class: its {@code functions} list. */
    private static String[] functions(Class<?> type) throws ReflectiveOperationException {
        Field f = type.getDeclaredField("functions");
        f.setAccessible(true);
        return (String[]) f.get(null);
    }
}
