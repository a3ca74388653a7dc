package org.trapdoor.core.msi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * A minimal guest, written against the machine the way a kernel is: it programs the GIC, the
 * ITS tables and command queue, and the device's MSI/MSI-X through ECAM and BARs, all by memory
 * accesses; its CPU takes each interrupt the moment it is signalled (acknowledge, record, EOI),
 * through whichever controller model is bound at that time.
 */
final class Guest implements InterruptSink {
    static final long RAM = 0x4000_0000L;
    static final long PROP = RAM + 0x10_0000;
    static final long PEND = RAM + 0x20_0000;
    static final long CMDQ = RAM + 0x30_0000;
    static final long DT = RAM + 0x31_0000;
    static final long CT = RAM + 0x32_0000;
    static final long ITT = RAM + 0x33_0000;

    static final long GICD = 0x0800_0000L;
    static final long GICR0 = 0x080a_0000L;
    static final long GICC = 0x0801_0000L;
    static final long ITS = 0x0808_0000L;
    static final long ITS_DOORBELL = ITS + 0x1_0040;
    static final long V2M_DOORBELL = 0x0802_0040L;
    static final long ECAM = 0x40_1000_0000L;
    static final long BAR2 = 0x80_0000_0000L;
    static final int FIRST_LPI = 8192;

    final ComposedMachine m;
    /** Synchronised: CPU threads add while the test reads. */
    final List<Integer> taken = Collections.synchronizedList(new ArrayList<>());
    private long cwriter;

    Guest(ComposedMachine m) {
        this.m = m;
    }

    @Override
    public void interruptPending(int cpu, int intid) {
        InterruptController ic = m.interruptControllers().get(m.rootInterruptController());
        for (int id = ic.acknowledge(cpu); id != InterruptController.SPURIOUS; id = ic.acknowledge(cpu)) {
            taken.add(id);
            ic.endOfInterrupt(cpu, id);
        }
    }

    void mmio(long address, int size, long value) {
        MemResult r = m.system().write(address, size, value);
        if (r != MemResult.OK) {
            throw new AssertionError(String.format("write 0x%x -> %s", address, r));
        }
    }

    // ---- GICv3 + ITS ----

    /** Group 1 on, LPIs 8192..8192+count enabled at priority 0xa0 on CPU 0's redistributor. */
    void gicv3(int lpis) {
        for (int i = 0; i < lpis; i++) {
            m.memory().store(PROP + i, 1, 0xa1);
        }
        mmio(GICD, 4, 0x2);
        mmio(GICR0 + 0x70, 8, PROP | 15);
        mmio(GICR0 + 0x78, 8, PEND);
        mmio(GICR0, 4, 1);
    }

    /** Flat device and collection tables, a 4 KiB command queue, collection 0 on CPU 0, ITS enabled. */
    void its() {
        mmio(ITS + 0x100, 8, (1L << 63) | DT);
        mmio(ITS + 0x108, 8, (1L << 63) | CT);
        mmio(ITS + 0x080, 8, (1L << 63) | CMDQ);
        mmio(ITS + 0x088, 8, 0);
        mmio(ITS, 4, 1);
        command(0x09, 0, (1L << 63), 0); // MAPC ICID 0 -> RDbase 0
    }

    void command(long dw0, long dw1, long dw2, long dw3) {
        long a = CMDQ + cwriter;
        m.memory().store64(a, dw0);
        m.memory().store64(a + 8, dw1);
        m.memory().store64(a + 16, dw2);
        m.memory().store64(a + 24, dw3);
        cwriter = (cwriter + 32) % 4096;
        mmio(ITS + 0x088, 8, cwriter);
    }

    /** MAPD with a 2^5-entry ITT, then MAPTI event e -> LPI 8192 + lpiBase + e for each event. */
    void mapDevice(int deviceId, int lpiBase, int... events) {
        command(0x08 | ((long) deviceId << 32), 4, (1L << 63) | ITT, 0);
        for (int e : events) {
            command(0x0A | ((long) deviceId << 32), e | ((long) (FIRST_LPI + lpiBase + e) << 32), 0, 0);
        }
    }

    // ---- GICv2 ----

    /** Distributor and CPU 0's interface on; SPIs first..first+3 edge-triggered, enabled, to CPU 0. */
    void gicv2(int first) {
        mmio(GICD, 4, 1);
        mmio(GICD + 0x800 + first, 4, 0x0101_0101L);
        mmio(GICD + 0x400 + first, 4, 0xa0a0_a0a0L);
        long cfg = GICD + 0xC00 + 4 * (first / 16);
        long v = m.system().read(cfg, 4);
        mmio(cfg, 4, v | (0xAAL << ((first % 16) * 2)));
        mmio(GICD + 0x100 + 4 * (first / 32), 4, 0xfL << (first % 32));
        mmio(GICC + 0x4, 4, 0xff);
        mmio(GICC, 4, 1);
    }

    // ---- the device, through ECAM and its BAR ----

    void config(int devfn, int offset, int size, long value) {
        mmio(ECAM + ((long) devfn << 12) + offset, size, value);
    }

    /** Memory decoding and bus mastering on, BAR2 (the MSI-X table) at 0x80_0000_0000. */
    void enableDevice(int devfn) {
        config(devfn, 0x18, 4, BAR2 & 0xffff_ffffL);
        config(devfn, 0x1c, 4, BAR2 >>> 32);
        config(devfn, PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
    }

    /** MSI-X entry {@code v}: address, data, unmasked unless {@code masked}. */
    void msixEntry(int v, long address, int data, boolean masked) {
        long e = BAR2 + v * 16L;
        mmio(e, 4, address & 0xffff_ffffL);
        mmio(e + 4, 4, address >>> 32);
        mmio(e + 8, 4, data & 0xffff_ffffL);
        mmio(e + 12, 4, masked ? 1 : 0);
    }

    void unmaskMsix(int v) {
        mmio(BAR2 + v * 16L + 12, 4, 0);
    }

    void enableMsix(int devfn) {
        config(devfn, TestDevice.MSIX_CAP + 2, 2, PciConfig.MSIX_FLAGS_ENABLE);
    }

    /** MSI with 4 vectors (MME = 2) to {@code address}, data {@code data} (its low 2 bits carry the vector). */
    void enableMsi(int devfn, long address, int data) {
        int cap = TestDevice.MSI_CAP;
        config(devfn, cap + PciConfig.MSI_ADDRESS_LO, 4, address & 0xffff_ffffL);
        config(devfn, cap + PciConfig.MSI_ADDRESS_HI, 4, address >>> 32);
        config(devfn, cap + PciConfig.MSI_DATA_64, 2, data);
        config(devfn, cap + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE | (2 << 4));
    }
}
