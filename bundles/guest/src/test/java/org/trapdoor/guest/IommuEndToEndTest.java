package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.hw.testdev.TestDevice;

/**
 * Device to memory with the SMMU in the machine's upstream path (the bridge's {@code iommu-map}): DMA
 * through the guest's mappings lands in RAM, DMA outside them faults without touching memory,
 * and MSIs reach the guest through the doorbell's IOVA.
 */
class IommuEndToEndTest {
    static final String DEV = "0000:00:01.0";
    static final long BUF = 0x4010_0040L;

    private MachineRig rig;
    private LinuxKernel kernel;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private void boot(String platform) {
        rig = new MachineRig(platform, "testdev,addr=01.0,msi=4,msix=8");
        kernel = rig.boot();
    }

    private long bar0() {
        return rig.device(DEV).bar(0).cpuAddress();
    }

    @Test
    void smmuv3MappedDmaLandsInRamAndReadsBack() {
        boot("virt");
        rig.machine.system().write(bar0() + TestDevice.BUFFER_OFFSET, 8, 0x0102_0304_0506_0708L);
        GuestDmaTest w = kernel.dmaTest(DEV, BUF, 8, true);
        assertTrue(w.ok(), w.message());
        assertTrue(w.translated());
        assertNotEquals(BUF, w.busAddress());
        assertEquals(0x0102_0304_0506_0708L, rig.machine.memory().load64(BUF));

        rig.machine.memory().store64(BUF + 8, 0x1111_2222_3333_4444L);
        GuestDmaTest r = kernel.dmaTest(DEV, BUF + 8, 8, false);
        assertTrue(r.ok(), r.message());
        assertEquals(0x1111_2222_3333_4444L, rig.machine.system().read(bar0() + TestDevice.BUFFER_OFFSET, 8));
    }

    @Test
    void smmuv3DmaOutsideTheMappingsFaultsAndLeavesMemoryAlone() {
        boot("virt");
        rig.machine.memory().store64(BUF, 0x5A5A_5A5A_5A5A_5A5AL);
        rig.machine.system().write(bar0() + TestDevice.BUFFER_OFFSET, 8, -1L);
        GuestDmaTest r = kernel.dmaRaw(DEV, BUF, 8, true);
        assertFalse(r.ok(), r.message());
        assertEquals(BUF, r.faultAddress());
        assertEquals(0x5A5A_5A5A_5A5A_5A5AL, rig.machine.memory().load64(BUF), "the physical address is not reachable");
        List<IommuFault> f = kernel.iommuFaults();
        assertEquals(IommuFault.Kind.TRANSLATION, f.get(f.size() - 1).kind());
        assertEquals(0x08, f.get(f.size() - 1).streamId());
        assertEquals(BUF, f.get(f.size() - 1).address());
        // An unmapped buffer after a DMA is unreachable again.
        GuestDmaTest ok = kernel.dmaTest(DEV, BUF, 8, true);
        assertTrue(ok.ok());
        GuestDmaTest stale = kernel.dmaRaw(DEV, ok.busAddress(), 8, true);
        assertFalse(stale.ok(), "the IOVA is gone after dma_unmap");
    }

    @Test
    void smmuv3MsisReachTheGuestThroughTheDoorbellIova() {
        boot("virt");
        raiseEveryVector();
    }

    @Test
    void mmu500MsisAndDmaWork() {
        boot("mmu500.dts");
        raiseEveryVector();
        rig.machine.system().write(bar0() + TestDevice.BUFFER_OFFSET, 4, 0xFEEDL);
        GuestDmaTest w = kernel.dmaTest(DEV, BUF, 4, true);
        assertTrue(w.ok(), w.message());
        assertEquals(0xFEED, rig.machine.memory().load32(BUF));
        assertFalse(kernel.dmaRaw(DEV, BUF, 4, true).ok());
        IommuFault last = kernel.iommuFaults().get(kernel.iommuFaults().size() - 1);
        assertEquals(0x108, last.streamId());
        assertTrue(last.context() >= 0);
    }

    private void raiseEveryVector() {
        List<GuestMsiVector> vectors = kernel.msiVectors().stream().filter(v -> v.bdf().equals(DEV)).toList();
        assertEquals(8, vectors.size());
        for (GuestMsiVector v : vectors) {
            assertEquals(0xFFFF_F040L, v.address(), "the doorbell page is the DMA domain's first IOVA");
            long before = count(v.intid());
            long delivered = rig.machine.msiLedger().delivered();
            rig.raise(DEV, v.vector());
            assertEquals(delivered + 1, rig.machine.msiLedger().delivered(), "delivered through the IOMMU: " + v);
            assertEquals(before + 1, count(v.intid()));
        }
    }

    private long count(int intid) {
        return kernel.interruptCounts().stream().filter(c -> c.intid() == intid).mapToLong(GuestIrqCount::count).sum();
    }
}
