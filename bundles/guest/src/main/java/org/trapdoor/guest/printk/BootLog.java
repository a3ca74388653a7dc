package org.trapdoor.guest.printk;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;

/**
 * The kernel's ring buffer, like {@code dmesg}: each line carries the time since boot and goes
 * to SLF4J as well. Bounded: the oldest lines are dropped once {@link #capacity} is reached.
 */
public final class BootLog {
    private final Logger log;
    private final int capacity;
    private final long start = System.nanoTime();
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private long dropped;

    public BootLog(Logger log, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("boot log capacity " + capacity + " must be at least 1");
        }
        this.log = log;
        this.capacity = capacity;
    }

    public void info(String format, Object... args) {
        String msg = String.format(format, args);
        log.info(msg);
        add(msg);
    }

    public void warn(String format, Object... args) {
        String msg = String.format(format, args);
        log.warn(msg);
        add(msg);
    }

    private synchronized void add(String msg) {
        long us = (System.nanoTime() - start) / 1000;
        if (lines.size() == capacity) {
            lines.removeFirst();
            dropped++;
        }
        lines.addLast(String.format("[%5d.%06d] %s", us / 1_000_000, us % 1_000_000, msg));
    }

    public synchronized List<String> lines() {
        return List.copyOf(new ArrayList<>(lines));
    }

    /** Lines that fell off the front of the buffer. */
    public synchronized long dropped() {
        return dropped;
    }
}
