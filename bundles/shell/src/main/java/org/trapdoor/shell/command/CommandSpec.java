package org.trapdoor.shell.command;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;

/**
 * What {@code help} and {@code CMD --help} say about one command: its group, one-line summary,
 * usage lines, and the details of each form (Gogo's {@link Descriptor} of the method and of its
 * options).
 */
public record CommandSpec(String name, String group, String summary, List<String> usage, List<String> details) {
    public CommandSpec {
        usage = List.copyOf(usage);
        details = List.copyOf(details);
    }

    /** The one-line usage error: what was wrong, the usage, and where to read more. */
    public String usageError(String what) {
        return name + ": " + what + "; usage: " + String.join(" | ", usage) + " (" + name + " --help says more)";
    }

    /** The text of {@code CMD --help}. */
    public String help() {
        StringBuilder sb = new StringBuilder();
        for (String u : usage) {
            sb.append(sb.length() == 0 ? "usage: " : "       ").append(u).append('\n');
        }
        sb.append(summary);
        if (!details.isEmpty()) {
            sb.append('\n');
            for (String d : details) {
                sb.append('\n').append(d);
            }
        }
        return sb.toString();
    }

    /**
     * The spec of {@code function} on {@code target}: from the {@link ShellCommand} on one of its
     * methods of that name, or, without one, from Gogo's descriptors alone (group "other").
     */
    public static CommandSpec of(Object target, String function) {
        List<Method> forms = new ArrayList<>();
        for (Method m : target.getClass().getMethods()) {
            if (m.getName().equals(function)) {
                forms.add(m);
            }
        }
        forms.sort(Comparator.comparingInt(Method::getParameterCount));
        ShellCommand sc = null;
        List<String> details = new ArrayList<>();
        for (Method m : forms) {
            if (m.getAnnotation(ShellCommand.class) != null) {
                sc = m.getAnnotation(ShellCommand.class);
            }
            Descriptor d = m.getAnnotation(Descriptor.class);
            if (d != null && !details.contains("  " + d.value())) {
                details.add("  " + d.value());
            }
            for (java.lang.annotation.Annotation[] pa : m.getParameterAnnotations()) {
                Parameter p = find(pa, Parameter.class);
                Descriptor pd = find(pa, Descriptor.class);
                if (p != null && pd != null) {
                    String line = "    " + String.join(", ", p.names()) + ": " + pd.value();
                    if (!details.contains(line)) {
                        details.add(line);
                    }
                }
            }
        }
        if (sc == null) {
            String summary = details.isEmpty() ? "" : details.get(0).strip();
            return new CommandSpec(function, CommandRegistry.OTHER, summary, List.of(function + " ..."), details);
        }
        return new CommandSpec(function, sc.group(), sc.summary(), Arrays.asList(sc.usage()), details);
    }

    private static <A extends java.lang.annotation.Annotation> A find(java.lang.annotation.Annotation[] as, Class<A> type) {
        for (java.lang.annotation.Annotation a : as) {
            if (type.isInstance(a)) {
                return type.cast(a);
            }
        }
        return null;
    }
}
