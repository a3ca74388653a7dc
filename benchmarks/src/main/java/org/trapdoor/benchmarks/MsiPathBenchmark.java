package org.trapdoor.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * One MSI, from the device's write to the guest's handler: {@code TestDevice.raise(v)} for v
 * cycling over the four mapped MSI-X vectors, ending in the CPU's acknowledge and EOI of LPI
 * 8192 + v (counted per vector, as a handler would).
 *
 * <ul>
 * <li>{@code composed}: the {@code virt} machine with the real ECAM, GICv3 and ITS drivers:
 * MSI-X table &rarr; the device's upstream port (requester ID, the bridge's node slot, msi-map
 * DeviceID, iommu-map StreamID) &rarr; {@code Smmuv3.translate} ({@link #smmu}: bypass, or a
 * stage-1 IOTLB hit) &rarr; SystemBus &rarr; the ITS node's region port &rarr; {@code Its} (Device table,
 * ITT, Collection table in RAM) &rarr; {@code Gicv3.setLpiPending} through the ITS's reference
 * to its parent's slot &rarr; the CPU's sink.</li>
 * <li>{@code handWired}: the same classes with the same RAM contents, the device's upstream
 * calling the same kind of {@code Smmuv3}, then the ITS frame handler directly, the ITS holding the GIC itself.</li>
 * </ul>
 *
 * <p>The trace points' cost when compiled in and off (issue 14: at most 3 %) is measured in the
 * same run: {@code composedTraceFolded} is {@code composed} in a JVM whose trace guard is
 * constant-folded to "off" ({@code -Dtrapdoor.trace.guard=folded}: the code as if the points were
 * compiled out), {@code composedTraceVolatile} one whose guard is each point's volatile flag alone
 * (the first implementation). {@code composed} itself runs the guard a machine runs. Compare
 * {@code composed} with {@code composedTraceFolded}; {@code benchmarks/jmh-ratio.py} prints the
 * ratios of a run's JSON result with their errors. The defaults (3 forks, 5 warm-up and 8
 * measured iterations of 1 s each) are what the README's figures are taken with: a fork's JIT
 * decisions differ (inlining, code layout), so one fork's ratio says little.
 *
 * <p>Set-up checks that each variant delivers every raise (outcome SENT, the LPI taken by the
 * CPU, the ledger's delivered count up by one), so a drop — a fast path — is never timed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(3)
public class MsiPathBenchmark {
    /**
     * {@code bypass}: the SMMU as reset leaves it (SMMUEN = 0, GBPA bypass), MSI-X pointing at the
     * ITS's physical doorbell. {@code stage1}: the SMMU enabled, StreamID 8 on stage 1, the
     * vectors pointing at the doorbell's IOVA ({@link MsiRig#MSI_IOVA}); every MSI is translated
     * (an IOTLB hit after the first).
     */
    @Param({"bypass", "stage1"})
    public String smmu = "bypass";

    /**
     * {@code off}: every trace point compiled in and off (the default: what the 3 % is
     * about). {@code on}: every point of the composed machine on, each MSI writing its hops to the
     * ring (the cost of tracing, for comparison; the hand-wired rig has no registry).
     */
    @Param({"off"})
    public String trace = "off";

    private MsiRig.Composed composed;
    private MsiRig.HandWired handWired;
    private TestDevice composedDevice;
    private TestDevice handWiredDevice;
    private int composedVector;
    private int handWiredVector;

    @Setup(Level.Trial)
    public void setUp() {
        boolean translated = switch (smmu) {
            case "bypass" -> false;
            case "stage1" -> true;
            default -> throw new IllegalArgumentException("smmu = bypass or stage1, not " + smmu);
        };
        composed = new MsiRig.Composed(translated);
        switch (trace) {
            case "off" -> {
            }
            case "on" -> composed.machine.tracing().enable("*", true);
            default -> throw new IllegalArgumentException("trace = off or on, not " + trace);
        }
        handWired = new MsiRig.HandWired(translated);
        composedDevice = composed.device;
        handWiredDevice = handWired.device;
        for (int i = 0; i < 2 * MsiRig.VECTORS; i++) {
            check("composed", composed.cpu, composed.ledger(), composed());
            check("hand-wired", handWired.cpu, handWired.ledger, handWired());
        }
    }

    private static void check(String what, MsiRig.CountingCpu cpu, InterruptCounters ledger, MsiOutcome outcome) {
        if (outcome != MsiOutcome.SENT || cpu.total != ledger.delivered() || ledger.fired() != ledger.delivered()) {
            throw new IllegalStateException(String.format("%s: raise -> %s, CPU took %d, ledger %s", what, outcome,
                    cpu.total, ledger.snapshot()));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        composed.machine.close();
    }

    @Benchmark
    public MsiOutcome composed() {
        int v = composedVector;
        composedVector = (v + 1) & (MsiRig.VECTORS - 1);
        return composedDevice.raise(v);
    }

    /** {@link #composed} with every trace guard constant-folded off: the points compiled out. */
    @Benchmark
    @Fork(value = 3, jvmArgsAppend = "-Dtrapdoor.trace.guard=folded")
    public MsiOutcome composedTraceFolded() {
        return composed();
    }

    /** {@link #composed} with each trace guard a volatile read of its point's flag (the old guard). */
    @Benchmark
    @Fork(value = 3, jvmArgsAppend = "-Dtrapdoor.trace.guard=volatile")
    public MsiOutcome composedTraceVolatile() {
        return composed();
    }

    @Benchmark
    public MsiOutcome handWired() {
        int v = handWiredVector;
        handWiredVector = (v + 1) & (MsiRig.VECTORS - 1);
        return handWiredDevice.raise(v);
    }

    /** What the CPU took, per vector, in the composed rig (tests). */
    long[] composedTaken() {
        return composed.cpu.taken;
    }

    long[] handWiredTaken() {
        return handWired.cpu.taken;
    }
}
