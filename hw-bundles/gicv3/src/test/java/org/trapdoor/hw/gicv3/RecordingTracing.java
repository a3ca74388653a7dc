package org.trapdoor.hw.gicv3;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.trace.TraceCapture;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.api.trace.Tracing;

/**
 * A trace registry for one test: every point is on from its declaration and each record is kept
 * as (point name, first three values). The ring and file parts of {@link Tracing} are not used by
 * a model and are refused.
 */
final class RecordingTracing implements Tracing {
    /** One record: the point's name and its first three values. */
    record Rec(String name, long a, long b, long c) {
    }

    final List<Rec> records = new ArrayList<>();
    private final List<TracePoint> points = new ArrayList<>();

    @Override
    public TracePoint point(TraceEvent event) {
        TracePoint p = new TracePoint(event, (pt, text, a, b, c, d, e, f) -> records.add(new Rec(pt.name(), a, b, c)));
        p.set(true);
        points.add(p);
        return p;
    }

    @Override
    public List<TracePoint> points() {
        return List.copyOf(points);
    }

    @Override
    public int enable(String pattern, boolean on) {
        int n = 0;
        for (TracePoint p : points) {
            if (pattern.equals("*") || pattern.equals(p.name())) {
                p.set(on);
                n++;
            }
        }
        return n;
    }

    @Override
    public int capacity() {
        return Integer.MAX_VALUE;
    }

    @Override
    public long sequence() {
        return records.size();
    }

    @Override
    public List<TraceRecord> last(int n) {
        throw new UnsupportedOperationException("records are kept in RecordingTracing.records");
    }

    @Override
    public List<TraceRecord> since(long sequence) {
        throw new UnsupportedOperationException("records are kept in RecordingTracing.records");
    }

    @Override
    public TraceCapture capture() {
        throw new UnsupportedOperationException("no capture in a unit test");
    }

    @Override
    public void writeTo(Path file) {
        throw new UnsupportedOperationException("no trace file in a unit test");
    }

    @Override
    public Path file() {
        return null;
    }
}
