package org.trapdoor.core.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.DmaResult;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/**
 * DMA and MSIs of the test endpoint with the {@code virt} preset's SMMUv3 in the upstream path
 * (the bridge's {@code iommu-map} gives 00:01.0 StreamID 0x08): translated by the tables the
 * guest put in RAM, faulting outside them without touching memory, aborted and counted while the
 * SMMU is unbound, and picked up again from memory when it is rebound.
 */
class IommuPathTest {
    private static final int DEVFN = 0x08;
    private static final int SID = 0x08;
    /** Where the guest maps the ITS translater page, as Linux's iommu-dma maps MSI doorbells. */
    private static final long DOORBELL_IOVA = 0x0800_0000L;
    private static final long IOVA = 0x0010_0000L;
    private static final long PA = Guest.RAM + 0x50_0000;
    /** A RAM address the device has no mapping for (also not mapped at any IOVA). */
    private static final long UNMAPPED = Guest.RAM + 0x60_0000;

    private ComposedMachine m;
    private Guest guest;
    private SmmuGuest smmu;
    private TestDevice dev;
    private long raises;

    @BeforeEach
    void boot() {
        m = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt"));
        m.addDriver(new EcamDriver());
        m.addDriver(new Gicv3Driver());
        m.addDriver(new ItsDriver());
        m.addDriver(new Smmuv3Driver());
        m.addFactory(new TestDeviceFactory());
        m.attach("testdev,addr=01.0,msi=4,msix=8");
        dev = (TestDevice) m.msiSources().get(0);
        guest = new Guest(m);
        m.attachSink(null, guest);
        guest.gicv3(64);
        guest.its();
        guest.mapDevice(DEVFN, 0, 0, 1, 2, 3);
        smmu = new SmmuGuest(m);
        smmu.enable();
        smmu.attach(SID);
        smmu.map(IOVA, PA);
        smmu.map(DOORBELL_IOVA, Guest.ITS_DOORBELL & ~0xFFFL);
        guest.enableDevice(DEVFN);
        for (int v = 0; v < 4; v++) {
            guest.msixEntry(v, DOORBELL_IOVA + (Guest.ITS_DOORBELL & 0xFFF), v, false);
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
    void thePortOfADeviceBehindTheIommuMapKnowsItsStreamIdAndIommu() {
        var port = m.domain("/pcie@10000000").port(0, DEVFN, m.system());
        assertEquals(SID, port.streamId());
        assertSame(m.platform().find("smmu"), port.iommu().node());
        assertInstanceOf(Smmuv3.class, iommu());
        assertTrue(iommu().mode().startsWith("enabled"), iommu().mode());
    }

    @Test
    void aDmaToAMappedIovaLandsInRamAtTheTranslatedAddress() {
        dev.writeBuffer(0, 8, 0x0102_0304_0506_0708L);
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.TO_BUS, 0, IOVA + 0x40, 8));
        assertEquals(0x0102_0304_0506_0708L, m.memory().load64(PA + 0x40));

        m.memory().store64(PA + 0x80, 0x1111_2222_3333_4444L);
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.FROM_BUS, IOVA + 0x80, 16, 8));
        assertEquals(0x1111_2222_3333_4444L, dev.readBuffer(16, 8));
        assertEquals(0, iommu().faultCount());
    }

    @Test
    void theMachineListsItsIommuNodesWithTheModelBoundNowOrNull() {
        assertEquals(List.of("/iommu@9050000"), List.copyOf(m.iommus().keySet()));
        assertSame(iommu(), m.iommus().get("/iommu@9050000"));
        m.unbind("smmu");
        assertTrue(m.iommus().containsKey("/iommu@9050000"));
        assertNull(m.iommus().get("/iommu@9050000"), "unbound: no model");
        m.autoBind("smmu");
        assertSame(iommu(), m.iommus().get("/iommu@9050000"));
        assertEquals(Map.of(),
                new ComposedMachine(Presets.load(new DeviceTreeService(), "virt-noiommu")).iommus(), "no IOMMU node");
    }

    @Test
    void aDmaOutsideTheMappingsFaultsIsRecordedAndCountedAndLeavesRamAlone() {
        m.memory().store64(UNMAPPED, 0x5A5A_5A5A_5A5A_5A5AL);
        dev.writeBuffer(0, 8, -1L);
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, UNMAPPED, 8));
        assertEquals(0x5A5A_5A5A_5A5A_5A5AL, m.memory().load64(UNMAPPED), "the physical address is not reachable");

        long[] e = smmu.event();
        assertNotNull(e, "an event record in the SMMU's event queue");
        assertEquals(0x10, e[0] & 0xFF, "F_TRANSLATION");
        assertEquals(SID, e[0] >>> 32, "StreamID");
        assertEquals(UNMAPPED, e[2], "input address");
        assertEquals(0, e[1] & (1L << 35), "a write (RnW = 0)");
        assertNull(smmu.event(), "one record per faulting transaction");
        assertEquals(1, iommu().faultCount());
        List<IommuFault> f = iommu().recentFaults();
        assertEquals(IommuFault.Kind.TRANSLATION, f.get(f.size() - 1).kind());
        assertEquals(1, dev.dmasFailed());
        assertEquals(0, m.node("smmu").upstreamAborts(), "a fault is the SMMU's, not an unbound node's");
    }

    @Test
    void msisThroughTheIommuReachTheCpu() {
        for (int v = 0; v < 4; v++) {
            assertEquals(MsiOutcome.SENT, raise(v));
        }
        assertEquals(List.of(8192, 8193, 8194, 8195), guest.taken);
        assertEquals(4, m.msiLedger().delivered());
    }

    @Test
    void anMsiToAnUnmappedDoorbellIovaIsAnIommuFault() {
        guest.msixEntry(5, Guest.ITS_DOORBELL, 5, false);
        raise(5);
        assertEquals(1, m.msiLedger().dropped(DropReason.IOMMU_FAULT));
        assertEquals(List.of(), guest.taken);
        long[] e = smmu.event();
        assertNotNull(e);
        assertEquals(Guest.ITS_DOORBELL, e[2]);
    }

    @Test
    void unbindingTheSmmuAbortsAndCountsDmaAndMsisAndRebindingResumesWithNoGuestAction() {
        m.memory().store64(PA, 0x77);
        dev.writeBuffer(0, 8, 0x1234_5678L);
        m.unbind("smmu");
        assertEquals(NodeState.UNBOUND, m.node("smmu").state());
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, IOVA, 8));
        assertEquals(0x77, m.memory().load64(PA), "an aborted DMA does not reach memory");
        raise(0);
        raise(1);
        assertEquals(2, m.msiLedger().dropped(DropReason.IOMMU_UNBOUND));
        assertEquals(3, m.node("smmu").upstreamAborts(), "one DMA write and two MSIs");
        assertEquals(List.of(), guest.taken);

        m.autoBind("smmu");
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.TO_BUS, 0, IOVA, 8));
        assertEquals(0x1234_5678L, m.memory().load64(PA));
        raise(2);
        assertEquals(List.of(8194), guest.taken);
        assertEquals(3, m.node("smmu").upstreamAborts());
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, UNMAPPED, 8), "the mappings still apply");
        assertEquals(0x10, smmu.event()[0] & 0xFF, "the rebound SMMU writes the same event queue");
    }

    @Test
    void rebindingTheSmmuToTheSameDriverKeepsTranslating() {
        for (int i = 0; i < 5; i++) {
            m.bind("smmu", "smmuv3");
            assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.TO_BUS, 0, IOVA, 8));
            assertEquals(MsiOutcome.SENT, raise(i & 3));
        }
        assertEquals(5, m.msiLedger().delivered());
        assertEquals(0, m.node("smmu").upstreamAborts());
    }

    @Test
    void aDeviceBehindABridgeWithoutAnIommuMapGoesStraightToMemory() {
        try (ComposedMachine plain = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt-gicv2m"))) {
            plain.addDriver(new EcamDriver());
            plain.addDriver(new Smmuv3Driver());
            plain.addFactory(new TestDeviceFactory());
            plain.attach("testdev,addr=01.0");
            var port = plain.domain("/pcie@10000000").port(0, DEVFN, plain.system());
            assertNull(port.iommu());
            assertEquals(-1, port.streamId());
            TestDevice d = (TestDevice) plain.msiSources().get(0);
            plain.system().write(Guest.ECAM + ((long) DEVFN << 12) + 4, 2, 0x6);
            d.writeBuffer(0, 4, 0xABCDL);
            assertEquals(DmaResult.OK, d.dma(TestDevice.Direction.TO_BUS, 0, PA, 4));
            assertEquals(0xABCDL, plain.memory().load32(PA));
        }
    }
}
