package org.trapdoor.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.trapdoor.api.machine.MsiControllerChange;
import org.trapdoor.guest.printk.BootLog;

/**
 * The kernel's side of MSI-controller hot-plug: it hears from the machine when the model on an
 * MSI-controller node changes and hands each change, in order, to one kernel worker thread (a
 * workqueue), which lets {@link MsiSubsystem#controllerChanged} decide and, if need be,
 * re-probe. The notifying thread (a shell command, a driver service going away) only queues.
 * Changes heard during boot wait until the boot has set MSIs up ({@link #start}).
 */
final class MsiHotplug implements AutoCloseable {
    private final MsiSubsystem msi;
    private final BootLog log;
    private final ThreadPoolExecutor worker;
    private final AutoCloseable watch;
    /** Changes reported so far, and those the worker has finished with. */
    private final AtomicLong reported = new AtomicLong();
    private long settled;
    private final Object settleLock = new Object();
    /** Changes heard before {@link #start}, in order; null once started. Guarded by this. */
    private List<MsiControllerChange> early = new ArrayList<>();

    /** Starts listening at once (before the boot reads which models are bound). */
    MsiHotplug(IrqFabric fabric, MsiSubsystem msi, BootLog log) {
        this.msi = msi;
        this.log = log;
        this.worker = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "guest-kworker-msi");
            t.setDaemon(true);
            return t;
        });
        worker.allowCoreThreadTimeOut(true);
        AutoCloseable w;
        try {
            w = fabric.watchMsiControllers(this::heard);
        } catch (UnsupportedOperationException e) {
            log.info("MSI: %s; a swapped MSI controller needs a re-probe by hand", e.getMessage());
            w = null;
        }
        this.watch = w;
    }

    /** Called on the notifying thread: queue only. */
    private void heard(MsiControllerChange change) {
        reported.incrementAndGet();
        synchronized (this) {
            if (early != null) {
                early.add(change);
                return;
            }
        }
        submit(change);
    }

    /** The boot has set MSIs up: changes heard meanwhile, and all later ones, go to the worker. */
    void start() {
        List<MsiControllerChange> pending;
        synchronized (this) {
            pending = early;
            early = null;
            if (pending == null) {
                return;
            }
            // Submitted under the lock, so a change heard now queues behind these.
            for (MsiControllerChange c : pending) {
                submit(c);
            }
        }
    }

    private void submit(MsiControllerChange change) {
        try {
            worker.execute(() -> {
                try {
                    msi.controllerChanged(change);
                } catch (RuntimeException e) {
                    log.warn("MSI: acting on %s changing failed: %s", change.node(), e);
                } finally {
                    settle();
                }
            });
        } catch (RejectedExecutionException e) {
            settle(); // shut down: nothing more to act on
        }
    }

    private void settle() {
        synchronized (settleLock) {
            settled++;
            settleLock.notifyAll();
        }
    }

    /** Waits until every change reported before the call has been acted on; false on time-out. */
    boolean awaitSettled(long timeoutMillis) throws InterruptedException {
        long target = reported.get();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (settleLock) {
            while (settled < target) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                settleLock.wait(left);
            }
        }
        return true;
    }

    /** Stops listening; changes already queued are dropped (the kernel is going away). */
    @Override
    public void close() {
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception e) {
                log.warn("MSI: stopping the MSI-controller watch: %s", e);
            }
        }
        List<Runnable> dropped = worker.shutdownNow();
        for (int i = 0; i < dropped.size(); i++) {
            settle();
        }
        synchronized (this) {
            if (early != null) {
                for (int i = 0; i < early.size(); i++) {
                    settle();
                }
                early = null;
            }
        }
    }
}
