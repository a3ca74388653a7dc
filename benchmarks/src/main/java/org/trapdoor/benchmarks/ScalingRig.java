package org.trapdoor.benchmarks;

import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.core.pci.PciDomain;
import org.trapdoor.core.pci.UpstreamPort;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * A machine grown to {@code functions} test endpoints with {@link #VECTORS} MSI-X vectors each:
 * {@code virt-noiommu} (DeviceID = requester ID), 256 functions per bus (slot.function 00.0 ..
 * 1f.7) on buses 0, 1, 2, ... of the one ECAM bridge, every vector of every function mapped by the
 * ITS to an LPI of its own (8192 + function * 32 + vector) on CPU 0. Functions beyond bus 0 are
 * plugged into the bridge's hierarchy by hand (the machine's {@code --device} plugs bus 0 only),
 * as devices behind a switch would be; the MSI path is the same port, bridge, ITS and GIC.
 *
 * <p>The guest's work is done as {@link MsiRig} does it (config writes, ITS commands, MSI-X
 * entries), here through each function's own config accessor and BAR decode.
 */
final class ScalingRig {
    static final int VECTORS = 32;
    static final int MAX_FUNCTIONS = 1024;
    static final long RAM = MsiRig.RAM;
    static final long PROP = RAM + 0x10_0000;
    static final long PEND = RAM + 0x20_0000;
    static final long CMDQ = RAM + 0x30_0000;
    static final long DT = RAM + 0x31_0000;
    /** 16 pages: DeviceIDs up to 0x3ff need more than the 512 entries one page holds. */
    static final int DT_PAGES = 16;
    static final long CT = RAM + 0x32_0000;
    static final long ITT = RAM + 0x40_0000;
    static final long BAR2 = 0x80_0000_0000L;
    static final int FIRST_LPI = 8192;

    /** CPU 0: acknowledges and ends every interrupt at once, counting them. Allocation-free. */
    static final class Cpu implements InterruptSink {
        private InterruptController gic;
        long total;

        @Override
        public void interruptPending(int cpu, int intid) {
            InterruptController g = gic;
            for (int id = g.acknowledge(cpu); id != InterruptController.SPURIOUS; id = g.acknowledge(cpu)) {
                total++;
                g.endOfInterrupt(cpu, id);
            }
        }
    }

    final ComposedMachine machine;
    final TestDevice[] devices;
    final Cpu cpu = new Cpu();
    private final MemoryTransaction tx = new MemoryTransaction();
    private long cwriter;

    ScalingRig(int functions) {
        if (functions < 1 || functions > MAX_FUNCTIONS) {
            throw new IllegalArgumentException("functions = 1.." + MAX_FUNCTIONS + ", not " + functions);
        }
        machine = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt-noiommu"));
        machine.addDriver(new EcamDriver());
        machine.addDriver(new Gicv3Driver());
        machine.addDriver(new ItsDriver());
        cpu.gic = machine.interruptControllers().get(machine.rootInterruptController());
        machine.attachSink(null, cpu);
        PciDomain domain = machine.domains().get(0);
        devices = new TestDevice[functions];
        for (int i = 0; i < functions; i++) {
            int bus = i >> 8;
            int devfn = i & 0xff;
            TestDevice d = new TestDevice(4, VECTORS);
            UpstreamPort port = domain.port(bus, devfn, machine.system());
            if (!domain.hierarchy().put(bus, devfn, d)) {
                throw new IllegalStateException(String.format("%02x:%02x.%x is taken", bus, devfn >> 3, devfn & 7));
            }
            d.connect(port);
            devices[i] = d;
        }
        program();
    }

    private void mmio(long address, int size, long value) {
        MemResult r = machine.system().write(address, size, value);
        if (r != MemResult.OK) {
            throw new IllegalStateException(String.format("set-up write 0x%x -> %s", address, r));
        }
    }

    private void command(long dw0, long dw1, long dw2) {
        PhysicalMemory mem = machine.memory();
        long a = CMDQ + cwriter;
        mem.store64(a, dw0);
        mem.store64(a + 8, dw1);
        mem.store64(a + 16, dw2);
        mem.store64(a + 24, 0);
        cwriter = (cwriter + 32) % 4096;
        mmio(MsiRig.ITS + 0x088, 8, cwriter);
    }

    private void program() {
        PhysicalMemory mem = machine.memory();
        int lpis = devices.length * VECTORS;
        for (int i = 0; i < lpis; i++) {
            mem.store(PROP + i, 1, 0xa1);
        }
        mmio(MsiRig.GICD, 4, 0x2);
        mmio(MsiRig.GICR + 0x70, 8, PROP | 15);
        mmio(MsiRig.GICR + 0x78, 8, PEND);
        mmio(MsiRig.GICR, 4, 1);
        mmio(MsiRig.ITS + 0x100, 8, (1L << 63) | DT | (DT_PAGES - 1));
        mmio(MsiRig.ITS + 0x108, 8, (1L << 63) | CT);
        mmio(MsiRig.ITS + 0x080, 8, (1L << 63) | CMDQ);
        mmio(MsiRig.ITS + 0x088, 8, 0);
        mmio(MsiRig.ITS, 4, 1);
        command(0x09, 0, 1L << 63); // MAPC ICID 0 -> CPU 0
        for (int i = 0; i < devices.length; i++) {
            long devId = i; // requester ID = bus << 8 | devfn = i; virt-noiommu maps it one to one
            command(0x08 | devId << 32, 4, (1L << 63) | (ITT + i * 256L)); // MAPD, 32 events
            for (int e = 0; e < VECTORS; e++) {
                command(0x0A | devId << 32, e | (long) (FIRST_LPI + i * VECTORS + e) << 32, 0); // MAPTI
            }
            TestDevice d = devices[i];
            long bar = BAR2 + i * 0x2000L;
            d.configWrite(0x18, 4, (int) bar);
            d.configWrite(0x1c, 4, (int) (bar >>> 32));
            d.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
            for (int v = 0; v < VECTORS; v++) {
                long e = bar + v * 16L;
                write(d, e, MsiRig.ITS_DOORBELL & 0xffff_ffffL);
                write(d, e + 4, MsiRig.ITS_DOORBELL >>> 32);
                write(d, e + 8, v);
                write(d, e + 12, 0);
            }
            d.configWrite(TestDevice.MSIX_CAP + 2, 2, PciConfig.MSIX_FLAGS_ENABLE);
        }
    }

    private void write(TestDevice d, long address, long value) {
        tx.write(address, 4, value);
        if (!d.decodeMemory(tx) || !tx.ok()) {
            throw new IllegalStateException(String.format("MSI-X entry write 0x%x not decoded", address));
        }
    }

    void close() {
        machine.close();
    }
}
