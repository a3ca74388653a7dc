package org.trapdoor.shell.irq;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.Traffic;

/**
 * {@code traffic run COUNT}: the burst runs on a thread of its own while the command's thread
 * waits, so that the command's thread stays free to print progress and to take Ctrl-C (Gogo
 * interrupts the thread of the command in the foreground). An interrupt cancels the burst through
 * {@link Traffic#stop()}, which returns once the raise in progress is in the ledger, so the
 * report that follows balances.
 */
final class TrafficBurst {
    /** How often a long burst reports how far it got. */
    static final long PROGRESS_INTERVAL_MS = 2_000;

    private TrafficBurst() {
    }

    /**
     * Runs the burst and returns the generator's status at its end; a cancelled burst shows fewer
     * raised than {@code count}. The interrupt that cancelled it is consumed: the command ends
     * normally with its report.
     */
    static Traffic.Status run(Traffic traffic, long count, List<MsiSource> devices, PrintStream progress) {
        CompletableFuture<Traffic.Status> done = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                done.complete(traffic.run(count, devices));
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "trapdoor-traffic-run");
        worker.setDaemon(true);
        worker.start();
        boolean cancelled = false;
        while (true) {
            try {
                if (cancelled) {
                    // A stop that came before the worker began its burst found nothing to stop.
                    traffic.stop();
                    return done.get(50, TimeUnit.MILLISECONDS);
                }
                return done.get(PROGRESS_INTERVAL_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (cancelled) {
                    continue;
                }
                Traffic.Status s = traffic.status();
                progress.printf("traffic run: %d of %d MSIs raised (%.1f%%); Ctrl-C or 'traffic stop' cancels%n",
                        s.raised(), count, 100.0 * s.raised() / count);
                progress.flush();
            } catch (InterruptedException e) {
                cancelled = true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
