package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestDmaMapping;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.guest.dma.DmaApi;
import org.trapdoor.guest.dma.DmaApi.Direction;
import org.trapdoor.guest.iommu.IommuDomain;
import org.trapdoor.guest.iommu.IoPgtableArm;
import org.trapdoor.guest.iommu.ArmSmmuv3;

/** The guest drives the virt preset's SMMUv3 as Linux does; checked through the model's own translate(). */
class ArmSmmuv3Test {
    static final String DEV1 = "0000:00:01.0";
    static final String DEV2 = "0000:00:02.0";
    static final long BUF = 0x4010_0010L;
    static final long ITS_TRANSLATER = 0x0808_0000L + 0x10040;

    private MachineRig rig;
    private LinuxKernel kernel;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private LinuxKernel boot(String platform) {
        rig = new MachineRig(platform, "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        kernel = rig.boot();
        return kernel;
    }

    private GuestIommuDomain domain(String bdf) {
        return kernel.iommuDomains().stream().filter(d -> d.bdf().equals(bdf)).findFirst()
                .orElseThrow(() -> new AssertionError("no DMA domain for " + bdf));
    }

    /** Sends one transaction through the SMMU model as the upstream port would. */
    static MemoryTransaction translate(Iommu smmu, int sid, long iova, boolean write) {
        MemoryTransaction tx = write ? new MemoryTransaction().write(iova, 4, 0) : new MemoryTransaction().read(iova, 4);
        tx.streamId = sid;
        smmu.translate(tx);
        return tx;
    }

    @Test
    void everyFunctionGetsItsOwnStage1DomainKeyedByItsStreamId() {
        boot("virt");
        assertTrue(rig.iommu().mode().startsWith("enabled"), rig.iommu().mode());
        GuestIommuDomain d1 = domain(DEV1);
        GuestIommuDomain d2 = domain(DEV2);
        assertEquals("SMMUv3", d1.kind());
        assertEquals("/iommu@9050000", d1.iommu());
        assertEquals(0x08, d1.streamId(), "identity iommu-map: StreamID = RID");
        assertEquals(0x10, d2.streamId());
        assertNotEquals(d1.asid(), d2.asid(), "an ASID per domain");
        assertNotEquals(d1.tableBase(), d2.tableBase(), "a page table per domain");
        assertTrue(kernel.bootLog().stream().anyMatch(l -> l.contains("SMMUv3@0x9050000") && l.contains("2-level")),
                String.join("\n", kernel.bootLog()));

        // What the guest wrote to memory: STE V | Config S1 -> CD; CD V | AA64 | R | A, T0SZ 16, the ASID, TTB0.
        ArmSmmuv3 drv = (ArmSmmuv3) kernel.iommu().drivers().get("/iommu@9050000");
        long ste = rig.machine.memory().load64(drv.ste(0x08));
        assertEquals(1, ste & 1, "V");
        assertEquals(5, (ste >>> 1) & 7, "Config = S1 translate");
        assertEquals(drv.cd(0x08), ste & 0x000F_FFFF_FFFF_FFC0L, "S1ContextPtr");
        long cd0 = rig.machine.memory().load64(drv.cd(0x08));
        assertEquals(16, cd0 & 0x3F, "T0SZ for a 48-bit IAS");
        assertEquals(0, (cd0 >>> 6) & 3, "TG0 = 4 KiB");
        assertTrue((cd0 & (1L << 31)) != 0 && (cd0 & (1L << 41)) != 0 && (cd0 & (1L << 45)) != 0
                && (cd0 & (1L << 46)) != 0, "V, AA64, R, A");
        assertEquals(d1.asid(), cd0 >>> 48);
        assertEquals(d1.tableBase(), rig.machine.memory().load64(drv.cd(0x08) + 8));
    }

    @Test
    void streamingMappingsTranslateThroughTheGuestsSteCdAndTablesTopDownBelowFourGiB() {
        boot("virt");
        DmaApi dma = kernel.dma();
        // The ITS doorbell took the top page below the 32-bit mask when MSIs were set up at boot.
        long a = dma.map(DEV1, BUF, 0x100, Direction.BIDIRECTIONAL);
        long b = dma.map(DEV1, 0x4020_0000L, 0x2000, Direction.FROM_DEVICE);
        assertEquals(0xFFFF_E010L, a, "first buffer: the next page down below the doorbell's, plus the offset");
        assertEquals(0xFFFF_C000L, b, "two pages, size-aligned, next down");
        dma.setMask(DEV2, -1L);
        assertEquals(0xFFFF_E000L, dma.map(DEV2, 0x4030_0000L, 0x1000, Direction.TO_DEVICE),
                "a 64-bit PCI device still gets IOVAs below 4 GiB first");
        dma.setMask(DEV2, 0x0FFF_FFFFL);
        assertEquals(0x0FFF_F000L, dma.map(DEV2, 0x4031_0000L, 0x1000, Direction.TO_DEVICE), "below a 28-bit mask");

        Iommu smmu = rig.iommu();
        MemoryTransaction tx = translate(smmu, 0x08, a, true);
        assertTrue(tx.ok(), tx.toString());
        assertEquals(BUF, tx.address);
        tx = translate(smmu, 0x08, b + 0x1ff8, true);
        assertTrue(tx.ok(), tx.toString());
        assertEquals(0x4020_1ff8L, tx.address);
        assertFalse(translate(smmu, 0x10, a, true).ok(), "another function's StreamID does not see DEV1's mapping");

        IoPgtableArm table = kernel.iommu().domain(DEV1).table();
        assertEquals(BUF, table.iovaToPhys(a), "the guest's own walk agrees with the SMMU's");
        assertEquals(-1, table.iovaToPhys(0x1000_0000L));
        assertThrows(IllegalArgumentException.class,
                () -> table.map(a & ~0xFFFL, 0x4060_0000L, 0x1000, IoPgtableArm.READ), "no silent remap of a live IOVA");
        assertEquals(BUF, translate(smmu, 0x08, a, false).address, "the refused remap left the mapping alone");

        List<GuestDmaMapping> maps = domain(DEV1).mappings();
        assertTrue(maps.contains(new GuestDmaMapping(0xFFFF_E000L, 0x4010_0000L, 0x1000, true, true, "dma")), maps.toString());
        assertTrue(maps.contains(new GuestDmaMapping(0xFFFF_C000L, 0x4020_0000L, 0x2000, true, true, "dma")), maps.toString());
    }

    @Test
    void toDeviceMappingsAreReadOnlyForTheDevice() {
        boot("virt");
        long iova = kernel.dma().map(DEV1, BUF, 64, Direction.TO_DEVICE);
        assertTrue(translate(rig.iommu(), 0x08, iova, false).ok());
        MemoryTransaction w = translate(rig.iommu(), 0x08, iova, true);
        assertFalse(w.ok(), "a device write to a DMA_TO_DEVICE buffer faults");
        IommuFault f = kernel.iommuFaults().get(kernel.iommuFaults().size() - 1);
        assertEquals(IommuFault.Kind.PERMISSION, f.kind());
        assertEquals(iova, f.address());
        assertTrue(f.write());
    }

    @Test
    void unmappedIovaFaultsAndTheGuestReadsTheEventWithStreamIdAndAddress() {
        boot("virt");
        MemoryTransaction tx = translate(rig.iommu(), 0x10, 0x1234_5000L, true);
        assertFalse(tx.ok());
        List<IommuFault> faults = kernel.iommuFaults();
        assertEquals(1, faults.size(), faults.toString());
        assertEquals(IommuFault.Kind.TRANSLATION, faults.get(0).kind());
        assertEquals(0x10, faults.get(0).code(), "F_TRANSLATION");
        assertEquals(0x10, faults.get(0).streamId());
        assertEquals(0x1234_5000L, faults.get(0).address());
        assertTrue(faults.get(0).write());
        assertEquals(1, kernel.iommuFaults().size(), "the event was consumed once");
    }

    @Test
    void unattachedStreamsAbortWithoutBypass() {
        boot("virt");
        // StreamID 0x18 has no function: its STE aborts.
        MemoryTransaction tx = translate(rig.iommu(), 0x18, BUF, true);
        assertFalse(tx.ok());
        assertEquals(BUF, tx.address, "not translated");
    }

    @Test
    void unmapInvalidatesTheTlbAndFreesTheIovaForReuse() {
        boot("virt");
        Iommu smmu = rig.iommu();
        long iova = kernel.dma().map(DEV1, BUF, 0x100, Direction.FROM_DEVICE);
        assertTrue(translate(smmu, 0x08, iova, true).ok());
        long hits = smmu.iotlbHits();
        assertTrue(translate(smmu, 0x08, iova, true).ok());
        assertEquals(hits + 1, smmu.iotlbHits(), "the translation is cached in the IOTLB");
        kernel.dma().unmap(DEV1, iova, 0x100, Direction.FROM_DEVICE);
        assertFalse(translate(smmu, 0x08, iova, true).ok(), "no stale IOTLB entry after the unmap");
        assertTrue(domain(DEV1).mappings().stream().noneMatch(m -> m.purpose().equals("dma")));
        assertEquals(iova, kernel.dma().map(DEV1, 0x4040_0010L, 0x100, Direction.FROM_DEVICE), "the IOVA is reused");
        MemoryTransaction tx = translate(smmu, 0x08, iova, true);
        assertEquals(0x4040_0010L, tx.address, "and now translates to the new buffer");
        assertThrows(IllegalArgumentException.class, () -> kernel.dma().unmap(DEV1, 0x1000, 1, Direction.TO_DEVICE));
    }

    @Test
    void coherentBuffersAreMappedReadWrite() {
        boot("virt");
        DmaApi.Coherent c = kernel.dma().allocCoherent(DEV2, 0x3000);
        assertEquals(0x3000, c.size());
        assertTrue(c.dmaAddress() < 0x1_0000_0000L && c.dmaAddress() != c.cpuPhys());
        MemoryTransaction tx = translate(rig.iommu(), 0x10, c.dmaAddress() + 0x2abc, true);
        assertTrue(tx.ok(), tx.toString());
        assertEquals(c.cpuPhys() + 0x2abc, tx.address);
    }

    @Test
    void msiDoorbellsOfDmaDomainsTakeTheirIovaFromTheAllocatorBelowTheDmaMask() {
        boot("virt");
        List<GuestMsiVector> vectors = kernel.msiVectors();
        assertEquals(12, vectors.size());
        for (GuestMsiVector v : vectors) {
            // iommu_dma_get_msi_page: the first IOVA of each function's domain, top-down below
            // its 32-bit DMA mask, + GITS_TRANSLATER's offset in its page.
            assertEquals(0xFFFF_F040L, v.address(), "ITS translater page at the domain's first IOVA: " + v);
            int sid = v.bdf().equals(DEV1) ? 0x08 : 0x10;
            MemoryTransaction tx = translate(rig.iommu(), sid, v.address(), true);
            assertTrue(tx.ok(), tx.toString());
            assertEquals(ITS_TRANSLATER, tx.address);
        }
        GuestDmaMapping msi = domain(DEV1).mappings().stream().filter(m -> m.purpose().equals("msi")).findFirst()
                .orElseThrow();
        assertEquals(new GuestDmaMapping(0xFFFF_F000L, 0x0809_0000L, 0x1000, true, true, "msi"), msi);
        assertEquals(IommuDomain.Type.DMA, kernel.iommu().domain(DEV1).type());
        // IOMMU_RESV_SW_MSI is not reserved in a DMA domain: below a 28-bit mask (the 32-bit PCI
        // window above it is reserved) the only 128 MiB-aligned 128 MiB is the one over the window.
        kernel.dma().setMask(DEV1, 0x0FFF_FFFFL);
        assertEquals(0x0800_0000L, kernel.dma().map(DEV1, 0x4000_0000L, 0x0800_0000L, Direction.TO_DEVICE),
                "the software MSI window is ordinary IOVA space in a DMA domain");
    }

    @Test
    void vfioPciFunctionsGetUnmanagedDomainsWithTheirDoorbellsInTheSoftwareMsiWindow() {
        rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8");
        kernel = rig.boot(new LinuxKernel.Params(false, List.of("1234:11e9")));
        IommuDomain d = kernel.iommu().domain(DEV1);
        assertEquals(IommuDomain.Type.UNMANAGED, d.type());
        List<GuestMsiVector> vectors = kernel.msiVectors();
        assertEquals(8, vectors.size());
        for (GuestMsiVector v : vectors) {
            assertEquals(0x0800_0040L, v.address(), "iommu_get_msi_cookie at MSI_IOVA_BASE: " + v);
            MemoryTransaction tx = translate(rig.iommu(), 0x08, v.address(), true);
            assertTrue(tx.ok(), tx.toString());
            assertEquals(ITS_TRANSLATER, tx.address);
        }
        assertEquals(List.of(new GuestDmaMapping(0x0800_0000L, 0x0809_0000L, 0x1000, true, true, "msi")),
                domain(DEV1).mappings());
        assertThrows(IllegalStateException.class, () -> kernel.dma().map(DEV1, BUF, 16, Direction.TO_DEVICE),
                "no DMA API IOVAs in a domain VFIO owns");
        assertThrows(IllegalArgumentException.class,
                () -> d.mapAt(0x080F_F000L, 0x4060_0000L, 0x2000, IoPgtableArm.READ | IoPgtableArm.WRITE),
                "the reserved MSI window is refused as VFIO refuses it");
        d.mapAt(0x1_0000_0000L, 0x4060_0000L, 0x1000, IoPgtableArm.READ | IoPgtableArm.WRITE);
        MemoryTransaction tx = translate(rig.iommu(), 0x08, 0x1_0000_0123L, false);
        assertTrue(tx.ok(), tx.toString());
        assertEquals(0x4060_0123L, tx.address);
        assertTrue(kernel.bootLog().stream().anyMatch(l -> l.contains("unmanaged domain (vfio-pci)")),
                String.join("\n", kernel.bootLog()));
    }

    @Test
    void badVfioPciIdsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LinuxKernel.Params(false, List.of("1234")));
        assertThrows(IllegalArgumentException.class, () -> new LinuxKernel.Params(false, List.of("12345:1")));
    }

    @Test
    void withoutAnSmmuModelTheKernelFallsBackToDirectDmaAndTheMachineAbortsItsMsis() {
        rig = MachineRig.withoutSmmuDrivers("virt", "testdev,addr=01.0,msi=4,msix=8");
        kernel = rig.boot();
        assertTrue(kernel.iommuDomains().isEmpty());
        assertEquals(BUF, kernel.dma().map(DEV1, BUF, 16, Direction.TO_DEVICE));
        assertTrue(kernel.msiVectors().stream().allMatch(v -> v.address() == ITS_TRANSLATER));
        assertTrue(kernel.bootLog().stream().anyMatch(l -> l.contains("no SMMU answers")), String.join("\n", kernel.bootLog()));
        // The bridge's iommu-map still names the unbound SMMU node: the machine aborts the MSI and counts why.
        InterruptCounters ledger = rig.machine.msiLedger();
        long delivered = ledger.delivered();
        long unbound = ledger.dropped(DropReason.IOMMU_UNBOUND);
        rig.raise(DEV1, 0);
        assertEquals(delivered, ledger.delivered());
        assertEquals(unbound + 1, ledger.dropped(DropReason.IOMMU_UNBOUND));
        assertEquals(0, kernel.msiVectors().stream().mapToLong(GuestMsiVector::count).sum(), "no handler ran");
    }

    @Test
    void platformsWithoutAnIommuKeepPhysicalMsiAndDmaAddresses() {
        boot("virt-noiommu");
        assertTrue(kernel.iommuDomains().isEmpty());
        assertTrue(kernel.msiVectors().stream().allMatch(v -> v.address() == ITS_TRANSLATER));
        assertEquals(BUF, kernel.dma().map(DEV1, BUF, 16, Direction.FROM_DEVICE));
        assertThrows(IllegalStateException.class, () -> kernel.dma().map(DEV1, 0x1_0000_0000L, 16, Direction.FROM_DEVICE),
                "direct DMA beyond the 32-bit mask is refused");
    }

    @Test
    void aCommandQueueErrorIsReportedAndTheQueueMovesOn() {
        boot("virt");
        ArmSmmuv3 drv = (ArmSmmuv3) kernel.iommu().drivers().get("/iommu@9050000");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> drv.submitRaw(0xFF, 0));
        assertTrue(e.getMessage().contains("CERROR_ILL"), e.getMessage());
        // The next map/unmap needs working CMD_TLBI + CMD_SYNC.
        long iova = kernel.dma().map(DEV1, BUF, 16, Direction.FROM_DEVICE);
        assertTrue(translate(rig.iommu(), 0x08, iova, true).ok());
        kernel.dma().unmap(DEV1, iova, 16, Direction.FROM_DEVICE);
        assertFalse(translate(rig.iommu(), 0x08, iova, true).ok());
    }

    @Test
    void aStreamIdAttachedAfterBootGetsALevel2TableAndAnSte() {
        boot("virt");
        // A function that appears later (here: attached by hand) with a StreamID far from the boot's.
        ArmSmmuv3 drv = (ArmSmmuv3) kernel.iommu().drivers().get("/iommu@9050000");
        MsiSubsystem m = kernel.msi();
        IoPgtableArm table = new IoPgtableArm(m.mmio(), m.pages());
        drv.attach(0xC008, table);
        table.map(0x10_0000L, 0x4050_0000L, 0x1000, IoPgtableArm.READ | IoPgtableArm.WRITE);
        assertTrue(rig.iommu().mode().contains("2-level"), rig.iommu().mode());
        MemoryTransaction tx = translate(rig.iommu(), 0xC008, 0x10_0123L, true);
        assertTrue(tx.ok(), tx.toString());
        assertEquals(0x4050_0123L, tx.address);
        assertFalse(translate(rig.iommu(), 0xC009, 0x10_0123L, true).ok(), "its neighbours abort");
        assertThrows(IllegalStateException.class, () -> drv.attach(0x1_0000, new IoPgtableArm(m.mmio(), m.pages())),
                "beyond SIDSIZE (16 bits)");
    }

    @Test
    void iommuPassthroughGivesBypassStesAndPhysicalAddresses() {
        rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8");
        kernel = rig.boot(new LinuxKernel.Params(true));
        assertTrue(kernel.iommuDomains().isEmpty());
        assertEquals(BUF, kernel.dma().map(DEV1, BUF, 16, Direction.FROM_DEVICE));
        assertTrue(kernel.msiVectors().stream().allMatch(v -> v.address() == ITS_TRANSLATER));
        MemoryTransaction tx = translate(rig.iommu(), 0x08, ITS_TRANSLATER, true);
        assertTrue(tx.ok(), "STE Config = bypass");
        ArmSmmuv3 drv = (ArmSmmuv3) kernel.iommu().drivers().get("/iommu@9050000");
        assertEquals(0, rig.machine.memory().load64(drv.ste(0x08) + 8),
                "no SHCFG: the SMMU does not advertise IDR1.ATTR_TYPES_OVR");
        assertEquals(ITS_TRANSLATER, tx.address);
        assertFalse(translate(rig.iommu(), 0x18, BUF, true).ok(), "streams without a function still abort");
    }
}
