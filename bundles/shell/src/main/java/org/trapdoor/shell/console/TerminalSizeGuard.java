package org.trapdoor.shell.console;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.service.component.annotations.Component;

/**
 * Gives the console's terminal a size when it reports none. A pseudo-terminal whose size was
 * never set (some CI runners, serial consoles, {@code docker exec -t}) answers 0x0, and JLine's
 * line editor then redraws forever without showing a prompt. Before each command of a console
 * session (the first is Gogo's login shell, before its first prompt) a terminal of zero width or
 * height is set to 80x24, as a VT100 would be; {@code stty} or a resize changes it later.
 *
 * <p>It also hands the console a terminal that does not print {@code java.lang.InterruptedException}
 * when Ctrl-C interrupts a command ({@link JlineQuiet}).
 *
 * <p>The terminal is the console session's {@code .terminal} variable (Gogo JLine puts it
 * there). JLine is an optional import: without the console bundle there is no terminal, and
 * this listener does nothing.
 */
@Component
public final class TerminalSizeGuard implements CommandSessionListener {
    /** Gogo JLine's session variable holding the console's terminal ({@code Shell.VAR_TERMINAL}). */
    static final String TERMINAL_VARIABLE = ".terminal";
    static final int FALLBACK_COLUMNS = 80;
    static final int FALLBACK_ROWS = 24;

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        Object terminal = session.get(TERMINAL_VARIABLE);
        if (terminal != null) {
            try {
                // From the first command on (Gogo's login shell), Ctrl-C prints no Java (JlineQuiet).
                JlineQuiet.install(terminal);
                JlineSize.ensure(terminal, FALLBACK_COLUMNS, FALLBACK_ROWS);
            } catch (NoClassDefFoundError e) {
                // no JLine wired to this bundle: not a JLine terminal either
            }
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
    }
}
