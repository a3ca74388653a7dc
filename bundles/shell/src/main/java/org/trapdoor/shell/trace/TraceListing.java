package org.trapdoor.shell.trace;

import java.util.List;

/**
 * {@code trace}: every declared point with its switch, and the ring's state.
 *
 * @param points   one entry per point, by name
 * @param capacity records the ring holds
 * @param recorded records emitted so far (overwritten ones included)
 * @param file     where records are written as they come, or {@code null}
 */
public record TraceListing(List<Point> points, int capacity, long recorded, String file) {
    /** One point: its name, switch, fields and what it means. */
    public record Point(String name, boolean on, String signature, String description) {
    }
}
