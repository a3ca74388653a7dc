package org.trapdoor.shell.trace;

/** What {@code trace on|off PATTERN} or {@code trace --file FILE} did, in words. */
public record TraceChange(String message) {
}
