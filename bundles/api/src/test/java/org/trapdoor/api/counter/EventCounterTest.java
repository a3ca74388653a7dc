package org.trapdoor.api.counter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

import org.junit.jupiter.api.Test;

class EventCounterTest {
    private static final int THREADS = 4;
    private static final int ADDS = 200_000;

    @Test
    void addsFromManyThreadsAtOnceAreNeverLost() throws Exception {
        EventCounter c = new EventCounter();
        EventCounterArray a = new EventCounterArray(70_000);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < ADDS; i++) {
                    c.increment();
                    a.increment((i & 1) == 0 ? 8192 : 65_000);
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        assertEquals((long) THREADS * ADDS, c.sum());
        assertEquals((long) THREADS * ADDS / 2, a.get(8192));
        assertEquals((long) THREADS * ADDS / 2, a.get(65_000));
        assertEquals(0, a.get(8193));
    }

    @Test
    void countsOfThreadsThatEndedSurviveTheFoldIntoTheRetiredTotal() throws Exception {
        EventCounter c = new EventCounter();
        EventCounterArray a = new EventCounterArray(16);
        for (int round = 0; round < 50; round++) {
            Thread th = new Thread(() -> {
                c.add(3);
                a.increment(5);
            });
            th.start();
            th.join();
        }
        c.increment(); // this thread's first add folds the ended threads' cells
        a.increment(5);
        assertEquals(151, c.sum());
        assertEquals(51, a.get(5));
    }

    @Test
    void resetStartsFromZeroWhileOtherThreadsKeepTheirCells() throws Exception {
        EventCounter c = new EventCounter();
        EventCounterArray a = new EventCounterArray(8);
        Thread th = new Thread(() -> {
            c.add(10);
            a.increment(2);
            a.increment(3);
        });
        th.start();
        th.join();
        c.reset();
        a.reset(2);
        assertEquals(0, c.sum());
        assertEquals(0, a.get(2));
        assertEquals(1, a.get(3), "only the index reset starts afresh");
        c.increment();
        a.increment(2);
        assertEquals(1, c.sum());
        assertEquals(1, a.get(2));
        assertEquals(3, a.total(), "a reset moves zero points, it takes nothing from the total");
        a.resetAll();
        assertEquals(0, a.get(3));
    }

    @Test
    void anIndexOutsideTheArrayIsIgnoredAndReadsZero() {
        EventCounterArray a = new EventCounterArray(4);
        a.increment(4);
        a.increment(-1);
        assertEquals(0, a.get(4));
        assertEquals(0, a.get(-1));
    }
}
