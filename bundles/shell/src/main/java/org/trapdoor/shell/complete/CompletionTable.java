package org.trapdoor.shell.complete;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jline.builtins.Completers.CompletionData;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.CommandSpec;

/**
 * The completion data of Gogo's console ({@code .completions}, what its {@code complete} command
 * edits), with an entry for every Trapdoor command that is registered at the moment it is
 * looked up: its one-line summary (shown beside the name when Tab lists commands), its options
 * with what each does, and {@link CompletionFunction} for its arguments. Entries the console's
 * profile adds for Gogo's own commands are kept as they are.
 */
public final class CompletionTable extends ConcurrentHashMap<String, List<CompletionData>> {
    private static final long serialVersionUID = 1L;

    private final transient CommandRegistry registry;

    private CompletionTable(CommandRegistry registry) {
        this.registry = registry;
    }

    /** The table for the console: a {@code Map<String, List<CompletionData>>}. */
    public static Map<String, ?> create(CommandRegistry registry) {
        return new CompletionTable(registry);
    }

    @Override
    public List<CompletionData> get(Object key) {
        if (key instanceof String s) {
            String name = s.substring(s.indexOf(':') + 1);
            CommandSpec spec = registry.spec(name);
            // Trapdoor's command is the one that runs (its scope comes first), whatever scope Gogo resolved.
            if (spec != null) {
                return data(spec);
            }
        }
        return super.get(key);
    }

    static List<CompletionData> data(CommandSpec spec) {
        List<CompletionData> out = new ArrayList<>();
        out.add(new CompletionData(null, spec.summary(), null, null));
        ArgumentCompleter.options(spec.name()).forEach((option, what) -> out.add(new CompletionData(List.of(option), what,
                null, null)));
        out.add(new CompletionData(null, null, CompletionFunction.EXPRESSION, null));
        return out;
    }
}
