package org.trapdoor.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class GateTest {
    @Test
    void aSwapWaitsForATransactionThatEnteredBeforeIt() throws Exception {
        Gate gate = new Gate();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread tx = new Thread(() -> {
            int t = gate.enter();
            inside.countDown();
            try {
                leave.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            gate.exit(t);
        });
        tx.start();
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        AtomicBoolean synced = new AtomicBoolean();
        Thread swap = new Thread(() -> {
            gate.synchronize();
            synced.set(true);
        });
        swap.start();
        Thread.sleep(100);
        assertFalse(synced.get(), "the swap returned while a transaction was still inside");
        // A transaction arriving during the wait is not blocked by it.
        int late = gate.enter();
        gate.exit(late);
        leave.countDown();
        swap.join(5000);
        tx.join(5000);
        assertTrue(synced.get());
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

    @Test
    void steadyTrafficOnEveryThreadNeverStarvesASwap() throws Exception {
        Gate gate = new Gate();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong passes = new AtomicLong();
        Thread[] cpus = new Thread[3];
        for (int i = 0; i < cpus.length; i++) {
            cpus[i] = new Thread(() -> {
                while (!stop.get()) {
                    int t = gate.enter();
                    int u = gate.enter(); // always someone inside, and nested
                    gate.exit(u);
                    gate.exit(t);
                    passes.incrementAndGet();
                }
            });
            cpus[i].start();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int i = 0; i < 200 && System.nanoTime() < deadline; i++) {
            gate.synchronize();
        }
        stop.set(true);
        for (Thread t : cpus) {
            t.join(5000);
        }
        assertTrue(System.nanoTime() < deadline, "200 swaps under steady traffic took over 10 s");
        assertTrue(passes.get() > 0);
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
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new Thread(() -> {
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
        for (int i = 0; i < 2000; i++) {
            Box old = current.getAndSet(new Box());
            gate.synchronize();
            old.retired = true;
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join(5000);
        }
        assertEquals(0, violations.get(), "a reader saw its binding retired while inside the gate");
        assertTrue(reads.get() > 0);
    }
}
