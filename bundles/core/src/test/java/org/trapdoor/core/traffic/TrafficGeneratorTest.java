package org.trapdoor.core.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.Traffic;

class TrafficGeneratorTest {
    /** Counts its raises and opens a latch at the first one, so a test knows the burst is under way. */
    static final class CountingSource implements MsiSource {
        final AtomicLong raises = new AtomicLong();
        final CountDownLatch first = new CountDownLatch(1);

        @Override
        public String name() {
            return "0000:00:01.0";
        }

        @Override
        public int requesterId() {
            return 0x08;
        }

        @Override
        public int vectors() {
            return 1;
        }

        @Override
        public MsiOutcome raise(int vector) {
            raises.incrementAndGet();
            first.countDown();
            return MsiOutcome.SENT;
        }
    }

    private static Thread burst(TrafficGenerator g, CountingSource s, AtomicReference<Traffic.Status> end) {
        Thread t = new Thread(() -> end.set(g.run(Long.MAX_VALUE, List.of(s))), "burst");
        t.start();
        return t;
    }

    @Test
    void stopCancelsABurstOnAnotherThreadAndEveryRaiseIsInItsStatus() throws Exception {
        TrafficGenerator g = new TrafficGenerator();
        CountingSource s = new CountingSource();
        AtomicReference<Traffic.Status> end = new AtomicReference<>();
        Thread t = burst(g, s, end);
        s.first.await();
        assertTrue(g.status().running(), "a burst in progress shows as running");
        g.stop();
        t.join();
        assertFalse(g.status().running());
        assertEquals(s.raises.get(), end.get().raised(), "the status counts exactly the raises made");
        assertTrue(end.get().raised() < Long.MAX_VALUE);
    }

    @Test
    void anInterruptCancelsABurstAndLeavesTheFlagSet() throws Exception {
        TrafficGenerator g = new TrafficGenerator();
        CountingSource s = new CountingSource();
        AtomicReference<Traffic.Status> end = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t = new Thread(() -> {
            end.set(g.run(Long.MAX_VALUE, List.of(s)));
            flag.set(Thread.currentThread().isInterrupted());
        }, "burst");
        t.start();
        s.first.await();
        t.interrupt();
        t.join();
        assertEquals(s.raises.get(), end.get().raised());
        assertTrue(flag.get(), "the caller still sees its interrupt");
    }

    @Test
    void aNewBurstRunsInFullAfterACancelledOne() throws Exception {
        TrafficGenerator g = new TrafficGenerator();
        CountingSource s = new CountingSource();
        AtomicReference<Traffic.Status> end = new AtomicReference<>();
        Thread t = burst(g, s, end);
        s.first.await();
        g.stop();
        t.join();
        CountingSource again = new CountingSource();
        assertEquals(5000, g.run(5000, List.of(again)).raised());
        assertEquals(5000, again.raises.get());
    }

    @Test
    void backgroundTrafficCannotStartDuringABurst() throws Exception {
        TrafficGenerator g = new TrafficGenerator();
        CountingSource s = new CountingSource();
        AtomicReference<Traffic.Status> end = new AtomicReference<>();
        Thread t = burst(g, s, end);
        s.first.await();
        try {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> g.start(100, List.of(s)));
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
        } finally {
            g.stop();
            t.join();
        }
    }
}
