package org.trapdoor.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * CPU time (not wall-clock time) per MSI on {@link MsiRig.Composed}: when the machine is
 * oversubscribed, JMH's throughput measures the scheduler, while the raising thread's own CPU time
 * still measures the path. 2 M raises of warm-up, then 11 rounds of 500 k; prints the median and
 * quartiles in ns of CPU per MSI, and fails unless every raise was delivered. Compile it against
 * two builds' jars and run them alternately to compare them (issue 14's trace points off against
 * the code before them): {@code java -cp benchmarks/target/benchmarks.jar
 * org.trapdoor.benchmarks.MsiCpuTimeHarness [stage1]}.
 */
public final class MsiCpuTimeHarness {
    private MsiCpuTimeHarness() {
    }

    public static void main(String[] args) {
        boolean stage1 = args.length > 0 && args[0].equals("stage1");
        MsiRig.Composed rig = new MsiRig.Composed(stage1);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int v = 0;
        for (int i = 0; i < 2_000_000; i++) {
            rig.device.raise(v);
            v = (v + 1) & 3;
        }
        double[] ns = new double[11];
        for (int r = 0; r < ns.length; r++) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 500_000; i++) {
                rig.device.raise(v);
                v = (v + 1) & 3;
            }
            ns[r] = (mx.getCurrentThreadCpuTime() - c0) / 500_000.0;
        }
        Arrays.sort(ns);
        if (rig.cpu.total != rig.ledger().delivered() || rig.ledger().dropped() != 0) {
            throw new IllegalStateException("not every MSI delivered: " + rig.ledger().snapshot());
        }
        System.out.printf("cpu ns/MSI: median %.2f min %.2f p25 %.2f p75 %.2f%n", ns[5], ns[0], ns[2], ns[8]);
        rig.machine.close();
    }
}
