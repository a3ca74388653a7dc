package org.trapdoor.benchmarks;

import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.host.BringUpResult;
import org.trapdoor.api.pci.host.RegisterAccess;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv2.Gicv2Driver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.hw.xlnx.nwl.NwlBringUp;
import org.trapdoor.hw.xlnx.nwl.NwlDriver;
import org.trapdoor.hw.zynqmp.psgtr.PsGtrDriver;

/**
 * The {@code zcu102} preset composed with the real NWL, PS-GTR and GIC-400 drivers and
 * {@code testdev,addr=01.0,msix=4}; the bridge brought up by its plugin's sequence (as Dom0's
 * driver runs it), the GIC's {@code msi0} SPI enabled level-sensitive to CPU 0, and the device's
 * MSI-X vectors v = 0..3 pointing at pcireg's base with data v. The CPU's handler is the guest's:
 * acknowledge {@code msi0}, then, while MSGF_MSI_STATUS_LO is non-zero, clear each set bit and
 * count its vector ({@code nwl_pcie_handle_msi_irq}), then EOI; allocation-free.
 */
final class NwlRig {
    static final long BREG = 0xfd0e_0000L;
    static final long PCIREG = 0xfd48_0000L;
    static final long CFG = 0x80_0000_0000L;
    static final long GICD = 0xf901_0000L;
    static final long GICC = 0xf902_0000L;
    static final long BAR2 = 0x6_0000_0000L;
    static final int MSI0 = 114 + 32;
    /** The tree, as the board's, names no interrupt-parent at its root: the GIC by path. */
    static final String GIC = "/axi/interrupt-controller@f9010000";
    static final int VECTORS = 4;
    static final String DEVICE_SPEC = "testdev,addr=01.0,msi=4,msix=" + VECTORS;

    final ComposedMachine machine;
    final TestDevice device;
    final HandlerCpu cpu = new HandlerCpu();

    NwlRig() {
        machine = new ComposedMachine(Presets.load(new DeviceTreeService(), "zcu102"));
        machine.addDriver(new NwlDriver());
        machine.addDriver(new PsGtrDriver());
        machine.addDriver(new Gicv2Driver());
        machine.addFactory(new TestDeviceFactory());
        machine.attach(DEVICE_SPEC);
        device = (TestDevice) machine.msiSources().get(0);
        AddressSpace sys = machine.system();
        cpu.use(machine.interruptControllers().get(GIC), sys);
        machine.attachSink(GIC, cpu);
        RegisterAccess io = new RegisterAccess() {
            @Override
            public long read(long address, int size) {
                return sys.read(address, size);
            }

            @Override
            public void write(long address, int size, long value) {
                ok(sys.write(address, size, value), address);
            }
        };
        BringUpResult r = new NwlBringUp().run(machine.platform().node("/axi/pcie@fd0e0000"), "benchmark", io);
        if (!r.ok()) {
            throw new IllegalStateException("NWL bring-up failed: " + r);
        }
        // GIC-400: distributor and CPU interface on; msi0 level, priority 0xa0, to CPU 0, enabled.
        io.write(GICD, 4, 1);
        io.write(GICC + 0x4, 4, 0xff);
        io.write(GICC, 4, 1);
        io.write(GICD + 0xc00 + (MSI0 / 16) * 4, 4, io.read(GICD + 0xc00 + (MSI0 / 16) * 4, 4) & ~(2L << (MSI0 % 16) * 2));
        io.write(GICD + 0x400 + MSI0, 1, 0xa0);
        io.write(GICD + 0x800 + MSI0, 1, 1);
        io.write(GICD + 0x100 + (MSI0 / 32) * 4, 4, 1L << (MSI0 % 32));
        // The endpoint at 01:01.0 behind the root port: BAR2 (MSI-X table), memory and master on.
        long cfg = CFG + (1L << 20) + (0x08L << 12);
        io.write(cfg + 0x18, 4, BAR2 & 0xffff_ffffL);
        io.write(cfg + 0x1c, 4, BAR2 >>> 32);
        io.write(cfg + PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
        for (int v = 0; v < VECTORS; v++) {
            long e = BAR2 + v * 16L;
            io.write(e, 4, PCIREG & 0xffff_ffffL);
            io.write(e + 4, 4, PCIREG >>> 32);
            io.write(e + 8, 4, v);
            io.write(e + 12, 4, 0);
        }
        io.write(cfg + TestDevice.MSIX_CAP + 2, 2, PciConfig.MSIX_FLAGS_ENABLE);
    }

    InterruptCounters ledger() {
        return machine.msiLedger();
    }

    private static void ok(MemResult r, long address) {
        if (r != MemResult.OK) {
            throw new IllegalStateException(String.format("set-up write at 0x%x: %s", address, r));
        }
    }

    /** The guest's CPU 0 with the NWL driver's chained handler on msi0. */
    static final class HandlerCpu implements InterruptSink {
        private InterruptController gic;
        private AddressSpace sys;
        private final MemoryTransaction tx = new MemoryTransaction();
        final long[] taken = new long[VECTORS];
        long total;

        void use(InterruptController g, AddressSpace s) {
            gic = g;
            sys = s;
        }

        @Override
        public void interruptPending(int cpu, int intid) {
            InterruptController g = gic;
            for (int id = g.acknowledge(cpu); id != InterruptController.SPURIOUS; id = g.acknowledge(cpu)) {
                if (id == MSI0) {
                    while (true) {
                        sys.access(tx.read(BREG + 0x440, 4));
                        long status = tx.data & 0xffff_ffffL;
                        if (status == 0) {
                            break;
                        }
                        for (int bit = 0; bit < 32; bit++) {
                            if ((status & 1L << bit) != 0) {
                                sys.access(tx.write(BREG + 0x440, 4, 1L << bit));
                                taken[bit & (VECTORS - 1)]++;
                                total++;
                            }
                        }
                    }
                }
                g.endOfInterrupt(cpu, id);
            }
        }
    }
}
