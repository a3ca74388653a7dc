package org.trapdoor.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * One MSI from the device to the guest's handler through the ZynqMP NWL bridge's MSI block
 * ({@code nwl}: the bridge's {@code interceptUpstream} sets the vector's bit in the status
 * bitmap and raises level SPI {@code msi0} on the GIC-400; the CPU acknowledges it and the
 * chained handler reads the bitmap through the system address space, clears the bit, counts the
 * vector, and the line drops; EOI), beside the GICv3 ITS path of {@link MsiPathBenchmark} in the
 * same run ({@code its}: the composed {@code virt} machine, SMMU in bypass).
 *
 * <p>Set-up checks that every raise of each variant is delivered and handled once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NwlMsiBenchmark {
    private NwlRig nwl;
    private MsiRig.Composed its;
    private TestDevice nwlDevice;
    private TestDevice itsDevice;
    private int nwlVector;
    private int itsVector;

    @Setup(Level.Trial)
    public void setUp() {
        nwl = new NwlRig();
        its = new MsiRig.Composed(false);
        nwlDevice = nwl.device;
        itsDevice = its.device;
        for (int i = 0; i < 2 * NwlRig.VECTORS; i++) {
            check("nwl", nwl.cpu.total, nwl.ledger(), nwl());
            check("its", its.cpu.total, its.ledger(), its());
        }
    }

    private static void check(String what, long taken, InterruptCounters ledger, MsiOutcome outcome) {
        if (outcome != MsiOutcome.SENT || taken != ledger.delivered() || ledger.fired() != ledger.delivered()) {
            throw new IllegalStateException(String.format("%s: raise -> %s, handler took %d, ledger %s", what, outcome,
                    taken, ledger.snapshot()));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        nwl.machine.close();
        its.machine.close();
    }

    @Benchmark
    public MsiOutcome nwl() {
        int v = nwlVector;
        nwlVector = (v + 1) & (NwlRig.VECTORS - 1);
        return nwlDevice.raise(v);
    }

    @Benchmark
    public MsiOutcome its() {
        int v = itsVector;
        itsVector = (v + 1) & (MsiRig.VECTORS - 1);
        return itsDevice.raise(v);
    }

    long[] nwlTaken() {
        return nwl.cpu.taken;
    }
}
