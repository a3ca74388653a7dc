package org.trapdoor.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * MSI accounting, as the machine's ledger demands it of every MSI controller (a bridge's MSI
 * block or a doorbell frame): each message marked {@code msi} gets exactly one outcome in the
 * ledger, delivered or dropped with a reason, and clears the mark; each delivered one is taken
 * by the guest's handler exactly once and as the vector it was sent to; a vector beyond the
 * controller's is dropped and counted; senders on different vectors keep independent counts;
 * and a swap of the model under traffic loses no message.
 *
 * <p>A vendor's test extends this, describes its node and says how a device writes vector
 * {@code v} ({@link #message}) and what the guest's handler does ({@link #service}).
 */
public abstract class MsiConformance {
    private static final int REQUESTER = 0x0008;
    protected Rig rig;
    private final Object cpu = new Object();

    protected abstract HardwareDriver driver();

    /** The node under test, as the vendor's binding describes it. */
    protected abstract Board board();

    /** What software does before messages are taken (bring-up, enabling and unmasking vectors). */
    protected void bringUp(Rig rig) throws Exception {
    }

    /** How many vectors the controller takes: 0 .. vectors()-1. */
    protected abstract int vectors();

    /** A device's write of vector {@code vector} (address and data as the guest programmed them). */
    protected abstract MemoryTransaction message(int vector);

    /**
     * The guest's handler, run on one CPU at a time: takes every pending vector, clears it at
     * the controller, and reports each to {@code handled} (Linux's chained handler, or the GIC's
     * acknowledge for a frame that raises SPIs: see {@link Rig#gic()}).
     */
    protected abstract void service(Rig rig, IntConsumer handled);

    @BeforeEach
    void bind() throws Exception {
        rig = new Rig(board());
        rig.create(driver());
        bringUp(rig);
    }

    @AfterEach
    void close() {
        if (rig != null && rig.model() != null) {
            rig.model().close();
        }
    }

    private void send(int vector) {
        MemoryTransaction tx = rig.upstream(message(vector).asMsi().from(REQUESTER));
        if (tx.msi) {
            throw new AssertionError("vector " + vector + ": the message reached no controller that recorded its outcome");
        }
    }

    private List<Integer> serviceAll() {
        List<Integer> out = new ArrayList<>();
        synchronized (cpu) {
            service(rig, out::add);
        }
        return out;
    }

    private InterruptCounters.Snapshot ledger() {
        return rig.msiLedger().snapshot();
    }

    @Test
    void eachVectorArrivesOnceAndIsHandledAsItself() {
        for (int v = 0; v < vectors(); v++) {
            send(v);
            assertEquals(List.of(v), serviceAll(), "vector " + v);
        }
        InterruptCounters.Snapshot s = ledger();
        assertEquals(vectors(), s.delivered(), s.toString());
        assertEquals(0, s.dropped(), s.toString());
    }

    @Test
    void aVectorBeyondTheControllerIsDroppedCountedAndRaisesNothing() {
        send(vectors());
        send(vectors() + 100);
        InterruptCounters.Snapshot s = ledger();
        assertEquals(2, s.fired(), s.toString());
        assertEquals(0, s.delivered(), s.toString());
        assertEquals(List.of(), serviceAll(), "nothing to handle");
    }

    @Test
    void everyMessageHasExactlyOneOutcomeAndEachDeliveredOneIsHandledOnce() {
        int repeats = 3;
        for (int r = 0; r < repeats; r++) {
            for (int v = 0; v < vectors(); v++) {
                send(v);
            }
        }
        List<Integer> handled = serviceAll();
        InterruptCounters.Snapshot s = ledger();
        assertEquals((long) repeats * vectors(), s.fired(), s.toString());
        assertEquals(s.delivered(), handled.size(), "handled " + handled + ", ledger " + s);
        for (int v = 0; v < vectors(); v++) {
            assertTrue(handled.contains(v), "vector " + v + " was handled");
        }
        assertEquals(List.of(), serviceAll(), "nothing is handled twice");
    }

    @Test
    void concurrentSendersOnTheirOwnVectorsKeepIndependentCounts() throws Exception {
        int senders = Math.min(4, vectors());
        int rounds = 20_000;
        AtomicLongArray handled = new AtomicLongArray(vectors());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[senders];
        for (int t = 0; t < senders; t++) {
            int vector = t * (vectors() / senders);
            threads[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        send(vector);
                        if ((i & 7) == 7) {
                            serviceAll().forEach(handled::incrementAndGet);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "sender" + t);
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        serviceAll().forEach(handled::incrementAndGet);
        if (failure.get() != null) {
            throw new AssertionError(failure.get().getMessage(), failure.get());
        }
        InterruptCounters.Snapshot s = ledger();
        assertEquals((long) senders * rounds, s.fired(), s.toString());
        long total = 0;
        for (int v = 0; v < vectors(); v++) {
            boolean used = v % (vectors() / senders) == 0 && v / (vectors() / senders) < senders;
            long h = handled.get(v);
            total += h;
            if (used) {
                assertTrue(h >= 1 && h <= rounds, "vector " + v + " handled " + h + " of " + rounds + " sent");
            } else {
                assertEquals(0, h, "vector " + v + " was sent nothing");
            }
        }
        assertEquals(s.delivered(), total, "every delivered message handled once: " + s);
        assertOnlyCoalesced(s);
    }

    /**
     * Senders raise and the handler runs while the model is replaced again and again: every
     * message is in the ledger once, each delivered one is handled once (a pending vector was
     * handed to the new model), and nothing was dropped but coalesced repeats.
     */
    @Test
    void swapUnderTrafficLosesNothing() throws Exception {
        int senders = Math.min(2, vectors());
        int rounds = 20_000;
        AtomicLongArray handled = new AtomicLongArray(vectors());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[senders];
        for (int t = 0; t < senders; t++) {
            int vector = vectors() - 1 - t;
            threads[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        send(vector);
                        if ((i & 3) == 3) {
                            serviceAll().forEach(handled::incrementAndGet);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "sender" + t);
            threads[t].start();
        }
        int swaps = 0;
        while (threads[0].isAlive() || threads[senders - 1].isAlive()) {
            rig.swap(driver());
            swaps++;
            Thread.onSpinWait();
        }
        for (Thread t : threads) {
            t.join();
        }
        serviceAll().forEach(handled::incrementAndGet);
        if (failure.get() != null) {
            throw new AssertionError(failure.get().getMessage(), failure.get());
        }
        assertTrue(swaps > 0, "the model was swapped under traffic");
        InterruptCounters.Snapshot s = ledger();
        assertEquals((long) senders * rounds, s.fired(), s.toString());
        long total = 0;
        for (int v = 0; v < vectors(); v++) {
            total += handled.get(v);
        }
        assertEquals(s.delivered(), total, "after " + swaps + " swaps every delivered message handled once: " + s);
        assertOnlyCoalesced(s);
    }

    private static void assertOnlyCoalesced(InterruptCounters.Snapshot s) {
        for (Map.Entry<DropReason, Long> e : s.byReason().entrySet()) {
            assertFalse(e.getValue() > 0 && e.getKey() != DropReason.COALESCED,
                    "no message was lost for another reason than a repeat of a pending one: " + s);
        }
    }
}
