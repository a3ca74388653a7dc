package org.trapdoor.shell.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.Traffic;

class TrafficBurstTest {
    /** A burst that raises until stopped, as the machine's generator does for a huge COUNT. */
    static class EndlessTraffic implements Traffic {
        final CountDownLatch begun = new CountDownLatch(1);
        volatile boolean stop;
        volatile long raised;
        volatile boolean running;

        @Override
        public void start(long ratePerSecond, List<MsiSource> devices) {
        }

        @Override
        public synchronized void stop() {
            stop = true;
            while (running) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        @Override
        public Status run(long count, List<MsiSource> devices) {
            synchronized (this) {
                running = true;
            }
            begun.countDown();
            while (!stop && raised < count) {
                raised++;
                Thread.onSpinWait();
            }
            synchronized (this) {
                running = false;
                notifyAll();
            }
            return status();
        }

        @Override
        public Status status() {
            return new Status(running, 0, raised, 1, 0);
        }
    }

    @Test
    void anInterruptedCommandCancelsTheBurstAndReturnsItsStatus() throws Exception {
        EndlessTraffic traffic = new EndlessTraffic();
        AtomicReference<Traffic.Status> end = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread command = new Thread(() -> {
            end.set(TrafficBurst.run(traffic, Long.MAX_VALUE, List.of(), new PrintStream(new ByteArrayOutputStream())));
            flag.set(Thread.currentThread().isInterrupted());
        });
        command.start();
        traffic.begun.await();
        command.interrupt(); // what Gogo does on Ctrl-C
        command.join();
        assertTrue(traffic.stop, "the burst was told to stop");
        assertFalse(end.get().running());
        assertEquals(traffic.raised, end.get().raised());
        assertFalse(flag.get(), "the command ends normally with its report");
    }

    @Test
    void aLongBurstReportsProgressUntilItEnds() throws Exception {
        EndlessTraffic traffic = new EndlessTraffic();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(progress, true, StandardCharsets.UTF_8);
        Thread command = new Thread(() -> TrafficBurst.run(traffic, Long.MAX_VALUE, List.of(), ps));
        command.start();
        traffic.begun.await();
        // Waits for the first progress line (the test's timeout bounds the wait).
        while (!progress.toString(StandardCharsets.UTF_8).contains("\n")) {
            Thread.sleep(50);
        }
        command.interrupt();
        command.join();
        String first = progress.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        assertTrue(first.matches("traffic run: \\d+ of " + Long.MAX_VALUE
                + " MSIs raised \\(\\d+\\.\\d%\\); Ctrl-C or 'traffic stop' cancels"), first);
    }

    @Test
    void aBurstThatCannotBeginFailsTheCommand() {
        Traffic busy = new EndlessTraffic() {
            @Override
            public Status run(long count, List<MsiSource> devices) {
                throw new IllegalStateException("background traffic is running; stop it first");
            }
        };
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> TrafficBurst.run(busy, 10, List.of(), new PrintStream(new ByteArrayOutputStream())));
        assertEquals("background traffic is running; stop it first", e.getMessage());
    }
}
