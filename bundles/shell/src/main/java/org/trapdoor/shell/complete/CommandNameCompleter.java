package org.trapdoor.shell.complete;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.apache.felix.service.command.CommandSession;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import org.jline.reader.impl.LineReaderImpl;
import org.trapdoor.shell.command.CommandRegistry;

/**
 * The console's completer with the first word narrowed to plain command names. Gogo's completer
 * offers every command twice, plain and scoped ({@code trace}, {@code trapdoor:trace}), so
 * {@code tra<TAB>} matched all ~25 {@code trapdoor:*} names, and it offered {@code default}, the
 * unknown-command hook, as if it were a command. Here the first word offers the plain names only,
 * Trapdoor's group listed before Gogo's; once the word holds a {@code :} the scoped names are
 * offered as Gogo offers them. Arguments are Gogo's completer's, unchanged.
 */
public final class CommandNameCompleter implements Completer {
    /** Listed first (JLine orders groups by name: "commands" before "gogo commands"). */
    static final String TRAPDOOR_GROUP = "commands";
    static final String GOGO_GROUP = "gogo commands";
    /** Gogo's unknown-command hook, registered in Trapdoor's scope: not a command a user types. */
    static final String UNKNOWN_COMMAND_HOOK = "default";

    private final Completer gogo;
    private final CommandRegistry registry;

    CommandNameCompleter(Completer gogo, CommandRegistry registry) {
        this.gogo = gogo;
        this.registry = registry;
    }

    /**
     * Puts this completer in front of the console's, once: Gogo's console keeps its line reader in
     * the session ({@code .reader}) from before it sources its profile, so the first command the
     * session runs (the profile) is early enough to install it.
     */
    public static void install(CommandSession session, CommandRegistry registry) {
        if (session.get(".reader") instanceof LineReaderImpl reader && reader.getCompleter() != null
                && !(reader.getCompleter() instanceof CommandNameCompleter)) {
            reader.setCompleter(new CommandNameCompleter(reader.getCompleter(), registry));
        }
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        if (line.wordIndex() != 0 || line.word().indexOf(':') >= 0) {
            gogo.complete(reader, line, candidates);
            return;
        }
        List<Candidate> all = new ArrayList<>();
        gogo.complete(reader, line, all);
        candidates.addAll(plainNames(all, name -> registry.spec(name) != null));
    }

    /** The plain names among Gogo's command candidates, grouped and ordered Trapdoor's first. */
    static List<Candidate> plainNames(List<Candidate> all, Predicate<String> trapdoors) {
        List<Candidate> out = new ArrayList<>();
        for (Candidate c : all) {
            String v = c.value();
            if (v.indexOf(':') >= 0 || v.equals(UNKNOWN_COMMAND_HOOK)) {
                continue;
            }
            boolean ours = trapdoors.test(v);
            out.add(new Candidate(v, c.displ(), ours ? TRAPDOOR_GROUP : GOGO_GROUP, c.descr(), c.suffix(), c.key(),
                    c.complete(), ours ? 0 : 1));
        }
        return out;
    }
}
