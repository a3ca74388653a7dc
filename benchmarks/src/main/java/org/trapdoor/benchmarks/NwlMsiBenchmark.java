package org.trapdoor.benchmarks;

import java.util.List;
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
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.guest.LinuxKernel;
import org.trapdoor.hw.gicv2.Gicv2Driver;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.hw.xlnx.nwl.NwlBringUp;
import org.trapdoor.hw.xlnx.nwl.NwlDriver;
import org.trapdoor.hw.zynqmp.psgtr.PsGtrDriver;

/**
 * One MSI from the device to the guest kernel's handler through the ZynqMP NWL bridge's MSI
 * block, beside the GICv3 ITS path in the same run. Both rigs are composed machines with the
 * guest kernel booted on them (no hand-written handler: the kernel's own drivers set everything
 * up and take the interrupts):
 * <ul>
 * <li>{@code nwl}: {@code zcu102} (NWL, PS-GTR, GIC-400 drivers, {@code testdev,addr=01.0,msi=4,msix=4}
 * behind the root port); the kernel's {@code pcie-xilinx-nwl} brings the bridge up and allocates
 * the vectors in its MSI domain. Device &rarr; the bridge's {@code interceptUpstream} (bit in the
 * status bitmap) &rarr; level SPI {@code msi0} on the GIC-400 &rarr; the kernel's chained handler
 * ({@code nwl_pcie_handle_msi_irq}: read the bitmap, clear the bit, dispatch the vector) &rarr; EOI.</li>
 * <li>{@code its}: {@code virt-noiommu} with ECAM, GICv3 and ITS, the same endpoint; device &rarr;
 * ITS &rarr; GICv3 LPI &rarr; the kernel's {@code gic_handle_irq}.</li>
 * </ul>
 * Set-up raises every vector of each rig twice and checks each raise was sent and handled once
 * by the kernel; tear-down checks that the kernel handled exactly what the ledger delivered and
 * the ledger dropped nothing, so a benchmark whose handler never ran (or that timed drops) fails
 * instead of reporting a figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NwlMsiBenchmark {
    static final int VECTORS = 4;
    static final String DEVICE = "testdev,addr=01.0,msi=4,msix=" + VECTORS;

    /** One machine with its booted kernel and the endpoint to raise on. */
    static final class Rig {
        final String name;
        final ComposedMachine machine;
        final TestDevice device;
        final LinuxKernel kernel;

        private Rig(String name, ComposedMachine machine, LinuxKernel.Params params) {
            this.name = name;
            this.machine = machine;
            machine.addFactory(new TestDeviceFactory());
            machine.attach(DEVICE);
            device = (TestDevice) machine.msiSources().get(0);
            kernel = LinuxKernel.boot(name, machine.system(), machine.platform(), XenMsiBenchmark.fabric(machine), params);
        }

        static Rig nwl() {
            ComposedMachine m = new ComposedMachine(Presets.load(new DeviceTreeService(), "zcu102"));
            m.addDriver(new NwlDriver());
            m.addDriver(new PsGtrDriver());
            m.addDriver(new Gicv2Driver());
            // The bridge plugin's bring-up, as the guest bundle hands the kernel every registered one.
            return new Rig("nwl", m, LinuxKernel.Params.DEFAULT.withBringUps(List.of(new NwlBringUp())));
        }

        static Rig its() {
            ComposedMachine m = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt-noiommu"));
            m.addDriver(new EcamDriver());
            m.addDriver(new Gicv3Driver());
            m.addDriver(new ItsDriver());
            return new Rig("its", m, LinuxKernel.Params.DEFAULT);
        }

        /** Raises every vector once; each must be sent and handled by the kernel once. */
        void check() {
            for (int v = 0; v < VECTORS; v++) {
                long before = kernel.interruptsHandled();
                MsiOutcome o = device.raise(v);
                if (o != MsiOutcome.SENT || kernel.interruptsHandled() != before + 1) {
                    throw new IllegalStateException(String.format("%s: raise %d -> %s, handled %d -> %d; ledger %s; log:%n%s",
                            name, v, o, before, kernel.interruptsHandled(), machine.msiLedger().snapshot(),
                            String.join("\n", kernel.bootLog())));
                }
            }
        }

        /** Everything the ledger delivered, the kernel handled; nothing dropped. */
        void checkTotals() {
            InterruptCounters.Snapshot s = machine.msiLedger().snapshot();
            if (s.dropped() != 0 || s.delivered() != kernel.interruptsHandled() || s.delivered() == 0) {
                throw new IllegalStateException(String.format("%s: kernel handled %d, ledger %s", name,
                        kernel.interruptsHandled(), s));
            }
        }

        void close() {
            kernel.close();
            machine.close();
        }
    }

    Rig nwl;
    Rig its;
    private int nwlVector;
    private int itsVector;

    @Setup(Level.Trial)
    public void setUp() {
        nwl = Rig.nwl();
        its = Rig.its();
        for (int i = 0; i < 2; i++) {
            nwl.check();
            its.check();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            nwl.checkTotals();
            its.checkTotals();
        } finally {
            nwl.close();
            its.close();
        }
    }

    @Benchmark
    public MsiOutcome nwl() {
        int v = nwlVector;
        nwlVector = (v + 1) & (VECTORS - 1);
        return nwl.device.raise(v);
    }

    @Benchmark
    public MsiOutcome its() {
        int v = itsVector;
        itsVector = (v + 1) & (VECTORS - 1);
        return its.device.raise(v);
    }
}
