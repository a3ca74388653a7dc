package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;
import static org.trapdoor.guest.ArmSmmuv3Test.translate;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.guest.dma.DmaApi.Direction;

/** The guest drives an MMU-500 (own fixture, StreamID = RID + 0x100) through SMRs, S2CRs and context banks. */
class ArmSmmuTest {
    static final String DEV1 = "0000:00:01.0";
    static final String DEV2 = "0000:00:02.0";
    static final String ITS = "/intc@8000000/msi-controller@8080000";
    static final long BUF = 0x4010_0020L;

    private MachineRig rig;
    private LinuxKernel kernel;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private LinuxKernel boot(boolean withIts) {
        rig = new MachineRig("mmu500.dts", "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        if (!withIts) {
            rig.machine.unbind(ITS);
        }
        kernel = rig.boot();
        return kernel;
    }

    private GuestIommuDomain domain(String bdf) {
        return kernel.iommuDomains().stream().filter(d -> d.bdf().equals(bdf)).findFirst()
                .orElseThrow(() -> new AssertionError("no DMA domain for " + bdf + "\n" + String.join("\n", kernel.bootLog())));
    }

    @Test
    void eachFunctionIsMatchedToItsOwnStage1ContextBank() {
        boot(true);
        GuestIommuDomain d1 = domain(DEV1);
        GuestIommuDomain d2 = domain(DEV2);
        assertEquals("SMMUv2", d1.kind());
        assertEquals(0x108, d1.streamId(), "iommu-map: RID 0x08 + 0x100");
        assertEquals(0x110, d2.streamId());
        assertTrue(d1.context() >= 0 && d2.context() >= 0 && d1.context() != d2.context(), "a context bank each");
        assertEquals(kernel.pciDevices().size(), kernel.iommuDomains().size(), "every function has a domain");
        assertEquals(d1.context(), d1.asid(), "the ASID of a stage-1 domain is its context bank");
        assertFalse(rig.iommu().mode().isEmpty());
    }

    @Test
    void mappingsTranslateThroughTheContextBankTheGuestProgrammed() {
        boot(true);
        Iommu smmu = rig.iommu();
        long iova = kernel.dma().map(DEV2, BUF, 0x80, Direction.BIDIRECTIONAL);
        assertEquals(0xFFFF_E020L, iova, "below the ITS doorbell's page, the domain's first IOVA");
        MemoryTransaction tx = translate(smmu, 0x110, iova, true);
        assertTrue(tx.ok(), tx.toString());
        assertEquals(BUF, tx.address);
        assertFalse(translate(smmu, 0x108, iova, true).ok(), "DEV1's context bank has no such mapping");
        long ro = kernel.dma().map(DEV2, 0x4020_0000L, 0x1000, Direction.TO_DEVICE);
        assertTrue(translate(smmu, 0x110, ro, false).ok());
        assertFalse(translate(smmu, 0x110, ro, true).ok(), "DMA_TO_DEVICE is read-only (AP[2])");
    }

    @Test
    void unmatchedStreamsFaultInsteadOfBypassing() {
        boot(true);
        MemoryTransaction tx = translate(rig.iommu(), 0x7, BUF, true);
        assertFalse(tx.ok(), "sCR0.USFCFG: an unmatched stream faults");
        List<IommuFault> f = kernel.iommuFaults();
        assertEquals(IommuFault.Kind.UNIDENTIFIED_STREAM, f.get(f.size() - 1).kind());
        assertEquals(0x7, f.get(f.size() - 1).streamId());
    }

    @Test
    void contextFaultIsLatchedAndReadBackWithStreamIdAndAddress() {
        boot(true);
        assertFalse(translate(rig.iommu(), 0x108, 0x5000_0000L, false).ok());
        List<IommuFault> f = kernel.iommuFaults();
        assertEquals(1, f.size(), f.toString());
        assertEquals(IommuFault.Kind.TRANSLATION, f.get(0).kind());
        assertEquals(0x108, f.get(0).streamId());
        assertEquals(0x5000_0000L, f.get(0).address());
        assertEquals(domain(DEV1).context(), f.get(0).context());
        assertFalse(f.get(0).write());
        // FSR was acknowledged: a second fault latches again.
        assertFalse(translate(rig.iommu(), 0x108, 0x6000_0000L, true).ok());
        List<IommuFault> g = kernel.iommuFaults();
        assertEquals(2, g.size(), g.toString());
        assertEquals(0x6000_0000L, g.get(1).address());
        assertTrue(g.get(1).write());
    }

