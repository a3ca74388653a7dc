package org.trapdoor.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class GateTest {
    /**
     * A transaction that entered before a swap holds it up until it leaves. No sleeping: the
     * transaction itself, still inside, sees the swap begin (a nested entry is counted in the new
     * epoch once the swap advanced it), then checks the swap has not returned, then leaves; the
     * order of "left" and "swap returned" is recorded and must be left first.
     */
    @Test
    void aSwapWaitsForATransactionThatEnteredBeforeIt() throws Exception {
        Gate gate = new Gate();
        CountDownLatch inside = new CountDownLatch(1);
        AtomicBoolean synced = new AtomicBoolean();
        java.util.List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        AtomicReference<String> seenInside = new AtomicReference<>();
        Thread tx = new Thread(() -> {
            int t = gate.enter();
            inside.countDown();
            int nested;
            while ((nested = gate.enter()) == t) { // until the swap has advanced the epoch
                gate.exit(nested);
                Thread.onSpinWait();
            }
            gate.exit(nested);
            // A transaction arriving during the wait is not blocked by it (it just entered and left).
            seenInside.set(synced.get() ? "the swap returned while a transaction was still inside" : "waiting");
            order.add("transaction left");
            gate.exit(t);
        });
        tx.start();
        assertTrue(inside.await(30, TimeUnit.SECONDS));
        Thread swap = new Thread(() -> {
            gate.synchronize();
            synced.set(true);
            order.add("swap returned");
        });
        swap.start();
        swap.join();
        tx.join();
        assertEquals("waiting", seenInside.get());
        assertEquals(java.util.List.of("transaction left", "swap returned"), order);
    }

    @Test
    void aSwapReturnsAtOnceWhenNothingIsInsideAndNestedEntriesCountTwice() {
        Gate gate = new Gate();
        gate.synchronize();
        int outer = gate.enter();
        int inner = gate.enter();
        gate.exit(inner);
        gate.exit(outer);
        gate.synchronize();
        gate.synchronize();
    }

    /**
     * Every thread is always inside (nested), yet 200 swaps complete: new arrivals count in the
     * new epoch. Traffic runs on every thread before the first swap and across them; a starved
     * swap would hang, which the test's timeout turns into a failure (no wall-clock bound here).
     */
    @Test
    @Timeout(60)
    void steadyTrafficOnEveryThreadNeverStarvesASwap() throws Exception {
        Gate gate = new Gate();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong passes = new AtomicLong();
        Thread[] cpus = new Thread[3];
        CountDownLatch running = new CountDownLatch(cpus.length);
        for (int i = 0; i < cpus.length; i++) {
            cpus[i] = new Thread(() -> {
                while (!stop.get()) {
                    int t = gate.enter();
                    int u = gate.enter(); // always someone inside, and nested
                    gate.exit(u);
                    gate.exit(t);
                    if (passes.incrementAndGet() <= cpus.length) {
                        running.countDown(); // not exactly one per thread, but traffic is flowing
                    }
                }
            });
            cpus[i].start();
        }
        running.await();
        for (int i = 0; i < 200; i++) {
            gate.synchronize();
        }
        stop.set(true);
        for (Thread t : cpus) {
            t.join();
        }
        assertTrue(passes.get() >= cpus.length);
    }

    /**
     * The protocol as a swap uses it: publish, synchronize, then retire. A reader that found the
     * old value must never see it retired while it is still inside.
     */
    @Test
    void noReaderHoldsARetiredValueAfterTheSwapReturns() throws Exception {
        Gate gate = new Gate();
        final class Box {
            volatile boolean retired;
        }
        AtomicReference<Box> current = new AtomicReference<>(new Box());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong violations = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        Thread[] readers = new Thread[2];
        CountDownLatch reading = new CountDownLatch(readers.length);
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new Thread(() -> {
                reading.countDown();
                while (!stop.get()) {
                    int t = gate.enter();
                    try {
                        Box b = current.get();
                        for (int k = 0; k < 20; k++) {
                            if (b.retired) {
                                violations.incrementAndGet();
                            }
                            Thread.onSpinWait();
                        }
                    } finally {
                        gate.exit(t);
                    }
                    reads.incrementAndGet();
                }
            });
            readers[i].start();
        }
        reading.await(); // the swaps begin while readers are inside
        for (int i = 0; i < 2000; i++) {
            Box old = current.getAndSet(new Box());
            gate.synchronize();
            old.retired = true;
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }
        assertEquals(0, violations.get(), "a reader saw its binding retired while inside the gate");
        assertTrue(reads.get() > 0);
    }
}
