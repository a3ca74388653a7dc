package org.trapdoor.shell.plugins;

import java.time.LocalTime;

/**
 * One thing the plugin directory did, as the shell reports it and {@code plugins} lists it.
 *
 * @param time when it happened (the shell's clock)
 * @param kind what happened
 * @param file the jar in {@code plugins/} it concerns
 * @param text what happened to which bundle, and why, in one line
 */
public record PluginEvent(LocalTime time, Kind kind, String file, String text) {
    public enum Kind {
        INSTALLED, UPDATED, REMOVED, REFUSED, FAILED
    }

    /** {@code plugins/FILE: text}: the line the shell prints when it happens. */
    public String line() {
        return "plugins/" + file + ": " + text;
    }
}
