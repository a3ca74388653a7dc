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
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.core.machine.ComposedMachine;

/**
 * A trapped config access as a driver does it: a 2-byte write of the Command register of 00:01.0
 * followed by a 2-byte read back (one operation = write + read). The written value alternates
 * INTx Disable so that every write changes the register; Memory Space and Bus Master stay on.
 * The write goes through ConfigSpace's masked read-modify-write (RsvdP bits preserved).
 *
 * <ul>
 * <li>{@code composedCommandWriteRead}: both accesses through the system address space, the ECAM
 * node's region port and the bound EcamHostBridge.</li>
 * <li>{@code handWiredCommandWriteRead}: the same two accesses on a hand-wired EcamHostBridge's
 * ECAM handler.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TrappedConfigBenchmark {
    private static final long COMMAND = Rigs.CFG + PciConfig.COMMAND;
    private static final long COMMAND_OFFSET = Rigs.CFG_OFFSET + PciConfig.COMMAND;

    private ComposedMachine machine;
    private AddressSpace system;
    private MmioHandler handWiredEcam;
    private final MemoryTransaction tx = new MemoryTransaction();
    private int intxDisable;

    @Setup(Level.Trial)
    public void setUp() {
        machine = Rigs.composed();
        system = machine.system();
        handWiredEcam = new Rigs.HandWired().bridge.region(0);
        for (int i = 0; i < 2; i++) {
            long c = composedCommandWriteRead();
            Rigs.expect(tx, Rigs.COMMAND_ON | intxDisable, "composed command write+read", c);
            long h = handWiredCommandWriteRead();
            Rigs.expect(tx, Rigs.COMMAND_ON | intxDisable, "hand-wired command write+read", h);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        machine.close();
    }

    private int nextCommand() {
        intxDisable ^= PciConfig.COMMAND_INTX_DISABLE;
        return Rigs.COMMAND_ON | intxDisable;
    }

    @Benchmark
    public long composedCommandWriteRead() {
        tx.write(COMMAND, 2, nextCommand());
        system.access(tx);
        tx.read(COMMAND, 2);
        system.access(tx);
        return tx.data;
    }

    @Benchmark
    public long handWiredCommandWriteRead() {
        tx.write(COMMAND, 2, nextCommand());
        tx.offset = COMMAND_OFFSET;
        handWiredEcam.access(tx);
        tx.read(COMMAND, 2);
        tx.offset = COMMAND_OFFSET;
        handWiredEcam.access(tx);
        return tx.data;
    }
}
