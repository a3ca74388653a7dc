package org.trapdoor.shell.launch;

/** Turns a component's failure (a stack trace, as Declarative Services reports it) into one line. */
public final class Failures {
    private Failures() {
    }

    /** The message of the innermost cause, without exception class names; {@code null} if none. */
    public static String summary(String stackTrace) {
        if (stackTrace == null || stackTrace.isBlank()) {
            return null;
        }
        String line = stackTrace.lines().findFirst().orElse("").strip();
        for (String l : (Iterable<String>) stackTrace.lines()::iterator) {
            String s = l.strip();
            if (s.startsWith("Caused by: ")) {
                line = s.substring("Caused by: ".length());
            }
        }
        return stripClassName(line);
    }

    /** {@code java.lang.IllegalArgumentException: bad} becomes {@code bad}. */
    static String stripClassName(String line) {
        int colon = line.indexOf(": ");
        if (colon > 0) {
            String head = line.substring(0, colon);
            if (head.matches("[\\w.$]+") && (head.endsWith("Exception") || head.endsWith("Error"))) {
                return line.substring(colon + 2);
            }
        }
        return line;
    }
}
