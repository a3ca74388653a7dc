package org.trapdoor.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

import org.trapdoor.hw.testdev.TestDevice;

/**
 * CPU time (not wall-clock time) per MSI on {@link MsiRig.Composed} and {@link MsiRig.HandWired}:
 * when the machine is oversubscribed, JMH's throughput measures the scheduler, while the raising
 * thread's own CPU time still measures the path. Both rigs are built in one JVM and timed in
 * alternating rounds (so a load change hits both alike): 2 M raises of warm-up each, then 21
 * rounds of 500 k each; prints each rig's median and quartiles in ns of CPU per MSI and the
 * composed / hand-wired ratio of each round pair (median and quartiles), and fails unless every
 * raise was delivered.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.trapdoor.benchmarks.MsiCpuTimeHarness
 * [bypass|stage1]}; add {@code -Dtrapdoor.trace.guard=folded} (or {@code volatile}) before
 * {@code -cp} to time the trace points' guard constant-folded (or as a per-point volatile flag),
 * and compare the composed medians of such runs made alternately.
 */
public final class MsiCpuTimeHarness {
    private static final int WARM_UP = 2_000_000;
    private static final int ROUNDS = 21;
    private static final int PER_ROUND = 500_000;

    private MsiCpuTimeHarness() {
    }

    public static void main(String[] args) {
        boolean stage1 = args.length > 0 && args[0].equals("stage1");
        MsiRig.Composed composed = new MsiRig.Composed(stage1);
        MsiRig.HandWired handWired = new MsiRig.HandWired(stage1);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        run(composed.device, WARM_UP);
        run(handWired.device, WARM_UP);
        double[] c = new double[ROUNDS];
        double[] h = new double[ROUNDS];
        double[] ratio = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            run(composed.device, PER_ROUND);
            long t1 = mx.getCurrentThreadCpuTime();
            run(handWired.device, PER_ROUND);
            long t2 = mx.getCurrentThreadCpuTime();
            c[r] = (t1 - t0) / (double) PER_ROUND;
            h[r] = (t2 - t1) / (double) PER_ROUND;
            ratio[r] = h[r] / c[r]; // throughput ratio composed / hand-wired
        }
        check("composed", composed.cpu, composed.ledger());
        check("hand-wired", handWired.cpu, handWired.ledger);
        System.out.printf("guard=%s smmu=%s%n", System.getProperty("trapdoor.trace.guard", "switch"),
                stage1 ? "stage1" : "bypass");
        print("composed   cpu ns/MSI", c);
        print("hand-wired cpu ns/MSI", h);
        print("throughput ratio composed/hand-wired", ratio);
        composed.machine.close();
    }

    private static void run(TestDevice device, int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
            device.raise(v);
            v = (v + 1) & (MsiRig.VECTORS - 1);
        }
    }

    private static void check(String what, MsiRig.CountingCpu cpu, org.trapdoor.api.irq.InterruptCounters ledger) {
        if (cpu.total != ledger.delivered() || ledger.dropped() != 0) {
            throw new IllegalStateException(what + ": not every MSI delivered: " + ledger.snapshot());
        }
    }

    private static void print(String what, double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        System.out.printf("%s: median %.3f p25 %.3f p75 %.3f min %.3f max %.3f%n", what, s[n / 2], s[n / 4],
                s[3 * n / 4], s[0], s[n - 1]);
    }
}
