package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestDmaMapping;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestMsiVector.Mode;
import org.trapdoor.api.guest.GuestMsiVector.Target;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.guest.irqchip.IrqGicv3Its;
import org.trapdoor.guest.irqchip.IrqGicv2m;

class GuestMsiTest {
    static final String MSIX_DEV = "0000:00:01.0";
    static final String MSI_DEV = "0000:00:02.0";
    static final long ITS_BASE = 0x0808_0000L;
    static final long V2M_FRAME = 0x0802_0000L;

    private MachineRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private LinuxKernel boot(String platform) {
        rig = new MachineRig(platform, "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        return rig.boot();
    }

    private static List<GuestMsiVector> of(LinuxKernel k, String bdf) {
        return k.msiVectors().stream().filter(v -> v.bdf().equals(bdf)).toList();
    }

    private static Map<String, Long> counts(LinuxKernel k) {
        Map<String, Long> m = new HashMap<>();
        for (GuestMsiVector v : k.msiVectors()) {
            m.put(v.bdf() + "/" + v.vector(), v.count());
        }
        return m;
    }

    /** Raises every vector once and checks that each raise adds one to its own counter and nothing else. */
    private void raiseEachOnce(LinuxKernel k) {
        List<GuestMsiVector> all = k.msiVectors();
        assertFalse(all.isEmpty(), "no vectors set up");
        for (GuestMsiVector v : all) {
            Map<String, Long> before = counts(k);
            long intidBefore = intidCount(k, v.intid());
            long delivered = rig.machine.msiLedger().delivered();
            long dropped = rig.machine.msiLedger().dropped();
            rig.raise(v.bdf(), v.vector());
            assertEquals(delivered + 1, rig.machine.msiLedger().delivered(), "the machine's ledger saw " + v + " delivered");
            assertEquals(dropped, rig.machine.msiLedger().dropped(), "and nothing dropped");
            Map<String, Long> after = counts(k);
            for (Map.Entry<String, Long> e : before.entrySet()) {
                long expected = e.getValue() + (e.getKey().equals(v.bdf() + "/" + v.vector()) ? 1 : 0);
                assertEquals(expected, after.get(e.getKey()), "counter " + e.getKey() + " after raising " + v);
            }
            assertEquals(intidBefore + 1, intidCount(k, v.intid()), "INTID " + v.intid() + " count");
        }
    }

    /**
     * Where {@code bdf} must write to reach the ITS doorbell: on {@code virt} the bridge's
     * {@code iommu-map} puts the SMMU in the device's path, so the kernel maps the GITS_TRANSLATER
     * page into the function's DMA domain (an "msi" mapping) and programs its IOVA, not the
     * physical address.
     */
    private static long itsDoorbell(LinuxKernel k, String bdf) {
        long phys = ITS_BASE + IrqGicv3Its.GITS_TRANSLATER;
        GuestDmaMapping m = k.iommuDomains().stream().filter(d -> d.bdf().equals(bdf)).findFirst()
                .orElseThrow(() -> new AssertionError("no DMA domain for " + bdf + ": " + k.bootLog()))
                .mappings().stream().filter(x -> x.purpose().equals("msi") && phys >= x.phys() && phys < x.phys() + x.length())
                .findFirst().orElseThrow(() -> new AssertionError("the doorbell page is not mapped for " + bdf));
        long iova = m.iova() + (phys - m.phys());
        assertNotEquals(phys, iova, "the doorbell is reached through its IOVA, not the physical address");
        return iova;
    }

    private static long intidCount(LinuxKernel k, int intid) {
        return k.interruptCounts().stream().filter(c -> c.intid() == intid).mapToLong(GuestIrqCount::count).sum();
    }

    @Test
    void itsBootProgramsEveryTestdevVectorWithEventIdsFromZeroPerDevice() {
        LinuxKernel k = boot("virt");
        List<GuestMsiVector> msix = of(k, MSIX_DEV);
        List<GuestMsiVector> msi = of(k, MSI_DEV);
        assertEquals(8, msix.size(), k.bootLog().toString());
        assertEquals(4, msi.size());
        Set<Integer> lpis = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            GuestMsiVector v = msix.get(i);
            assertEquals(Mode.MSIX, v.mode());
            assertEquals(i, v.vector());
            assertEquals(itsDoorbell(k, MSIX_DEV), v.address());
            assertEquals(i, v.data(), "EventID of MSI-X vector " + i);
            assertEquals(Target.LPI, v.target());
            assertTrue(v.intid() >= InterruptController.FIRST_LPI);
            assertFalse(v.masked());
            assertTrue(lpis.add(v.intid()));
        }
        for (int i = 0; i < 4; i++) {
            GuestMsiVector v = msi.get(i);
            assertEquals(Mode.MSI, v.mode());
            assertEquals(itsDoorbell(k, MSI_DEV), v.address());
            assertEquals(i, v.data(), "EventID of MSI vector " + i);
            assertTrue(lpis.add(v.intid()), "LPIs are not shared between devices");
        }
    }

