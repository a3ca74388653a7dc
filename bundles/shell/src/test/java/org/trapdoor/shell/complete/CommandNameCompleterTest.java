package org.trapdoor.shell.complete;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jline.reader.Candidate;
import org.junit.jupiter.api.Test;

class CommandNameCompleterTest {
    /** What Gogo's completer offers for a first word: each command plain and scoped, one key for both. */
    private static List<Candidate> gogo(String... scoped) {
        List<Candidate> out = new ArrayList<>();
        for (String s : scoped) {
            String name = s.substring(s.indexOf(':') + 1);
            out.add(new Candidate(s, s, null, "what " + name + " does", null, s, true));
            out.add(new Candidate(name, name, null, "what " + name + " does", null, s, true));
        }
        return out;
    }

    @Test
    void theFirstWordOffersPlainNamesWithoutTheUnknownCommandHookTrapdoorsGroupedFirst() {
        List<Candidate> got = CommandNameCompleter.plainNames(
                gogo("trapdoor:trace", "gogo:setopt", "trapdoor:default", "trapdoor:traffic", "gogo:tac"),
                Set.of("trace", "traffic")::contains);
        assertEquals(List.of("trace", "setopt", "traffic", "tac"), got.stream().map(Candidate::value).toList());
        assertEquals(List.of("commands", "gogo commands", "commands", "gogo commands"),
                got.stream().map(Candidate::group).toList());
        assertEquals(List.of(0, 1, 0, 1), got.stream().map(Candidate::sort).toList());
        // JLine orders groups by name: Trapdoor's must come first.
        assertEquals(-1, Integer.signum(CommandNameCompleter.TRAPDOOR_GROUP.compareToIgnoreCase(
                CommandNameCompleter.GOGO_GROUP)));
        assertEquals("what trace does", got.get(0).descr());
    }
}
