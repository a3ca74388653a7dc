package org.trapdoor.benchmarks;

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
import org.trapdoor.api.guest.GuestInterrupts;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.guest.IrqFabric;
import org.trapdoor.guest.LinuxKernel;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.irq.XenInterrupts;

/**
 * One MSI from the device to the guest kernel's handler, on bare metal and in Dom0 under Xen, in
 * one run. Both rigs are the composed {@code virt-noiommu} machine (real ECAM, GICv3, ITS and
 * {@code testdev,addr=01.0,msi=4,msix=4}) with the guest kernel booted on it, which probes the
 * GIC and ITS, allocates the endpoint's four MSI-X vectors and handles them
 * ({@code gic_handle_irq}: acknowledge, count per vector, EOI):
 * <ul>
 * <li>{@code bareMetal}: the kernel on the machine's address space and GIC: device &rarr; host ITS
 * &rarr; GICv3 &rarr; the kernel's handler;</li>
 * <li>{@code xenDom0}: Xen boots Dom0's kernel on its IPA space with {@link XenInterrupts}: the
 * kernel programs the vITS, Xen the host ITS; device &rarr; host ITS (Xen's tables) &rarr; GICv3
 * &rarr; Xen's IRQ handler (acknowledge, EOI, route lookup) &rarr; Dom0's vGIC (inject, list
 * registers) &rarr; the kernel's handler acknowledging and ending on the virtual CPU interface.</li>
 * </ul>
 * No IOMMU in either: Xen's SMMU driver is not part of this path. Set-up checks that every raise
 * is sent and handled once by the kernel, so a drop is never timed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class XenMsiBenchmark {
    static final int VECTORS = 4;
    static final String DEVICE = "testdev,addr=01.0,msi=4,msix=" + VECTORS;

    /** One machine with its booted kernel and the endpoint to raise on. */
    static final class Rig {
        final ComposedMachine machine;
        final TestDevice device;
        LinuxKernel kernel;

        Rig(boolean xen) {
            machine = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt-noiommu"));
            machine.addDriver(new EcamDriver());
            machine.addDriver(new Gicv3Driver());
            machine.addDriver(new ItsDriver());
            machine.addFactory(new TestDeviceFactory());
            machine.attach(DEVICE);
            device = (TestDevice) machine.msiSources().get(0);
            if (xen) {
                Xen x = new Xen(machine, (platform, cmdline) -> kernel = LinuxKernel.boot(platform.name(),
                        platform.memory(), platform.deviceTree(), fabric(platform.interrupts())),
                        new Xen.Options(256L << 20, 1, 40));
                x.interrupts(new XenInterrupts(machine, machine, x::heap));
                x.boot();
            } else {
                kernel = LinuxKernel.boot("bare", machine.system(), machine.platform(), fabric(machine));
            }
        }

        /** Raises every vector once and checks the kernel handled each. */
        void check(String what) {
            for (int v = 0; v < VECTORS; v++) {
                long before = kernel.interruptsHandled();
                MsiOutcome o = device.raise(v);
                if (o != MsiOutcome.SENT || kernel.interruptsHandled() != before + 1) {
                    throw new IllegalStateException(String.format("%s: raise %d -> %s, handled %d -> %d; ledger %s",
                            what, v, o, before, kernel.interruptsHandled(), machine.msiLedger().snapshot()));
                }
            }
        }

        void close() {
            kernel.close();
            machine.close();
        }
    }

    static IrqFabric fabric(GuestInterrupts gi) {
        return new IrqFabric() {
            @Override
            public InterruptController interruptController(String node) {
                return gi.interruptController(node);
            }

            @Override
            public void attach(String node, InterruptSink sink) {
                gi.attach(node, sink);
            }
        };
    }

    static IrqFabric fabric(MachineInterrupts mi) {
        return new IrqFabric() {
            @Override
            public InterruptController interruptController(String node) {
                return mi.interruptControllers().get(node);
            }

            @Override
            public void attach(String node, InterruptSink sink) {
                mi.attachSink(node, sink);
            }
        };
    }

    private Rig bare;
    private Rig xen;
    private int bareVector;
    private int xenVector;

    @Setup(Level.Trial)
    public void setUp() {
        bare = new Rig(false);
        xen = new Rig(true);
        for (int i = 0; i < 4; i++) {
            bare.check("bare metal");
            xen.check("Xen Dom0");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bare.close();
        xen.close();
    }

    @Benchmark
    public MsiOutcome bareMetal() {
        int v = bareVector;
        bareVector = (v + 1) & (VECTORS - 1);
        return bare.device.raise(v);
    }

    @Benchmark
    public MsiOutcome xenDom0() {
        int v = xenVector;
        xenVector = (v + 1) & (VECTORS - 1);
        return xen.device.raise(v);
    }

    /** The kernels' handled counts (tests). */
    long[] handled() {
        return new long[] {bare.kernel.interruptsHandled(), xen.kernel.interruptsHandled()};
    }

    Map<String, Long> ledgers() {
        return Map.of("bare", bare.machine.msiLedger().delivered(), "xen", xen.machine.msiLedger().delivered());
    }
}
