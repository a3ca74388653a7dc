package org.trapdoor.core.trace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.trapdoor.api.trace.TraceCapture;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.api.trace.Tracing;

/**
 * The machine-wide trace registry, an OSGi service (PID {@code org.trapdoor.trace}: the ring's
 * {@code capacity} and the {@code enable} patterns in force at start, QEMU's {@code -trace}), also
 * usable without OSGi (tests, benchmarks). Points by name, the enable rules in order, the ring,
 * and the file writer.
 *
 * <p>A point is on when the last rule matching its name says so, or while a {@link #capture} is
 * open; rules are kept so that a model bound after {@code trace on its_*} starts traced.
 * Switching happens under this object's lock; emitting never takes it.
 */
@Component(service = Tracing.class, configurationPid = TraceRegistry.PID)
@Designate(ocd = TraceRegistry.Config.class)
public final class TraceRegistry implements Tracing, AutoCloseable {
    public static final String PID = "org.trapdoor.trace";
    /** The ring's size when nothing is configured: 16 Ki records, about 1.5 MiB. */
    public static final int DEFAULT_CAPACITY = 16384;

    @ObjectClassDefinition(name = "Trapdoor tracing")
    public @interface Config {
        @AttributeDefinition(description = "records the ring holds (rounded up to a power of two)")
        int capacity() default DEFAULT_CAPACITY;

        @AttributeDefinition(description = "glob patterns of the trace points on from the start")
        String[] enable() default {};
    }

    private record Rule(String pattern, boolean on) {
    }

    private final TraceRing ring;
    private final Map<String, TracePoint> points = new ConcurrentHashMap<>();
    private final List<Rule> rules = new ArrayList<>();
    private int captures;
    private TraceFileWriter writer;
    private long fileLost;

    public TraceRegistry() {
        this(DEFAULT_CAPACITY);
    }

    public TraceRegistry(int capacity) {
        this.ring = new TraceRing(capacity);
    }

    @Activate
    public TraceRegistry(Config config) {
        this(config.capacity());
        for (String p : config.enable()) {
            if (p != null && !p.isBlank()) {
                enable(p.trim(), true);
            }
        }
    }

    @Override
    public synchronized TracePoint point(TraceEvent event) {
        TracePoint p = points.get(event.name());
        if (p != null && p.event().equals(event)) {
            return p;
        }
        TracePoint fresh = new TracePoint(event, ring);
        fresh.set(p != null ? p.on() : captures > 0 || ruled(event.name()));
        points.put(event.name(), fresh);
        return fresh;
    }

    @Override
    public List<TracePoint> points() {
        List<TracePoint> out = new ArrayList<>(points.values());
        out.sort(Comparator.comparing(TracePoint::name));
        return out;
    }

    @Override
    public synchronized int enable(String pattern, boolean on) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("a trace pattern is a point name or a glob ('its_*', '*')");
        }
        rules.removeIf(r -> r.pattern().equals(pattern));
        rules.add(new Rule(pattern, on));
        int n = 0;
        for (TracePoint p : points.values()) {
            if (Tracing.matches(pattern, p.name())) {
                n++;
                if (captures == 0) {
                    p.set(on);
                }
            }
        }
        return n;
    }

    /** Whether the rules switch {@code name} on. */
    private boolean ruled(String name) {
        boolean on = false;
        for (Rule r : rules) {
            if (Tracing.matches(r.pattern(), name)) {
                on = r.on();
            }
        }
        return on;
    }

    /** The rules in force, oldest first, as {@code pattern on|off}. */
    public synchronized List<String> rules() {
        return rules.stream().map(r -> r.pattern() + (r.on() ? " on" : " off")).toList();
    }

    @Override
    public int capacity() {
        return ring.capacity();
    }

    @Override
    public long sequence() {
        return ring.sequence();
    }

    @Override
    public List<TraceRecord> last(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("a record count is not negative: " + n);
        }
        long to = ring.sequence();
        return ring.read(Math.max(0, to - Math.min(n, ring.capacity())), to);
    }

    @Override
    public List<TraceRecord> since(long sequence) {
        return ring.read(sequence, ring.sequence());
    }

    TraceRing ring() {
        return ring;
    }

    @Override
    public TraceCapture capture() {
        synchronized (this) {
            if (captures++ == 0) {
                points.values().forEach(p -> p.set(true));
            }
        }
        long start = ring.sequence();
        long thread = Thread.currentThread().getId();
        return new TraceCapture() {
            private List<TraceRecord> records;
            private long lost;
            private boolean closed;

            @Override
            public synchronized List<TraceRecord> records() {
                if (records == null || !closed) {
                    collect();
                }
                return records;
            }

            private void collect() {
                long end = ring.sequence();
                long first = Math.max(start, end - ring.capacity());
                List<TraceRecord> mine = new ArrayList<>();
                for (long q = first; q < end; q++) {
                    TraceRecord r = ring.read(q);
                    if (r != null && r.threadId() == thread) {
                        mine.add(r);
                    }
                }
                records = List.copyOf(mine);
                // Whatever fell off the ring before we read it may have been ours.
                lost = first - start;
            }

            @Override
            public synchronized long lost() {
                if (records == null || !closed) {
                    collect();
                }
                return lost;
            }

            @Override
            public synchronized void close() {
                if (closed) {
                    return;
                }
                collect();
                closed = true;
                release();
            }
        };
    }

    private synchronized void release() {
        if (--captures == 0) {
            for (TracePoint p : points.values()) {
                p.set(ruled(p.name()));
            }
        }
    }

    @Override
    public synchronized void writeTo(Path file) throws IOException {
        stopWriter();
        if (file != null) {
            writer = new TraceFileWriter(ring, file);
        }
    }

    @Override
    public synchronized Path file() {
        return writer == null ? null : writer.file();
    }

    /** Records the last (or current) file writer could not write because the ring overtook it. */
    public synchronized long fileLost() {
        return writer == null ? fileLost : writer.lost();
    }

    private void stopWriter() {
        if (writer != null) {
            writer.close();
            fileLost = writer.lost();
            writer = null;
        }
    }

    @Deactivate
    @Override
    public synchronized void close() {
        stopWriter();
    }
}
