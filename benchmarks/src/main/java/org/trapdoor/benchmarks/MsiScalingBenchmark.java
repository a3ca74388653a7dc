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
 * MSIs per second as the machine grows: {@link ScalingRig} with 1, 16, 256 and 1,024 functions
 * of 32 MSI-X vectors each, one op = one raise, spread over every vector of every function
 * (function-major: consecutive MSIs come from different functions, so the ITS's translation
 * cache and the GIC's pending words see the whole population). Set-up raises every vector once
 * and checks each was delivered and taken by the CPU, and prints the heap the machine holds per
 * function (after GC, the machine with 1 function subtracted is not needed: the figure is the
 * whole machine's heap divided by its functions, and the difference between sizes is the
 * per-function cost).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MsiScalingBenchmark {
    @Param({"1", "16", "256", "1024"})
    public int functions = 1;

    private ScalingRig rig;
    private TestDevice[] devices;
    private int nextFunction;
    private int nextVector;
    private int pairs;

    @Setup(Level.Trial)
    public void setUp() {
        long before = usedHeap();
        rig = new ScalingRig(functions);
        long after = usedHeap();
        devices = rig.devices;
        pairs = functions * ScalingRig.VECTORS;
        InterruptCounters ledger = rig.machine.msiLedger();
        for (int i = 0; i < pairs; i++) {
            MsiOutcome o = raise();
            if (o != MsiOutcome.SENT || rig.cpu.total != i + 1 || ledger.delivered() != i + 1) {
                throw new IllegalStateException(String.format("raise %d of %d -> %s, CPU took %d, ledger %s", i, pairs, o,
                        rig.cpu.total, ledger.snapshot()));
            }
        }
        System.out.printf("%n[scaling] functions=%d vectors=%d heap after GC: machine %.1f MiB, %.1f KiB per function%n",
                functions, pairs, (after - before) / 1048576.0, (after - before) / 1024.0 / functions);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rig.close();
    }

    @Benchmark
    public MsiOutcome raise() {
        // Function-major without a division per op (an idiv is ~10-40 cycles, a fifth of an MSI).
        int f = nextFunction;
        int v = nextVector;
        if (f + 1 == functions) {
            nextFunction = 0;
            nextVector = v + 1 == ScalingRig.VECTORS ? 0 : v + 1;
        } else {
            nextFunction = f + 1;
        }
        return devices[f].raise(v);
    }
}