    @Test
    void unmapIssuesTlbiVaSoTheTranslationGoes() {
        boot(true);
        Iommu smmu = rig.iommu();
        long iova = kernel.dma().map(DEV1, BUF, 0x10, Direction.FROM_DEVICE);
        assertTrue(translate(smmu, 0x108, iova, true).ok());
        long hits = smmu.iotlbHits();
        assertTrue(translate(smmu, 0x108, iova, true).ok());
        assertEquals(hits + 1, smmu.iotlbHits());
        kernel.dma().unmap(DEV1, iova, 0x10, Direction.FROM_DEVICE);
        assertFalse(translate(smmu, 0x108, iova, true).ok(), "no stale TLB entry after TLBIVA + TLBSYNC");
    }

    @Test
    void itsDoorbellIsReachedThroughTheDomainsTopIova() {
        boot(true);
        List<GuestMsiVector> v = kernel.msiVectors();
        assertFalse(v.isEmpty());
        for (GuestMsiVector m : v) {
            assertEquals(GuestMsiVector.Target.LPI, m.target());
            assertEquals(0xFFFF_F040L, m.address(), "iommu_dma_get_msi_page: top-down below the 32-bit mask: " + m);
            MemoryTransaction tx = translate(rig.iommu(), m.bdf().equals(DEV1) ? 0x108 : 0x110, m.address(), true);
            assertTrue(tx.ok(), tx.toString());
            assertEquals(0x0808_0000L + 0x10040, tx.address);
        }
    }

    @Test
    void v2mFrameIsReachedThroughTheDomainsTopIova() {
        boot(false);
        List<GuestMsiVector> v = kernel.msiVectors();
        assertFalse(v.isEmpty(), String.join("\n", kernel.bootLog()));
        for (GuestMsiVector m : v) {
            assertEquals(GuestMsiVector.Target.SPI, m.target());
            assertEquals(0xFFFF_F040L, m.address(), "frame page at the domain's first IOVA + MSI_SETSPI_NS");
            MemoryTransaction tx = translate(rig.iommu(), m.bdf().equals(DEV1) ? 0x108 : 0x110, m.address(), true);
            assertTrue(tx.ok(), tx.toString());
            assertEquals(0x0802_0040L, tx.address);
        }
    }

    @Test
    void iommuPassthroughMatchesStreamsToBypassS2crs() {
        rig = new MachineRig("mmu500.dts", "testdev,addr=01.0,msi=4,msix=8");
        kernel = rig.boot(new LinuxKernel.Params(true));
        assertTrue(kernel.iommuDomains().isEmpty());
        assertTrue(kernel.msiVectors().stream().allMatch(v -> v.address() == 0x0808_0000L + 0x10040));
        MemoryTransaction tx = translate(rig.iommu(), 0x108, BUF, true);
        assertTrue(tx.ok(), tx.toString());
        assertEquals(BUF, tx.address);
        assertFalse(translate(rig.iommu(), 0x7, BUF, true).ok(), "unmatched streams still fault");
    }

    @Test
    void aNewDoorbellAfterAnMsiReprobeGetsTheNextIovaDown() {
        boot(true);
        rig.machine.unbind(ITS);
        kernel.reprobeMsi();
        List<GuestMsiVector> v = kernel.msiVectors();
        assertFalse(v.isEmpty(), String.join("\n", kernel.bootLog()));
        for (GuestMsiVector m : v) {
            assertEquals(GuestMsiVector.Target.SPI, m.target());
            assertEquals(0xFFFF_E040L, m.address(), "the ITS keeps its doorbell page, the v2m frame gets the next IOVA down");
            MemoryTransaction tx = translate(rig.iommu(), m.bdf().equals(DEV1) ? 0x108 : 0x110, m.address(), true);
            assertEquals(0x0802_0040L, tx.address);
        }
    }
}
