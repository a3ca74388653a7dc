package org.trapdoor.shell.launch;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.gogo.runtime.Token;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/**
 * Runs a {@code -c} program or a {@code --script} file one statement at a time, printing each
 * statement's formatted result, so that a failure in one is reported and the rest still run.
 * Statements are what Gogo's own parser separates with {@code ;} or a newline; a chain joined
 * by {@code &&}, {@code ||} or {@code &} stays one statement.
 */
public final class CommandScript {
    private final List<String> statements;

    private CommandScript(List<String> statements) {
        this.statements = List.copyOf(statements);
    }

    /**
     * Splits a program into statements.
     *
     * @throws IllegalArgumentException for a syntax error (unbalanced braces, quotes), with Gogo's
     *                                  message and position
     */
    public static CommandScript parse(CharSequence program) {
        List<Parser.Executable> tokens;
        try {
            tokens = new Parser(program).program().tokens();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("syntax error: " + e.getMessage(), e);
        }
        String text = program.toString();
        List<String> out = new ArrayList<>();
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
        return new CommandScript(out);
    }

    private static void add(List<String> out, String text, int start, int end) {
        if (start >= 0 && end > start) {
            String s = text.substring(start, end).strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
    }

    public List<String> statements() {
        return statements;
    }

    /**
     * Executes every statement in {@code session}; results go to {@code out}, errors to
     * {@code err} prefixed by the statement.
     *
     * @return 0 when every statement succeeded, 1 when any failed
     */
    public int run(CommandSession session, PrintStream out, PrintStream err) {
        int status = 0;
        for (String statement : statements) {
            try {
                Object result = session.execute(statement);
                CharSequence text = result == null ? null : session.format(result, Converter.INSPECT);
                if (text != null && text.length() > 0) { // a silent command (xl destroy) prints no blank line
                    out.println(text);
                }
            } catch (Exception | StackOverflowError e) {
                // A closure that recurses without end fails its statement, not the session.
                status = 1;
                err.println(statement + ": " + message(e));
            } finally {
                out.flush();
                err.flush();
            }
        }
        return status;
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            if (e instanceof StackOverflowError) {
                return "stack overflow (a closure or alias that calls itself?)";
            }
            return e.getClass().getSimpleName();
        }
        return Failures.stripClassName(m);
    }
}
