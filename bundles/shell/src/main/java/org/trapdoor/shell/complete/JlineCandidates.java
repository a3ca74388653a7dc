package org.trapdoor.shell.complete;

import java.util.ArrayList;
import java.util.List;

import org.jline.reader.Candidate;
import org.jline.reader.ParsedLine;

/** The JLine side of {@link CompletionFunction}, apart so that the bundle loads without JLine. */
final class JlineCandidates {
    private JlineCandidates() {
    }

    static List<Candidate> of(Object line, ArgumentCompleter completer) {
        if (!(line instanceof ParsedLine parsed)) {
            return List.of();
        }
        List<Candidate> out = new ArrayList<>();
        for (Choice c : completer.complete(parsed.words(), parsed.wordIndex())) {
            out.add(new Candidate(c.value(), c.value(), c.group(), c.description(), null, null, c.whole()));
        }
        return out;
    }
}
