package org.trapdoor.shell.command;

import java.util.ArrayList;
import java.util.List;

/** A failure as the user reads it: one line, no exception class names. */
public final class ErrorText {
    private ErrorText() {
    }

    /** Gogo's dispatch found no method whose parameters the arguments fit. */
    static boolean isArgumentMismatch(IllegalArgumentException e) {
        String m = e.getMessage();
        return m != null && (m.startsWith("Cannot coerce") || m.startsWith("Method not found"));
    }

    /** The arguments as typed, for a message. */
    static String quote(List<Object> arguments) {
        List<String> parts = new ArrayList<>();
        for (Object a : arguments) {
            parts.add(String.valueOf(a));
        }
        return "'" + String.join(" ", parts) + "'";
    }

    /**
     * The innermost cause's message, first line, with a leading {@code java.x.SomeException: }
     * removed; a failure without a message says what kind it was in words.
     */
    public static String of(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t instanceof java.lang.reflect.InvocationTargetException)) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            if (t instanceof StackOverflowError) {
                return "stack overflow (a closure or alias that calls itself?)";
            }
            if (t instanceof InterruptedException) {
                return "interrupted";
            }
            return "unexpected " + t.getClass().getSimpleName().replaceAll("(?<=[a-z])(?=[A-Z])", " ")
                    .toLowerCase(java.util.Locale.ROOT);
        }
        String line = m.lines().findFirst().orElse(m).strip();
        return stripClassName(line);
    }

    /** {@code java.lang.IllegalArgumentException: bad} becomes {@code bad}, repeatedly. */
    public static String stripClassName(String line) {
        String s = line;
        while (true) {
            int colon = s.indexOf(": ");
            if (colon <= 0) {
                return s;
            }
            String head = s.substring(0, colon);
            if (head.matches("[\\w.$]+") && (head.endsWith("Exception") || head.endsWith("Error"))) {
                s = s.substring(colon + 2);
            } else {
                return s;
            }
        }
    }
}
