package org.trapdoor.shell.console;

import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.regex.Pattern;

import org.jline.terminal.Terminal;

/**
 * The JLine side of {@link TerminalSizeGuard}'s Ctrl-C handling. Gogo JLine's console answers
 * Ctrl-C by interrupting the foreground job; the job's thread, waiting for its pipes, then ends
 * with a bare {@code InterruptedException}, and the console prints whatever a command line ends
 * with as {@code e.toString()}: {@code java.lang.InterruptedException}, which tells the user
 * nothing they did not do themselves. The console's terminal gets a writer that drops exactly
 * that line (in whatever colour); every other line goes through unchanged.
 */
final class JlineQuiet {
    /** What Gogo's console prints for an interrupted job, with or without the JDK's message. */
    static final Pattern INTERRUPTED = Pattern.compile("java\\.lang\\.InterruptedException(: .*)?");
    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;]*m");

    private JlineQuiet() {
    }

    /**
     * Puts the quiet writer under {@code terminal}'s {@code writer()}: JLine's terminals keep it in
     * a {@code writer} field, which Gogo's console and its line reader both print through. The
     * terminal object itself stays the same, so whoever holds it (the console's session, its line
     * reader, the size guard) sees the change. A terminal of another kind is left as it is.
     *
     * @return true when the terminal's writer is quiet now
     */
    static boolean install(Object terminal) {
        if (!(terminal instanceof Terminal)) {
            return false;
        }
        for (Class<?> c = terminal.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField("writer");
                if (f.getType() != PrintWriter.class || Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                Object w = f.get(terminal);
                if (w instanceof QuietWriter) {
                    return true;
                }
                if (w instanceof PrintWriter pw) {
                    f.set(terminal, new QuietWriter(pw));
                    return true;
                }
            } catch (NoSuchFieldException e) {
                // not declared at this level
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false; // a JLine that hides its writer: Ctrl-C then prints as Gogo does
            }
        }
        return false;
    }

    /** True for the line Gogo's console prints for a job that Ctrl-C interrupted. */
    static boolean isInterruptLine(String line) {
        return line != null && INTERRUPTED.matcher(ESCAPES.matcher(line).replaceAll("").strip()).matches();
    }

    /** Passes everything to the terminal's writer but the console's interrupt line. */
    static final class QuietWriter extends PrintWriter {
        QuietWriter(PrintWriter out) {
            super(out);
        }

        @Override
        public void println(String x) {
            if (!isInterruptLine(x)) {
                super.println(x);
            }
        }
    }
}
