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
import org.trapdoor.xen.VirtualInterrupts;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.irq.XenInterrupts;
import org.trapdoor.policy.domumsitrapremap.DomuMsiTrapRemapPolicy;
import org.trapdoor.policy.domumsivits.DomuMsiVitsPolicy;

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
            machine = Rigs.msiMachine("virt-noiommu", false);
            machine.attach(DEVICE);
            device = (TestDevice) machine.msiSources().get(0);
            if (xen) {
                Xen x = new Xen(machine, (platform, cmdline) -> kernel = LinuxKernel.boot(platform.name(),
                        platform.memory(), platform.deviceTree(), fabric(platform.interrupts())),
                        new Xen.Options(256L << 20, 1, 40)).tracing(machine.tracing());
                XenInterrupts irqs = new XenInterrupts(machine, machine, x::heap).tracing(machine.tracing());
                x.interrupts(VirtualInterrupts.of(irqs::attachDom0, irqs::attachDomU, irqs::destroy));
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

    /** Bare metal: the kernel on the machine itself. Built only for the benchmark that uses it. */
    @State(Scope.Thread)
    public static class Bare {
        Rig rig;
        int vector;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new Rig(false);
            for (int i = 0; i < 4; i++) {
                rig.check("bare metal");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
        }
    }

    /** Dom0 under Xen: its MSI-X through the vITS Xen emulates for it. */
    @State(Scope.Thread)
    public static class Dom0 {
        Rig rig;
        int vector;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new Rig(true);
            for (int i = 0; i < 4; i++) {
                rig.check("Xen Dom0");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
        }
    }

    /** A DomU's passed-through device under {@code domu-msi = vits}. */
    @State(Scope.Thread)
    public static class DomUVits {
        DomUMsiRig rig;
        int vector;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new DomUMsiRig(new DomuMsiVitsPolicy());
            for (int i = 0; i < 4; i++) {
                rig.check();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
        }
    }

    /** A DomU's passed-through device under {@code domu-msi = trap-remap}. */
    @State(Scope.Thread)
    public static class DomUTrapRemap {
        DomUMsiRig rig;
        int vector;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new DomUMsiRig(new DomuMsiTrapRemapPolicy());
            for (int i = 0; i < 4; i++) {
                rig.check();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
        }
    }

    @Benchmark
    public MsiOutcome bareMetal(Bare s) {
        int v = s.vector;
        s.vector = (v + 1) & (VECTORS - 1);
        return s.rig.device.raise(v);
    }

    @Benchmark
    public MsiOutcome xenDom0(Dom0 s) {
        int v = s.vector;
        s.vector = (v + 1) & (VECTORS - 1);
        return s.rig.device.raise(v);
    }

    @Benchmark
    public MsiOutcome domUVits(DomUVits s) {
        int v = s.vector;
        s.vector = (v + 1) & (VECTORS - 1);
        return s.rig.device.raise(v);
    }

    @Benchmark
    public MsiOutcome domUTrapRemap(DomUTrapRemap s) {
        int v = s.vector;
        s.vector = (v + 1) & (VECTORS - 1);
        return s.rig.device.raise(v);
    }

}
