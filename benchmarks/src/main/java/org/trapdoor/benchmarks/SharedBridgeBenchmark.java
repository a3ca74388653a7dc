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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.core.machine.ComposedMachine;

/**
 * The ECAM config read of {@link EcamConfigReadBenchmark}, from two threads at once on one
 * machine, as two vCPUs enumerating the same bridge. Each thread owns its transaction; the
 * machine (and the hand-wired bridge) are shared. Reads only, so no model state is raced.
 *
 * <p>What it shows: whether the composed path's bookkeeping bounces a cache line between the
 * two CPUs. Every composed access enters and leaves the machine's in-flight gate (so a swap can
 * drain); the gate's counters are striped by thread, so two threads normally write different
 * lines, where a single per-node counter made both write the same one. The hand-wired path
 * writes nothing shared. Needs two otherwise idle cores to mean much.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(2)
public class SharedBridgeBenchmark {
    private ComposedMachine machine;
    private AddressSpace system;
    private MmioHandler handWiredEcam;

    /** Each initiator's own transaction. */
    @State(Scope.Thread)
    public static class Cpu {
        final MemoryTransaction tx = new MemoryTransaction();
    }

    @Setup(Level.Trial)
    public void setUp() {
        machine = Rigs.composed();
        system = machine.system();
        handWiredEcam = new Rigs.HandWired().bridge.region(0);
        Cpu cpu = new Cpu();
        Rigs.expect(cpu.tx, Rigs.ID, "composed vendor/device", composedVendorDevice(cpu));
        Rigs.expect(cpu.tx, Rigs.ID, "hand-wired vendor/device", handWiredVendorDevice(cpu));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        machine.close();
    }

    @Benchmark
    public long composedVendorDevice(Cpu cpu) {
        MemoryTransaction tx = cpu.tx;
        tx.read(Rigs.CFG + PciConfig.VENDOR_ID, 4);
        system.access(tx);
        return tx.data;
    }

    @Benchmark
    public long handWiredVendorDevice(Cpu cpu) {
        MemoryTransaction tx = cpu.tx;
        tx.read(Rigs.CFG + PciConfig.VENDOR_ID, 4);
        tx.offset = Rigs.CFG_OFFSET + PciConfig.VENDOR_ID;
        handWiredEcam.access(tx);
        return tx.data;
    }
}