    @Test
    void itsVectorsAreProgrammedInTheFunctionsThemselves() {
        LinuxKernel k = boot("virt");
        long bar2 = rig.device(MSIX_DEV).bar(2).cpuAddress();
        for (int i = 0; i < 8; i++) {
            long e = bar2 + 16L * i;
            assertEquals(itsDoorbell(k, MSIX_DEV), rig.machine.system().read(e, 8));
            assertEquals(i, rig.machine.system().read(e + 8, 4));
            assertEquals(0, rig.machine.system().read(e + 12, 4) & 1, "entry " + i + " unmasked");
        }
        long ecam = k.pciHosts().get(0).ecamBase();
        long msixCtrl = rig.machine.system().read(ecam + (1 << 15) + 0x60 + 2, 2);
        assertEquals(0x8000, msixCtrl & 0xc000, "MSI-X enabled, function not masked");
        long msiCtrl = rig.machine.system().read(ecam + (2 << 15) + 0x40 + 2, 2);
        assertEquals(1, msiCtrl & 1, "MSI enabled");
        assertEquals(2, (msiCtrl >> 4) & 7, "4 vectors granted");
    }

    @Test
    void raisingEachItsVectorReachesTheHandlerAndCountsOnlyThatVector() {
        raiseEachOnce(boot("virt"));
    }

