package org.trapdoor.shell.command;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.service.component.annotations.Component;

/**
 * Puts Trapdoor's scope first in every session, so that {@code help} and {@code exit} are
 * Trapdoor's and not Gogo's namesakes. Gogo resolves an unqualified command through the
 * session's own {@code SCOPE} variable (not the processor's constants), and its console profile
 * sets one; so before each command a session whose {@code SCOPE} does not begin with Trapdoor's
 * gets it put in front.
 */
@Component
public final class TrapdoorScope implements CommandSessionListener {
    static final String VARIABLE = "SCOPE";
    static final String FIRST = CommandRegistry.SCOPE + ":";

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        Object scope = session.get(VARIABLE);
        String s = scope == null ? "*" : scope.toString();
        if (!s.startsWith(FIRST) && !s.equals(CommandRegistry.SCOPE)) {
            session.put(VARIABLE, FIRST + s);
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
    }
}
