package org.trapdoor.shell.launch;

import java.util.List;

import org.apache.felix.gogo.jline.Builtin;
import org.apache.felix.gogo.jline.Posix;
import org.apache.felix.gogo.jline.Procedural;
import org.apache.felix.service.command.CommandProcessor;

/** The Gogo JLine side of {@link StandardCommands}, apart so that it loads without Gogo JLine. */
final class JlineCommands {
    private JlineCommands() {
    }

    static List<Object> create(CommandProcessor processor) {
        return List.of(new Builtin(), new Procedural(), new Posix(processor));
    }
}
