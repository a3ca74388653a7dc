package org.trapdoor.core.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv2.Smmuv2;
import org.trapdoor.hw.smmuv2.Smmuv2Driver;
import org.trapdoor.hw.testdev.DmaResult;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/**
 * The upstream path through an MMU-500 (SMMUv2), StreamID = RID + 0x100 by the bridge's
 * iommu-map: at reset (sCR0.CLIENTPD) every stream bypasses; once software clears CLIENTPD with
 * unmatched streams set to fault, the device's DMA and MSIs fault with a global fault record;
 * unbinding aborts and counts; rebinding takes the registers over and faults again with no guest
 * action.
 */
class Mmu500PathTest {
    private static final int DEVFN = 0x08;
    private static final long SMMU = 0x0905_0000L;
    private static final long BUF = Guest.RAM + 0x50_0000;
    /** sCR0: GFRE (report global faults) | USFCFG (unmatched streams fault), CLIENTPD clear. */
    private static final long SCR0_FAULT_UNMATCHED = 1 << 1 | 1 << 10;

    private ComposedMachine m;
    private Guest guest;
    private TestDevice dev;
    private long raises;

    @BeforeEach
    void boot() throws IOException {
        String dts;
        try (InputStream in = getClass().getResourceAsStream("/mmu500.dts")) {
            dts = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        m = new ComposedMachine(new DeviceTreeService().parseDts(dts, "mmu500.dts"));
        m.addDriver(new EcamDriver());
        m.addDriver(new Gicv3Driver());
        m.addDriver(new ItsDriver());
        m.addDriver(new Smmuv2Driver());
        m.addFactory(new TestDeviceFactory());
        m.attach("testdev,addr=01.0,msi=4,msix=8");
        dev = (TestDevice) m.msiSources().get(0);
        guest = new Guest(m);
        m.attachSink(null, guest);
        guest.gicv3(64);
        guest.its();
        guest.mapDevice(DEVFN, 0, 0, 1, 2, 3);
        guest.enableDevice(DEVFN);
        for (int v = 0; v < 4; v++) {
            guest.msixEntry(v, Guest.ITS_DOORBELL, v, false);
        }
        guest.enableMsix(DEVFN);
    }

    @AfterEach
    void everyMsiIsAccountedForExactlyOnce() {
        InterruptCounters l = m.msiLedger();
        assertEquals(raises, l.fired(), "" + l.snapshot());
        assertEquals(l.fired(), l.delivered() + l.dropped());
        m.close();
    }

    private Iommu iommu() {
        return m.domain("/pcie@10000000").port(0, DEVFN, m.system()).iommu().current().iommu();
    }

    private MsiOutcome raise(int vector) {
        raises++;
        return dev.raise(vector);
    }

    @Test
    void atResetEveryStreamBypassesTheMmu500() {
        assertInstanceOf(Smmuv2.class, iommu());
        assertEquals(0x108, m.domain("/pcie@10000000").port(0, DEVFN, m.system()).streamId());
        dev.writeBuffer(0, 8, 0xCAFEL);
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.TO_BUS, 0, BUF, 8));
        assertEquals(0xCAFEL, m.memory().load64(BUF));
        raise(1);
        assertEquals(List.of(8193), guest.taken);
    }

    @Test
    void unmatchedStreamsFaultAndUnbindAbortsAndRebindKeepsFaultingWithNoGuestAction() {
        guest.mmio(SMMU, 4, SCR0_FAULT_UNMATCHED);
        m.memory().store64(BUF, 0x5A);
        dev.writeBuffer(0, 8, 0xCAFEL);
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, BUF, 8));
        assertEquals(0x5A, m.memory().load64(BUF), "a faulting DMA does not touch memory");
        assertNotEquals(0, m.system().read(SMMU + 0x48, 4) & 2, "sGFSR.USF");
        IommuFault f = iommu().recentFaults().get(iommu().recentFaults().size() - 1);
        assertEquals(IommuFault.Kind.UNIDENTIFIED_STREAM, f.kind());
        assertEquals(0x108, f.streamId());
        raise(0);
        assertEquals(1, m.msiLedger().dropped(DropReason.IOMMU_FAULT));

        m.unbind("smmu");
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, BUF, 8));
        raise(1);
        assertEquals(2, m.node("smmu").upstreamAborts());
        assertEquals(1, m.msiLedger().dropped(DropReason.IOMMU_UNBOUND));

        m.autoBind("smmu");
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, BUF, 8), "sCR0 was taken over");
        assertEquals(1, iommu().faultCount(), "the new model faults the stream itself");
        guest.mmio(SMMU, 4, 1); // CLIENTPD: bypass again
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.TO_BUS, 0, BUF, 8));
        assertEquals(0xCAFEL, m.memory().load64(BUF));
        assertEquals(2, m.node("smmu").upstreamAborts());
        assertEquals(List.of(), guest.taken);
    }
}
