package org.trapdoor.benchmarks;

import java.util.List;
import java.util.Map;
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
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPlatform;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.hypercall.PhysdevOp;
import org.trapdoor.xen.mm.DomainAddressSpace;
import org.trapdoor.xen.mm.P2m;
import org.trapdoor.xen.mm.P2mType;
import org.trapdoor.xen.passthrough.PciSubsystem;
import org.trapdoor.xen.trace.XenTrace;
import org.trapdoor.xen.vpci.GuestVpci;

/**
 * A DomU's trapped config read end to end, beside the same read on bare metal, in the same run.
 *
 * <ul>
 * <li>{@code domUTrappedVendorDevice}: a 4-byte load at the DomU's IPA 0x10000000 (its 00:00.0
 * vendor/device word): the domain's IPA space finds Xen's vPCI trap &rarr; {@code GuestVpci}
 * (slot look-up) &rarr; {@code VpciDevice}'s ConfigSpace (the read-through handler) &rarr; Xen's
 * accessor on the host bridge (readiness gate, ECAM address) &rarr; the machine's system bus
 * &rarr; the ECAM region port &rarr; {@code EcamHostBridge} &rarr; TestDevice 00:01.0's
 * ConfigSpace.</li>
 * <li>{@code bareMetalVendorDevice}: the same word read by a CPU on the bare machine: system bus
 * &rarr; ECAM region port &rarr; {@code EcamHostBridge} &rarr; the TestDevice.</li>
 * </ul>
 * The rig boots Xen on the composed {@code virt} machine with a Dom0 that places the BARs and
 * reports 00:01.0 by hypercall, makes it assignable and assigns it to a DomU built by hand.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DomUConfigReadBenchmark {
    private static final long GUEST_RAM = 0x4000_0000L;

    private ComposedMachine machine;
    private AddressSpace system;
    private AddressSpace domU;
    private final MemoryTransaction tx = new MemoryTransaction();

    @Setup(Level.Trial)
    public void setUp() {
        machine = Rigs.composed();
        system = machine.system();
        Xen xen = new Xen(machine, DomUConfigReadBenchmark::dom0, Xen.Options.DEFAULT).tracing(machine.tracing());
        PciSubsystem pci = new PciSubsystem(xen);
        xen.pci(pci);
        xen.boot();
        xen.assignableAdd("0000:00:01.0");
        P2m p2m = new P2m(machine.memory(), xen.heap(), 1, 40);
        p2m.map(GUEST_RAM, xen.heap().allocate(256, 1), 1 << 20, P2mType.RAM_RW);
        DomainAddressSpace ipa = new DomainAddressSpace("guest1", p2m, system);
        ipa.trace(new XenTrace(machine.tracing()).mmioTrap); // as Xen does for each domain: off, it costs one read
        XenDomain d = new XenDomain(1, "guest1", false, 1, p2m, ipa);
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        d.deviceTree(new DeviceTree(root, "guest1", List.of()));
        pci.domainBuilt(d, List.of(new PciSpec(0, 0, 1, 0, -1, false, false)));
        domU = ipa;
        Rigs.expect(tx, Rigs.ID, "DomU trapped vendor/device", domUTrappedVendorDevice());
        Rigs.expect(tx, Rigs.ID, "bare-metal vendor/device", bareMetalVendorDevice());
    }

    /** Dom0's part: 00:01.0 reported with PHYSDEVOP_pci_device_add, the structure in its memory. */
    private static GuestKernel dom0(GuestPlatform p, Map<String, String> cmdline) {
        long scratch = p.deviceTree().memory().get(0).address() + 0x10_0000;
        AddressSpace mem = p.memory();
        mem.write(scratch, 4, (long) Rigs.DEVFN << 24);
        mem.write(scratch + 4, 4, 0);
        mem.write(scratch + 8, 4, 0);
        long rc = p.hypercalls().hypercall(33, PhysdevOp.PHYSDEVOP_PCI_DEVICE_ADD, scratch, 0, 0, 0);
        if (rc != 0) {
            throw new IllegalStateException("PHYSDEVOP_pci_device_add -> " + rc);
        }
        return null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        machine.close();
    }

    @Benchmark
    public long domUTrappedVendorDevice() {
        tx.read(GuestVpci.ECAM_BASE, 4);
        domU.access(tx);
        return tx.data;
    }

    @Benchmark
    public long bareMetalVendorDevice() {
        tx.read(Rigs.CFG, 4);
        system.access(tx);
        return tx.data;
    }
}
