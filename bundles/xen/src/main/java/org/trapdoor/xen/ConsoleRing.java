package org.trapdoor.xen;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Xen's console ring ({@code conring}, what {@code xl dmesg} reads): bounded, the oldest lines
 * dropped first, each line prefixed {@code (XEN) } as Xen prints them. Also logged through SLF4J.
 */
public final class ConsoleRing {
    private static final Logger LOG = LoggerFactory.getLogger("org.trapdoor.xen.console");

    private final int capacity;
    private final ArrayDeque<String> lines;

    public ConsoleRing(int capacity) {
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(capacity);
    }

    public void printk(String format, Object... args) {
        String line = "(XEN) " + String.format(format, args);
        LOG.info("{}", line);
        synchronized (lines) {
            if (lines.size() == capacity) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }
    }

    public List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }
}
