package org.trapdoor.core.trace;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.api.trace.TraceSink;

/**
 * The bounded ring trace records go to: a power-of-two array of slots allocated once, so a
 * record costs no allocation, and memory never grows whatever the rate. A writer claims the next
 * sequence number (one atomic add, paid only while a point is on) and fills the slot it maps to;
 * older records are overwritten.
 *
 * <p>Each slot is a seqlock: the writer marks it busy ({@code -1}) before writing and publishes
 * the record's sequence number after (release); a reader copies the slot and accepts the copy
 * only if the slot's sequence was the one it wanted before and after the copy. A writer that
 * laps a slot another writer is still filling makes that record unreadable, never a mix of two.
 */
final class TraceRing implements TraceSink {
    private static final VarHandle SEQ;
    private static final VarHandle NEXT;

    static {
        try {
            SEQ = MethodHandles.lookup().findVarHandle(Slot.class, "seq", long.class);
            NEXT = MethodHandles.lookup().findVarHandle(TraceRing.class, "next", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Slot {
        long seq = -1;
        long time;
        long thread;
        TracePoint point;
        Object text;
        long a, b, c, d, e, f;
    }

    private final Slot[] slots;
    private final int mask;
    // Padding keeps the claimed counter off the slots' array header line.
    long p0, p1, p2, p3, p4, p5, p6;
    private volatile long next;
    long q0, q1, q2, q3, q4, q5, q6;

    /** A ring of {@code capacity} records, rounded up to a power of two. */
    TraceRing(int capacity) {
        if (capacity < 1 || capacity > 1 << 24) {
            throw new IllegalArgumentException("trace ring capacity " + capacity + " is not in 1.." + (1 << 24));
        }
        int n = 1;
        while (n < capacity) {
            n <<= 1;
        }
        slots = new Slot[n];
        for (int i = 0; i < n; i++) {
            slots[i] = new Slot();
        }
        mask = n - 1;
    }

    int capacity() {
        return slots.length;
    }

    long sequence() {
        return next;
    }

    @Override
    public void record(TracePoint point, Object text, long a, long b, long c, long d, long e, long f) {
        long seq = (long) NEXT.getAndAdd(this, 1L);
        Slot s = slots[(int) seq & mask];
        SEQ.setOpaque(s, -1L);
        VarHandle.storeStoreFence();
        s.time = System.nanoTime();
        s.thread = Thread.currentThread().getId();
        s.point = point;
        s.text = text;
        s.a = a;
        s.b = b;
        s.c = c;
        s.d = d;
        s.e = e;
        s.f = f;
        SEQ.setRelease(s, seq);
    }

    /** The record with sequence {@code seq}, or null if it was overwritten or is being written. */
    TraceRecord read(long seq) {
        Slot s = slots[(int) seq & mask];
        if ((long) SEQ.getAcquire(s) != seq) {
            return null;
        }
        long time = s.time;
        long thread = s.thread;
        TracePoint p = s.point;
        Object text = s.text;
        long a = s.a, b = s.b, c = s.c, d = s.d, e = s.e, f = s.f;
        VarHandle.loadLoadFence();
        if ((long) SEQ.getVolatile(s) != seq || p == null) {
            return null;
        }
        int n = p.event().valueCount();
        long[] all = {a, b, c, d, e, f};
        long[] values = new long[n];
        System.arraycopy(all, 0, values, 0, n);
        return new TraceRecord(seq, time, thread, p.event(), text, values);
    }

    /** The readable records with sequence numbers in [{@code from}, {@code to}), oldest first. */
    List<TraceRecord> read(long from, long to) {
        long lo = Math.max(from, to - slots.length);
        List<TraceRecord> out = new ArrayList<>();
        for (long q = Math.max(0, lo); q < to; q++) {
            TraceRecord r = read(q);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }
}
