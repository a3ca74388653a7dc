package org.trapdoor.shell.launch;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.gogo.runtime.Token;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.trapdoor.shell.command.ErrorText;
import org.trapdoor.shell.command.ScriptExit;

/**
 * Runs a {@code -c} program or a {@code --script} file one statement at a time in one Gogo
 * session (variables, closures and Gogo's standard commands work as in the console), printing
 * each statement's formatted result, so that a failure in one is reported with its line and the
 * rest still run. Statements are what Gogo's own parser separates with {@code ;} or a newline; a
 * chain joined by {@code &&}, {@code ||} or {@code &} stays one statement.
 */
public final class CommandScript {
    /** One statement and the line (from 1) it starts on. */
    public record Statement(String text, int line) {
    }

    private final List<Statement> statements;
    private final String source;

    private CommandScript(List<Statement> statements, String source) {
        this.statements = List.copyOf(statements);
        this.source = source;
    }

    /** {@link #parse(CharSequence, String)} for {@code -c}. */
    public static CommandScript parse(CharSequence program) {
        return parse(program, null);
    }

    /**
     * Splits a program into statements.
     *
     * @throws IllegalArgumentException for a syntax error (unbalanced braces, quotes), with Gogo's
     *                                  message and position
     */
    public static CommandScript parse(CharSequence program, String source) {
        List<Parser.Executable> tokens;
        try {
            tokens = new Parser(program).program().tokens();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("syntax error: " + e.getMessage(), e);
        }
        String text = program.toString();
        List<Statement> out = new ArrayList<>();
        int start = -1;
        int end = -1;
        for (Parser.Executable t : tokens) {
            if (t instanceof Parser.Operator && (Token.eq(";", t) || Token.eq("\n", t))) {
                add(out, text, start, end);
                start = -1;
                continue;
            }
            if (start < 0) {
                start = t.start();
            }
            end = t.start() + t.length();
        }
        add(out, text, start, end);
        return new CommandScript(out, source);
    }

    private static void add(List<Statement> out, String text, int start, int end) {
        if (start >= 0 && end > start) {
            String s = text.substring(start, end).strip();
            if (!s.isEmpty()) {
                int line = 1;
                for (int i = 0; i < start; i++) {
                    if (text.charAt(i) == '\n') {
                        line++;
                    }
                }
                out.add(new Statement(s, line));
            }
        }
    }

    public List<String> statements() {
        return statements.stream().map(Statement::text).toList();
    }

    /**
     * Where a failed statement is, then why: {@code FILE:LINE: STATEMENT: MESSAGE} for a script,
     * {@code STATEMENT: MESSAGE} for {@code -c}; the statement is left out when the message
     * already begins with its command's name, so nothing is said twice.
     */
    String failure(Statement st, String message) {
        String where = source == null ? "" : source + ":" + st.line() + ": ";
        String command = st.text().split("\\s+", 2)[0];
        boolean named = message.startsWith(command + ":") || message.startsWith(st.text() + ":");
        return where + (named ? "" : st.text() + ": ") + message;
    }

    /**
     * Executes every statement in {@code session}; results go to {@code out}, errors to
     * {@code err} prefixed by the statement.
     *
     * @return 0 when every statement succeeded, 1 when any failed
     */
    public int run(CommandSession session, PrintStream out, PrintStream err) {
        int status = 0;
        session.put(ScriptExit.SCRIPT_SESSION, Boolean.TRUE);
        for (Statement statement : statements) {
            try {
                Object result = session.execute(statement.text());
                CharSequence text = result == null ? null : session.format(result, Converter.INSPECT);
                if (text != null && text.length() > 0) { // a silent command (xl destroy) prints no blank line
                    out.println(text);
                }
            } catch (ScriptExit e) {
                return e.status() == ScriptExit.SO_FAR ? status : e.status();
            } catch (Exception | StackOverflowError e) {
                if (e.getCause() instanceof ScriptExit x) {
                    return x.status() == ScriptExit.SO_FAR ? status : x.status();
                }
                // A closure that recurses without end fails its statement, not the session.
                status = 1;
                err.println(failure(statement, message(e)));
            } finally {
                out.flush();
                err.flush();
            }
        }
        return status;
    }

    static String message(Throwable e) {
        return ErrorText.of(e);
    }
}
