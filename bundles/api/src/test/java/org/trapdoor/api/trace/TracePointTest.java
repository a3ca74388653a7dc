package org.trapdoor.api.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class TracePointTest {
    private static final TraceEvent EVENT = TraceEvent.of("test_hop", "a hop", TraceField.dec("n"));

    private final AtomicLong recorded = new AtomicLong();
    private final TraceSink sink = (p, t, a, b, c, d, e, f) -> recorded.addAndGet(a);

    /** The guarded emit as a model writes it, run hot so the JIT compiles it with every point off. */
    private static long hotLoop(TracePoint p, int n) {
        long seen = 0;
        for (int i = 0; i < n; i++) {
            if (p.on()) {
                p.emit(1);
                seen++;
            }
        }
        return seen;
    }

    @Test
    void aPointSwitchedOnReachesCodeCompiledWhileEveryPointWasOff() {
        TracePoint p = new TracePoint(EVENT, sink);
        for (int round = 0; round < 20; round++) {
            assertEquals(0, hotLoop(p, 50_000)); // compiled with the switch folded to "off"
        }
        p.set(true);
        assertEquals(1000, hotLoop(p, 1000));
        assertEquals(1000, recorded.get());
        p.set(false);
        assertEquals(0, hotLoop(p, 1000));
        assertEquals(1000, recorded.get());
    }

    @Test
    void eachPointKeepsItsOwnSwitchWhileAnotherIsOn() {
        TracePoint a = new TracePoint(EVENT, sink);
        TracePoint b = new TracePoint(EVENT, sink);
        a.set(true);
        assertTrue(a.on());
        assertFalse(b.on());
        b.set(true);
        a.set(false);
        assertFalse(a.on());
        assertTrue(b.on(), "switching one point off leaves the JVM-wide switch on for the other");
        a.set(false); // twice: must not count the point off twice
        assertTrue(b.on());
        b.set(false);
        assertFalse(b.on());
    }

    @Test
    void neverStaysOff() {
        TracePoint.NEVER.set(true);
        assertFalse(TracePoint.NEVER.on());
    }

    @Test
    void emitWhileOffRecordsNothing() {
        TracePoint p = new TracePoint(EVENT, sink);
        p.emit(5);
        assertEquals(0, recorded.get());
        p.set(true);
        p.emit(5);
        p.set(false);
        assertEquals(5, recorded.get());
    }
}
