package org.trapdoor.benchmarks;

import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.hw.gicv3.its.Its;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * A fixed number of MSIs on one rig, for counting instructions (load-independent, unlike time):
 * run it under callgrind twice with different counts and divide the difference in instructions
 * by the difference in MSIs, which cancels start-up, set-up and JIT compilation:
 *
 * <pre>
 * valgrind --tool=callgrind --callgrind-out-file=/dev/null java -Xbatch -XX:+UseSerialGC \
 *     -cp benchmarks/target/benchmarks.jar org.trapdoor.benchmarks.MsiInstructionHarness composed bypass 300000 1000000
 * (the same with 3000000; Ir/MSI = (Ir(3M) - Ir(1M)) / 2M)
 * </pre>
 *
 * <p>Rigs: {@code composed} and {@code handwired} ({@link MsiRig}, SMMU {@code bypass} or
 * {@code stage1}, four vectors in turn) or {@code scaling:N} ({@link ScalingRig} with N functions,
 * every vector of every function in turn, function-major as {@code MsiScalingBenchmark}; the SMMU
 * argument is ignored). Add {@code -Dtrapdoor.trace.guard=folded} to count with the trace points
 * compiled out. Prints what the ledger counted and, for the scaling rig, the ITS's translation
 * cache hits and misses over the counted MSIs; fails unless every MSI was delivered.
 */
public final class MsiInstructionHarness {
    private MsiInstructionHarness() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: MsiInstructionHarness composed|handwired|scaling:N bypass|stage1 WARM_UP COUNT");
            System.exit(2);
        }
        boolean stage1 = args[1].equals("stage1");
        int warmUp = Integer.parseInt(args[2]);
        int count = Integer.parseInt(args[3]);
        TestDevice[] devices;
        InterruptCounters ledger;
        Its its = null;
        int vectors = MsiRig.VECTORS;
        AutoCloseable close;
        if (args[0].startsWith("scaling:")) {
            ScalingRig rig = new ScalingRig(Integer.parseInt(args[0].substring("scaling:".length())));
            devices = rig.devices;
            vectors = ScalingRig.VECTORS;
            ledger = rig.machine.msiLedger();
            its = rig.machine.msiControllers().values().stream().filter(Its.class::isInstance).map(Its.class::cast)
                    .findFirst().orElse(null);
            close = rig::close;
        } else if (args[0].equals("composed")) {
            MsiRig.Composed rig = new MsiRig.Composed(stage1);
            devices = new TestDevice[] {rig.device};
            ledger = rig.ledger();
            close = rig.machine::close;
        } else if (args[0].equals("handwired")) {
            MsiRig.HandWired rig = new MsiRig.HandWired(stage1);
            devices = new TestDevice[] {rig.device};
            ledger = rig.ledger;
            close = () -> {
            };
        } else {
            throw new IllegalArgumentException("rig = composed, handwired or scaling:N, not " + args[0]);
        }
        int[] at = new int[2];
        run(devices, vectors, at, warmUp);
        Thread.sleep(200); // let the JIT's queue settle before the counted part
        long hits = its == null ? 0 : its.cacheHits();
        long misses = its == null ? 0 : its.cacheMisses();
        run(devices, vectors, at, count);
        if (ledger.delivered() != (long) warmUp + count || ledger.dropped() != 0) {
            throw new IllegalStateException("not every MSI delivered: " + ledger.snapshot());
        }
        System.out.printf("%s: %d MSIs counted, ledger %s%s%n", args[0], count, ledger.snapshot(), its == null ? ""
                : String.format("; ITS cache over the counted MSIs: %d hits, %d misses", its.cacheHits() - hits,
                        its.cacheMisses() - misses));
        try {
            close.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code n} raises, function-major over every vector, carrying on from {@code at}. */
    private static void run(TestDevice[] devices, int vectors, int[] at, int n) {
        int f = at[0];
        int v = at[1];
        for (int i = 0; i < n; i++) {
            devices[f].raise(v);
            if (++f == devices.length) {
                f = 0;
                v = v + 1 == vectors ? 0 : v + 1;
            }
        }
        at[0] = f;
        at[1] = v;
    }
}
