package org.trapdoor.core.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv2.Gicv2Driver;
import org.trapdoor.hw.gicv2.Gicv2mDriver;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/** The whole MSI path, device to CPU acknowledge and EOI, allocates nothing per MSI. */
class MsiPathAllocationTest {
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static void measure(ComposedMachine m, InterruptController gic, long[] taken) {
        List<MsiSource> sources = m.msiSources();
        MsiSource dev = sources.get(0);
        long probe = allocated();
        byte[] witness = new byte[4096];
        assertTrue(allocated() - probe >= witness.length, "allocation is measurable on this JVM");
        for (int round = 0; round < 3; round++) {
            long before = allocated();
            for (int i = 0; i < 10_000; i++) {
                dev.raise(i & 3);
            }
            long used = allocated() - before;
            if (round == 2) {
                // One allocation per MSI would be 160 KB or more; JIT and class loading leave a few bytes.
                assertTrue(used < 16 * 1024, "allocated " + used + " bytes for 10000 MSIs");
            }
        }
        assertEquals(30_000, taken[0]);
        assertEquals(30_000, m.msiLedger().delivered());
        m.traffic().run(0, sources); // warm
        long before = allocated();
        m.traffic().run(10_000, sources);
        assertTrue(allocated() - before < 16 * 1024, "traffic run allocated " + (allocated() - before));
        assertEquals(40_000, m.msiLedger().fired());
    }

    private static ComposedMachine machine(String preset) {
        ComposedMachine m = new ComposedMachine(Presets.load(new DeviceTreeService(), preset));
        m.addDriver(new EcamDriver());
        m.addDriver(new Gicv3Driver());
        m.addDriver(new ItsDriver());
        m.addDriver(new Gicv2Driver());
        m.addDriver(new Gicv2mDriver());
        m.addDriver(new Smmuv3Driver());
        m.addFactory(new TestDeviceFactory());
        m.attach("testdev,addr=01.0,msi=4,msix=4");
        return m;
    }

    private static long[] cpu(ComposedMachine m, InterruptController gic) {
        long[] taken = new long[1];
        m.attachSink(null, (c, intid) -> {
            for (int id = gic.acknowledge(c); id != InterruptController.SPURIOUS; id = gic.acknowledge(c)) {
                taken[0]++;
                gic.endOfInterrupt(c, id);
            }
        });
        return taken;
    }

    @Test
    void msixThroughTheItsAllocatesNothing() {
        try (ComposedMachine m = machine("virt")) {
            Guest g = new Guest(m);
            g.gicv3(64);
            g.its();
            g.mapDevice(0x08, 0, 0, 1, 2, 3);
            g.enableDevice(0x08);
            for (int v = 0; v < 4; v++) {
                g.msixEntry(v, Guest.ITS_DOORBELL, v, false);
            }
            g.enableMsix(0x08);
            InterruptController gic = m.interruptControllers().get(m.rootInterruptController());
            measure(m, gic, cpu(m, gic));
        }
    }

    @Test
    void msixThroughAnEnabledSmmuAndTheItsAllocatesNothing() {
        try (ComposedMachine m = machine("virt")) {
            Guest g = new Guest(m);
            g.gicv3(64);
            g.its();
            g.mapDevice(0x08, 0, 0, 1, 2, 3);
            SmmuGuest smmu = new SmmuGuest(m);
            smmu.enable();
            smmu.attach(0x08);
            smmu.map(0x0800_0000L, Guest.ITS_DOORBELL & ~0xFFFL);
            g.enableDevice(0x08);
            for (int v = 0; v < 4; v++) {
                g.msixEntry(v, 0x0800_0000L + (Guest.ITS_DOORBELL & 0xFFF), v, false);
            }
            g.enableMsix(0x08);
            InterruptController gic = m.interruptControllers().get(m.rootInterruptController());
            measure(m, gic, cpu(m, gic));
            assertEquals(0, m.domain("/pcie@10000000").port(0, 0x08, m.system()).iommu().current().iommu().faultCount());
        }
    }

    @Test
    void msiThroughGicv2mAllocatesNothing() {
        try (ComposedMachine m = machine("virt-gicv2m")) {
            Guest g = new Guest(m);
            g.gicv2(80);
            g.enableDevice(0x08);
            g.enableMsi(0x08, Guest.V2M_DOORBELL, 80);
            InterruptController gic = m.interruptControllers().get(m.rootInterruptController());
            measure(m, gic, cpu(m, gic));
        }
    }
}
