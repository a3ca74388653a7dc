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
import org.trapdoor.core.bus.Region;
import org.trapdoor.core.bus.SystemBus;
import org.trapdoor.core.machine.ComposedMachine;

/**
 * ECAM config read: the 4-byte vendor/device word of 00:01.0.
 *
 * <ul>
 * <li>{@code composedVendorDevice}: SystemBus &rarr; the ECAM node's region port (the
 * machine's in-flight gate entered and left, the slot's bound handler) &rarr; EcamHostBridge decode &rarr; the machine's PCI hierarchy
 * &rarr; TestDevice &rarr; ConfigSpace.</li>
 * <li>{@code handWiredVendorDevice}: an EcamHostBridge constructed by hand over a plain-array
 * hierarchy holding a TestDevice (same options), its ECAM handler called with the offset set:
 * no composer, no address space.</li>
 * <li>{@code addressSpaceOnlyVendorDevice}: a factor in between, to tell the two costs apart: a
 * SystemBus holding the composed machine's region table, with the ECAM region mapped straight
 * to the hand-wired bridge's handler, so it pays the address-space search but not the node
 * slot (the gate's enter/exit and the read of the bound model).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EcamConfigReadBenchmark {
    private ComposedMachine machine;
    private AddressSpace system;
    private MmioHandler handWiredEcam;
    private AddressSpace addressSpaceOnly;
    private final MemoryTransaction tx = new MemoryTransaction();

    @Setup(Level.Trial)
    public void setUp() {
        machine = Rigs.composed();
        system = machine.system();
        handWiredEcam = new Rigs.HandWired().bridge.region(0);
        SystemBus bus = new SystemBus();
        for (Region r : machine.bus().regions()) {
            bus.map(r.base(), r.size(), r.name(), r.base() == Rigs.ECAM_BASE ? handWiredEcam : r.handler());
        }
        addressSpaceOnly = bus;
        Rigs.expect(tx, Rigs.ID, "composed vendor/device", composedVendorDevice());
        Rigs.expect(tx, Rigs.ID, "hand-wired vendor/device", handWiredVendorDevice());
        Rigs.expect(tx, Rigs.ID, "address-space-only vendor/device", addressSpaceOnlyVendorDevice());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        machine.close();
    }

    @Benchmark
    public long composedVendorDevice() {
        tx.read(Rigs.CFG + PciConfig.VENDOR_ID, 4);
        system.access(tx);
        return tx.data;
    }

    @Benchmark
    public long handWiredVendorDevice() {
        tx.read(Rigs.CFG + PciConfig.VENDOR_ID, 4);
        tx.offset = Rigs.CFG_OFFSET + PciConfig.VENDOR_ID;
        handWiredEcam.access(tx);
        return tx.data;
    }

    @Benchmark
    public long addressSpaceOnlyVendorDevice() {
        tx.read(Rigs.CFG + PciConfig.VENDOR_ID, 4);
        addressSpaceOnly.access(tx);
        return tx.data;
    }
}
