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
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * MMIO dispatch: a 4-byte CPU read through the composed machine's system address space, beside
 * the same handler object called directly with the transaction it would have received.
 *
 * <ul>
 * <li>{@code composedBar0Read}: SystemBus binary search &rarr; the bridge's 32-bit outbound
 * window (OutboundPort: gate enter/exit, CPU&rarr;PCI address) &rarr; EcamHostBridge.outbound
 * &rarr; TestDevice.decodeMemory (Command.MEM, BAR0 match) &rarr; BAR0 RegisterBlock, SCRATCH.</li>
 * <li>{@code directBar0Read}: that same RegisterBlock, offset already set.</li>
 * <li>{@code composedRamRead} / {@code directRamRead}: a RAM word through the SystemBus, and the
 * same Ram object called directly.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MmioDispatchBenchmark {
    private ComposedMachine machine;
    private AddressSpace system;
    private MmioHandler bar0;
    private MmioHandler ram;
    /** One transaction, reused as a CPU reuses its own: no allocation per access. */
    private final MemoryTransaction tx = new MemoryTransaction();

    @Setup(Level.Trial)
    public void setUp() {
        machine = Rigs.composed();
        system = machine.system();
        TestDevice dev = Rigs.device(machine);
        bar0 = dev.registers();
        ram = machine.ram();
        Rigs.expect(tx, Rigs.SCRATCH_VALUE, "composed BAR0 read", composedBar0Read());
        Rigs.expect(tx, Rigs.SCRATCH_VALUE, "direct BAR0 read", directBar0Read());
        Rigs.expect(tx, Rigs.RAM_VALUE, "composed RAM read", composedRamRead());
        Rigs.expect(tx, Rigs.RAM_VALUE, "direct RAM read", directRamRead());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        machine.close();
    }

    @Benchmark
    public long composedBar0Read() {
        tx.read(Rigs.BAR0_ADDRESS + TestDevice.REG_SCRATCH, 4);
        system.access(tx);
        return tx.data;
    }

    @Benchmark
    public long directBar0Read() {
        tx.read(Rigs.BAR0_ADDRESS + TestDevice.REG_SCRATCH, 4);
        tx.offset = TestDevice.REG_SCRATCH;
        bar0.access(tx);
        return tx.data;
    }

    @Benchmark
    public long composedRamRead() {
        tx.read(Rigs.RAM_WORD, 4);
        system.access(tx);
        return tx.data;
    }

    @Benchmark
    public long directRamRead() {
        // Ram decodes the absolute address, so it needs no offset.
        tx.read(Rigs.RAM_WORD, 4);
        ram.access(tx);
        return tx.data;
    }
}
