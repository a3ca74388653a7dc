package org.trapdoor.core.traffic;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.Traffic;

/**
 * Raises MSIs round-robin over a fixed round of (device, vector) pairs, built once when traffic
 * starts: each raise is an array read and one call, with no allocation, lock or look-up. The
 * background thread paces itself against the clock (no drift, no burst to catch up after a
 * stall longer than a second); rate 0 runs flat out. Each raise is accounted for in the MSI
 * ledger by the time it returns, so a finished {@link #run} has nothing left in flight.
 */
public final class TrafficGenerator implements Traffic {
    private static final Logger LOG = LoggerFactory.getLogger(TrafficGenerator.class);
    private static final long SECOND = 1_000_000_000L;

    /** The round: target {@code i} is vector {@code vectors[i]} of {@code sources[i]}. */
    private record Round(MsiSource[] sources, int[] vectors) {
        static Round of(List<MsiSource> devices) {
            if (devices == null || devices.isEmpty()) {
                throw new IllegalArgumentException("traffic needs at least one MSI-capable device");
            }
            int n = 0;
            for (MsiSource d : devices) {
                n += Math.max(1, d.vectors());
            }
            MsiSource[] s = new MsiSource[n];
            int[] v = new int[n];
            int k = 0;
            // Vector-major, so consecutive MSIs come from different devices.
            int most = 0;
            for (MsiSource d : devices) {
                most = Math.max(most, Math.max(1, d.vectors()));
            }
            for (int vec = 0; vec < most; vec++) {
                for (MsiSource d : devices) {
                    // A device with no vector enabled still gets vector 0: its refusal is counted.
                    if (vec < Math.max(1, d.vectors())) {
                        s[k] = d;
                        v[k] = vec;
                        k++;
                    }
                }
            }
            return new Round(s, v);
        }
    }

    /** How many raises a {@link #run} makes between two looks at its thread's interrupt flag. */
    private static final int INTERRUPT_CHECK_MASK = 0x3ff;

    private final Object control = new Object();
    private final AtomicLong raised = new AtomicLong();
    /** The background thread, while {@link #start} traffic runs; guarded by {@code control}. */
    private Thread thread;
    /** The caller's thread, while a {@link #run} burst runs; guarded by {@code control}. */
    private Thread burst;
    private volatile boolean stopRequested;
    private volatile boolean running;
    private volatile long rate;
    private volatile int targets;
    private volatile long startNanos;
    private volatile long endNanos;

    @Override
    public void start(long ratePerSecond, List<MsiSource> devices) {
        if (ratePerSecond < 0) {
            throw new IllegalArgumentException("rate " + ratePerSecond + " is negative (0 means as fast as possible)");
        }
        Round round = Round.of(devices);
        synchronized (control) {
            if (thread != null || burst != null) {
                throw new IllegalStateException("traffic is already running; stop it first");
            }
            begin(ratePerSecond, round);
            stopRequested = false;
            running = true;
            Thread t = new Thread(() -> loop(round, ratePerSecond), "trapdoor-msi-traffic");
            t.setDaemon(true);
            thread = t;
            t.start();
        }
    }

    private void begin(long ratePerSecond, Round round) {
        raised.set(0);
        rate = ratePerSecond;
        targets = round.sources().length;
        startNanos = System.nanoTime();
        endNanos = 0;
    }

    private void loop(Round round, long ratePerSecond) {
        MsiSource[] sources = round.sources();
        int[] vectors = round.vectors();
        int n = sources.length;
        long t0 = System.nanoTime();
        long k = 0;
        int i = 0;
        try {
            while (!stopRequested) {
                sources[i].raise(vectors[i]);
                raised.incrementAndGet();
                if (++i == n) {
                    i = 0;
                }
                if (ratePerSecond > 0) {
                    k++;
                    long due = t0 + (long) (k * (double) SECOND / ratePerSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else if (wait < -SECOND) {
                        // Fell far behind (a stall): restart the schedule instead of bursting.
                        t0 = System.nanoTime();
                        k = 0;
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("MSI traffic stopped: a device failed to raise", e);
        } finally {
            endNanos = System.nanoTime();
            running = false;
        }
    }

    /**
     * Stops background traffic or cancels a {@link #run} burst, and waits until it has ended; the
     * raise in progress completes, so the ledger holds every raise counted in the status.
     */
    @Override
    public void stop() {
        boolean interrupted = false;
        synchronized (control) {
            stopRequested = true;
            // A burst runs on its caller's thread without the lock: wait for it to notice.
            while (burst != null) {
                try {
                    control.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            Thread t = thread;
            if (t != null) {
                while (t.isAlive()) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                thread = null;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Raises {@code count} MSIs on the caller's thread. The burst ends early, with fewer raised
     * than asked, when {@link #stop()} is called from another thread or the caller's thread is
     * interrupted (its interrupt flag is left set); {@link #status()} shows it running meanwhile.
     */
    @Override
    public Status run(long count, List<MsiSource> devices) {
        if (count < 0) {
            throw new IllegalArgumentException("count " + count + " is negative");
        }
        Round round = Round.of(devices);
        synchronized (control) {
            if (thread != null || burst != null) {
                throw new IllegalStateException("background traffic is running; stop it first");
            }
            begin(0, round);
            stopRequested = false;
            burst = Thread.currentThread();
            running = true;
        }
        MsiSource[] sources = round.sources();
        int[] vectors = round.vectors();
        int n = sources.length;
        int i = 0;
        try {
            for (long c = 0; c < count && !stopRequested; c++) {
                sources[i].raise(vectors[i]);
                raised.incrementAndGet();
                if (++i == n) {
                    i = 0;
                }
                if ((c & INTERRUPT_CHECK_MASK) == INTERRUPT_CHECK_MASK && Thread.currentThread().isInterrupted()) {
                    break;
                }
            }
        } finally {
            endNanos = System.nanoTime();
            synchronized (control) {
                running = false;
                burst = null;
                control.notifyAll();
            }
        }
        return status();
    }

    @Override
    public Status status() {
        long start = startNanos;
        long end = endNanos;
        boolean on = running;
        long elapsed = start == 0 ? 0 : (on || end == 0 ? System.nanoTime() : end) - start;
        return new Status(on, rate, raised.get(), targets, elapsed);
    }
}
