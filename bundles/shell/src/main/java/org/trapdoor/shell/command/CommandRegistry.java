package org.trapdoor.shell.command;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Trapdoor's shell commands. A component becomes a set of commands by registering any service
 * with the property {@code trapdoor.command.function=NAME} (one per command, like Gogo's
 * {@code osgi.command.function}) and a {@link ShellCommand} on one method of each name; this
 * registry then registers, for each name, a Gogo {@link Function} in scope {@code trapdoor}
 * ({@link CommandFunction}: {@code --help}, usage on wrong arguments, one-line errors) and keeps
 * its {@link CommandSpec} for {@code help} and completion. Commands come and go with their
 * components.
 */
@Component(service = CommandRegistry.class, immediate = true)
public final class CommandRegistry {
    /** The service property naming a component's commands. */
    public static final String FUNCTION = "trapdoor.command.function";
    public static final String SCOPE = "trapdoor";

    /** The groups {@code help} lists, in this order; others follow by name. */
    public static final String MACHINE = "Machine";
    public static final String PCI = "PCI";
    public static final String INTERRUPTS = "Interrupts";
    public static final String IOMMU = "IOMMU";
    public static final String XEN = "Xen";
    public static final String SHELL = "Shell";
    public static final String OTHER = "Other";
    static final List<String> GROUP_ORDER = List.of(MACHINE, PCI, INTERRUPTS, IOMMU, XEN, SHELL);

    private record Entry(CommandSpec spec, ServiceRegistration<Function> registration) {
    }

    private final BundleContext context;
    private final Map<String, Entry> commands = new TreeMap<>();
    private final ServiceTracker<Object, List<String>> tracker;

    @Activate
    public CommandRegistry(BundleContext context) {
        this.context = context;
        Filter filter;
        try {
            filter = context.createFilter("(" + FUNCTION + "=*)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        this.tracker = new ServiceTracker<Object, List<String>>(context, filter, null) {
            @Override
            public List<String> addingService(ServiceReference<Object> ref) {
                Object target = context.getService(ref);
                if (target == null) {
                    return null;
                }
                return addCommands(target, names(ref.getProperty(FUNCTION)));
            }

            @Override
            public void removedService(ServiceReference<Object> ref, List<String> names) {
                removeCommands(names);
                context.ungetService(ref);
            }
        };
        tracker.open(true);
    }

    @Deactivate
    void deactivate() {
        tracker.close();
    }

    private static List<String> names(Object property) {
        List<String> out = new ArrayList<>();
        if (property instanceof String s) {
            out.add(s);
        } else if (property instanceof String[] a) {
            out.addAll(List.of(a));
        } else if (property instanceof Collection<?> c) {
            c.forEach(o -> out.add(String.valueOf(o)));
        }
        return out;
    }

    private synchronized List<String> addCommands(Object target, List<String> names) {
        List<String> added = new ArrayList<>();
        for (String name : names) {
            if (commands.containsKey(name)) {
                continue; // the first provider of a name keeps it
            }
            CommandSpec spec = CommandSpec.of(target, name);
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("osgi.command.scope", SCOPE);
            props.put("osgi.command.function", name);
            ServiceRegistration<Function> reg = context.registerService(Function.class, new CommandFunction(target, spec), props);
            commands.put(name, new Entry(spec, reg));
            added.add(name);
        }
        return added;
    }

    private synchronized void removeCommands(List<String> names) {
        for (String name : names) {
            Entry e = commands.remove(name);
            if (e != null) {
                try {
                    e.registration().unregister();
                } catch (IllegalStateException gone) {
                    // unregistered with the bundle already
                }
            }
        }
    }

    /** Every command's spec, by name. */
    public synchronized List<CommandSpec> specs() {
        return commands.values().stream().map(Entry::spec).toList();
    }

    /** One command's spec, or null. */
    public synchronized CommandSpec spec(String name) {
        Entry e = commands.get(name);
        return e == null ? null : e.spec();
    }

    /** Groups in {@link #GROUP_ORDER}, then the others by name. */
    static Comparator<String> groupOrder() {
        return Comparator.comparingInt((String g) -> GROUP_ORDER.contains(g) ? GROUP_ORDER.indexOf(g) : GROUP_ORDER.size())
                .thenComparing(Comparator.naturalOrder());
    }
}