    @Test
    void itsTablesAreMappedThroughTheCommandQueue() {
        LinuxKernel k = boot("virt");
        MsiController its = rig.machine.msiControllers().get("/intc@8000000/msi-controller@8080000");
        assertNotNull(its);
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("DeviceID 0x8") && l.contains("ITT 8 entries")),
                "MAPD for 00:01.0 (RID 0x8) with an 8-entry ITT");
        long before = its.counters().delivered();
        rig.raise(MSIX_DEV, 3);
        assertEquals(before + 1, its.counters().delivered(), "the ITS translated the write");
    }

    @Test
    void v2mDataIsTheSpiAndMultiMsiBlocksAreAligned() {
        LinuxKernel k = boot("virt-gicv2m");
        List<GuestMsiVector> msix = of(k, MSIX_DEV);
        List<GuestMsiVector> msi = of(k, MSI_DEV);
        assertEquals(8, msix.size(), k.bootLog().toString());
        assertEquals(4, msi.size());
        Set<Integer> spis = new HashSet<>();
        for (GuestMsiVector v : k.msiVectors()) {
            assertEquals(V2M_FRAME + IrqGicv2m.MSI_SETSPI_NS, v.address());
            assertEquals(Target.SPI, v.target());
            assertEquals(v.intid(), v.data(), "data = SPI");
            assertTrue(v.intid() >= 80 && v.intid() < 144, "inside the frame's SPIs 80..143");
            assertTrue(spis.add(v.intid()));
        }
        int first = msi.get(0).intid();
        assertEquals(0, first % 4, "a 4-vector MSI block starts aligned");
        for (int i = 0; i < 4; i++) {
            assertEquals(first | i, msi.get(i).intid(), "vector i is data | i");
        }
        long ecam = k.pciHosts().get(0).ecamBase();
        assertEquals(first, rig.machine.system().read(ecam + (2 << 15) + 0x40 + 12, 2), "MSI data register");
    }

    @Test
    void raisingEachV2mVectorReachesTheHandlerAndCountsOnlyThatVector() {
        raiseEachOnce(boot("virt-gicv2m"));
    }

    @Test
    void reprobeAfterSwappingItsForV2mAndBackStillDelivers() {
        LinuxKernel k = boot("gicv3-its-v2m.dts");
        assertTrue(k.msiVectors().stream().allMatch(v -> v.target() == Target.LPI), "ITS first (msi-map)");
        raiseEachOnce(k);

        rig.machine.unbind("/intc@8000000/msi-controller@8080000");
        k.reprobeMsi();
        List<GuestMsiVector> v2m = k.msiVectors();
        assertEquals(12, v2m.size(), k.bootLog().toString());
        assertTrue(v2m.stream().allMatch(v -> v.target() == Target.SPI && v.data() == v.intid()));
        assertTrue(v2m.stream().allMatch(v -> v.count() == 0), "a new set-up counts afresh");
        raiseEachOnce(k);

        rig.machine.autoBind("/intc@8000000/msi-controller@8080000");
        k.reprobeMsi();
        List<GuestMsiVector> its = k.msiVectors();
        assertEquals(12, its.size(), k.bootLog().toString());
        assertTrue(its.stream().allMatch(v -> v.target() == Target.LPI));
        raiseEachOnce(k);
    }

    @Test
    void interruptCountsListEveryVectorsIntidWithItsOwner() {
        LinuxKernel k = boot("virt");
        rig.raise(MSI_DEV, 2);
        rig.raise(MSI_DEV, 2);
        GuestMsiVector v = of(k, MSI_DEV).get(2);
        GuestIrqCount c = k.interruptCounts().stream().filter(x -> x.intid() == v.intid()).findFirst().orElseThrow();
        assertEquals("LPI", c.type());
        assertEquals(MSI_DEV + " MSI 2", c.owner());
        assertEquals(2, c.count());
        assertEquals(List.of(2L, 0L), c.perCpu(), "virt has two CPUs; the 11th vector activated went to CPU 0 (its_select_cpu)");
        assertEquals(2, v.count());
        assertEquals(12, k.interruptCounts().stream().filter(x -> !x.owner().isEmpty()).count());
    }

    @Test
    void aThirtyTwoVectorMsiBlockOnV2mIsAlignedOnItsOffsetInTheFrameAsLinuxDoes() {
        rig = new MachineRig("virt-gicv2m", "testdev,addr=01.0,msi=1,msix=0", "testdev,addr=02.0,msi=32,msix=0");
        LinuxKernel k = rig.boot();
        assertEquals(80, of(k, MSIX_DEV).get(0).intid(), "a single vector takes the first SPI");
        List<GuestMsiVector> msi = of(k, MSI_DEV);
        assertEquals(32, msi.size(), k.bootLog().toString());
        // bitmap_find_free_region over the frame's 64 SPIs: offset 32, so SPI 80 + 32 = 112,
        // which is not 32-aligned.
        assertEquals(112, msi.get(0).intid(), "offset 32 of the frame 80..143");
        assertEquals(143, msi.get(31).intid());
        // By the PCI spec the function replaces the data's low 5 bits with the vector number:
        // vector 31 writes (112 & ~31) | 31 = 127, which the kernel gave to vector 15.
        rig.raise(MSI_DEV, 31);
        assertEquals(0, of(k, MSI_DEV).get(31).count(), "SPI 143 never comes: Linux's block is misaligned");
        assertEquals(1, of(k, MSI_DEV).get(15).count(), "SPI 127 is taken as vector 15's");
    }

    @Test
    void aV2mFrameWhoseSpisEndOnSpi1019IsRefusedAsIsMsiSpiValidDoes() {
        rig = new MachineRig("virt-gicv2m", "testdev,addr=01.0,msi=4,msix=0");
        DtNode frame = rig.machine.platform().find("/intc@8000000/v2m@8020000");
        frame.put(DtProperty.ofCells("arm,msi-base-spi", 988));
        frame.put(DtProperty.ofCells("arm,msi-num-spis", 32));
        LinuxKernel k = rig.boot();
        assertTrue(k.msiVectors().isEmpty(), "SPIs 988..1019: base + num = 1020 > V2M_MAX_SPI 1019");
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("Number of SPIs (32) exceed maximum (988)")),
                k.bootLog().toString());
    }

    @Test
    void aV2mFrameEndingOnSpi1018IsAccepted() {
        rig = new MachineRig("virt-gicv2m", "testdev,addr=01.0,msi=4,msix=0");
        DtNode frame = rig.machine.platform().find("/intc@8000000/v2m@8020000");
        frame.put(DtProperty.ofCells("arm,msi-base-spi", 987));
        frame.put(DtProperty.ofCells("arm,msi-num-spis", 32));
        LinuxKernel k = rig.boot();
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("SPI[987:1018]")), k.bootLog().toString());
    }

    @Test
    void anItsThatDoesNotAnswerLeavesDevicesWithoutMsiAndBootFinishes() {
        rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8");
        rig.machine.unbind("/intc@8000000/msi-controller@8080000");
        LinuxKernel k = rig.boot();
        assertTrue(k.msiVectors().isEmpty());
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("No ITS detected")), k.bootLog().toString());
        assertEquals(1, k.pciDevices().stream().filter(d -> d.vendorId() == 0x1234).count(), "PCI still enumerated");
    }

    @Test
    void teardownThroughAVanishedItsIsABoundedErrorNotAHang() {
        LinuxKernel k = boot("gicv3-its-v2m.dts");
        rig.machine.unbind("/intc@8000000/msi-controller@8080000");
        k.reprobeMsi();
        assertTrue(k.bootLog().stream().anyMatch(l -> l.contains("MSI teardown") && l.contains("ITS: command")),
                k.bootLog().toString());
        assertEquals(12, k.msiVectors().size());
    }

    @Test
    void aGicModelSwappedWithItsStateKeepsDeliveringWithoutAReprobe() {
        LinuxKernel k = boot("virt");
        InterruptController before = rig.machine.interruptControllers().get("/intc@8000000");
        rig.machine.bind("/intc@8000000", "gicv3");
        assertNotSame(before, rig.machine.interruptControllers().get("/intc@8000000"), "a new model");
        raiseEachOnce(k);
    }

    @Test
    void withoutAWiredCpuVectorsAreSetUpButNotCounted() {
        rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8");
        LinuxKernel k = LinuxKernel.boot("no cpus", rig.machine.system(), rig.machine.platform());
        assertEquals(8, k.msiVectors().size());
        rig.kernel = k;
        rig.raise(MSIX_DEV, 0);
        assertEquals(0, k.msiVectors().get(0).count());
    }
}
