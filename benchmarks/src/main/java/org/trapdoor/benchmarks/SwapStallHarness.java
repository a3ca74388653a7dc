package org.trapdoor.benchmarks;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;

import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.SwapRecord;
import org.trapdoor.api.pci.MsiOutcome;

/**
 * What a live swap costs under full MSI load: {@link MsiRig.Composed} with every MSI translated
 * by the SMMU (stage 1), one thread raising MSIs as fast as it can, while this thread re-binds the
 * ITS, the SMMU and the ECAM bridge to their own drivers (a same-kind swap: state handed over)
 * {@code swaps} times each. Each swap's figures are the machine's own ({@code Machine.swaps()}):
 * the total (model created, state handed over, published, drained, old model closed) and the
 * stall (publish until the last transaction that could hold the old model left the gate). At the
 * end every raise must be in the ledger and every one delivered: {@code lost} is raises the
 * ledger does not account for, {@code dropped} those it counted as dropped.
 *
 * <p>Not JMH: a swap is a rare, long event whose distribution (p50, p99, max) is the result, so
 * it is timed by the machine itself; the harness only makes the load. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar org.trapdoor.benchmarks.SwapStallHarness [SWAPS]}.
 */
public final class SwapStallHarness {
    private static final String[][] NODES = {{"its", "gicv3-its"}, {"smmu", "smmuv3"}, {"pcie", "pci-ecam"}};

    private SwapStallHarness() {
    }

    public static void main(String[] args) throws InterruptedException {
        int swaps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        MsiRig.Composed rig = new MsiRig.Composed(true);
        long[] raised = {0};
        long[] refused = {0};
        StopFlag stop = new StopFlag();
        Thread load = new Thread(() -> {
            long n = 0;
            long bad = 0;
            int v = 0;
            while (!stop.stop) {
                if (rig.device.raise(v) != MsiOutcome.SENT) {
                    bad++;
                }
                v = (v + 1) & (MsiRig.VECTORS - 1);
                n++;
            }
            raised[0] = n;
            refused[0] = bad;
        }, "msi-load");
        load.start();
        long[] gc0 = gc();
        long t0 = System.nanoTime();
        StringBuilder report = new StringBuilder();
        for (String[] node : NODES) {
            long[] stall = new long[swaps];
            long[] total = new long[swaps];
            for (int i = 0; i < swaps; i++) {
                rig.machine.bind(node[0], node[1]);
                List<SwapRecord> recent = rig.machine.swaps();
                SwapRecord r = recent.get(recent.size() - 1);
                stall[i] = r.stallNanos();
                total[i] = r.totalNanos();
            }
            report.append(String.format("%-5s swaps=%d stall p50=%s p99=%s max=%s; total p50=%s p99=%s max=%s%n", node[0],
                    swaps, us(stall, 50), us(stall, 99), us(stall, 100), us(total, 50), us(total, 99), us(total, 100)));
        }
        long elapsed = System.nanoTime() - t0;
        long[] gc1 = gc();
        stop.stop = true;
        load.join();
        InterruptCounters.Snapshot s = rig.ledger().snapshot();
        long lost = raised[0] - s.fired();
        System.out.print(report);
        // A collection stops both threads, the raising one possibly inside the gate: a stall that
        // long is the collector's, not the swap's. Shown so the maximum can be read against it.
        System.out.printf("gc during the swaps: %d collections, %d ms in all%n", gc1[0] - gc0[0], gc1[1] - gc0[1]);
        System.out.printf("load: %d MSIs raised in %.2f s (%.2f M/s during the swaps), refused by the device %d; "
                + "ledger %s; CPU took %d; lost=%d dropped=%d%n", raised[0], elapsed / 1e9, raised[0] / (elapsed / 1e3),
                refused[0], s, rig.cpu.total, lost, s.dropped());
        rig.machine.close();
        if (lost != 0 || s.dropped() != 0 || rig.cpu.total != s.delivered()) {
            System.exit(1);
        }
    }

    /** Collections so far and their accumulated time in ms, over every collector. */
    private static long[] gc() {
        long n = 0;
        long ms = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionCount());
            ms += Math.max(0, b.getCollectionTime());
        }
        return new long[] {n, ms};
    }

    /** The p-th percentile (100: the maximum) in microseconds. */
    private static String us(long[] values, int p) {
        long[] v = values.clone();
        Arrays.sort(v);
        int i = p >= 100 ? v.length - 1 : (int) Math.ceil(p / 100.0 * v.length) - 1;
        return String.format("%.1fus", v[Math.max(0, i)] / 1000.0);
    }

    /** The stop flag the load thread polls. */
    private static final class StopFlag {
        volatile boolean stop;
    }
}
