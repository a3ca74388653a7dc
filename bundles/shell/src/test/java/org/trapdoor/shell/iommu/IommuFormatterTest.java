package org.trapdoor.shell.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.shell.ShellFormatter;

class IommuFormatterTest {
    static final IommuListing.Entry BOUND = new IommuListing.Entry(Fixtures.SMMU3, "smmuv3", NodeState.BOUND,
            "smmuv3", "SMMUv3 enabled, linear stream table (2^8); IOTLB 1/256 entries, 7 hits, 2 misses; 1 faults", null,
            0, List.of(new IommuTopology.StreamRange(Fixtures.PCIE0, 0, 0, 0x100)), List.of(Fixtures.DOMAIN));
    static final IommuListing.Entry UNBOUND = new IommuListing.Entry(Fixtures.SMMU2, "smmuv2", NodeState.UNBOUND,
            null, "", "no driver for arm,mmu-500", 3, List.of(), List.of());

    @Test
    void aBoundIommuShowsItsSummaryStreamsAndTheStreamTableTheGuestProgrammed() {
        assertEquals(String.join("\n",
                "IOMMU /smmu@9050000: smmuv3, bound to smmuv3",
                "  SMMUv3 enabled, linear stream table (2^8); IOTLB 1/256 entries, 7 hits, 2 misses; 1 faults",
                "  streams: StreamID 0x0-0xff <- /pcie@10000000 RID 0x0-0xff",
                "  stream table: 1 valid STEs from linux",
                "    SID  DEVICE   CONFIG                   TTB0        DMA-MASK    MAPPINGS",
                "    0x8  00:01.0  S1 translate, CD ASID 1  0x41000000  0xffffffff  2 (1 dma, 1 msi)"),
                IommuFormatter.block(BOUND, "linux"));
    }

    @Test
    void anUnboundIommuSaysSoAndWhatItAborted() {
        String text = IommuFormatter.block(UNBOUND, null);
        assertEquals(String.join("\n",
                "IOMMU /iommu@9060000: smmuv2, unbound (no driver for arm,mmu-500)",
                "  no model: every DMA and MSI write routed through it is aborted",
                "  aborted while unbound: 3 device transactions",
                "  streams: none (no iommu-map names this IOMMU)",
                "  stream mapping (SMR/S2CR -> context bank): no guest kernel has programmed it"), text);
    }

    @Test
    void theListingSeparatesBlocksAndSaysWhenThereIsNoIommu() {
        String text = IommuFormatter.format(new IommuListing("linux", List.of(BOUND, UNBOUND)),
                ShellFormatter.INSPECT).toString();
        assertTrue(text.contains("2 (1 dma, 1 msi)\n\nIOMMU /iommu@9060000"), text);
        assertEquals("2 IOMMUs", IommuFormatter.format(new IommuListing("linux", List.of(BOUND, UNBOUND)),
                ShellFormatter.LINE).toString());
        assertTrue(IommuFormatter.iommu(new IommuListing(null, List.of())).startsWith("no IOMMU on this platform"));
    }

    @Test
    void eventsAreDecodedWithArchitectedNamesNewestLast() {
        String text = IommuFormatter.events(new IommuEvents("linux", null,
                List.of(Fixtures.V3_BAD_STE, Fixtures.V2_TF, Fixtures.V3_TRANSLATION, Fixtures.V2_USF,
                        new IommuFault(IommuFault.Kind.PERMISSION, 0x13, 0x9, 0x5000, true, true, 0x8000_5000L, -1))));
        assertEquals(String.join("\n",
                "5 IOMMU events, newest last:",
                "EVENT          CODE  SID    ACCESS  ADDRESS     STAGE  IPA/FETCH   CB",
                "C_BAD_STE      0x04  0x10   -       -           -      -           -",
                "FSR.TF         0x02  0x108  read    0x1000      S1     -           0",
                "F_TRANSLATION  0x10  0x8    write   0xdead0000  S1     -           -",
                "sGFSR.USF      0x02  0x1ff  write   0x2000      S1     -           -",
                "F_PERMISSION   0x13  0x9    write   0x5000      S2     0x80005000  -"), text);
    }

    @Test
    void eventsSayWhyThereAreNone() {
        assertTrue(IommuFormatter.events(new IommuEvents(null, null, List.of())).startsWith("no guest kernel"));
        assertEquals("no IOMMU events of /smmu@9050000 (read by linux)",
                IommuFormatter.events(new IommuEvents("linux", Fixtures.SMMU3, List.of())));
    }

    @Test
    void oneEventOnOneLine() {
        assertEquals("F_TRANSLATION sid=0x8 write addr=0xdead0000 S1", IommuFormatter.event(Fixtures.V3_TRANSLATION));
        assertEquals("C_BAD_STE sid=0x10", IommuFormatter.event(Fixtures.V3_BAD_STE));
        assertEquals("FSR.TF sid=0x108 read addr=0x1000 S1 cb=0", IommuFormatter.event(Fixtures.V2_TF));
        assertEquals("F_STE_FETCH sid=0x3 fetch=0x40000040", IommuFormatter.event(
                new IommuFault(IommuFault.Kind.STE_FETCH, 0x03, 0x3, 0, false, false, 0x4000_0040L, -1)));
    }

    @Test
    void aDmaThatWorkedReportsTheBytesMoved() {
        GuestDmaTest r = new GuestDmaTest("0000:00:01.0", -1, 0xffff_f000L, 0x100, true, true, true, 1, 0, "m");
        assertEquals(String.join("\n",
                "00:01.0: DMA write of 0x100 bytes to bus address 0xfffff000 (an IOVA: the function is behind "
                        + "an IOMMU)",
                "done: 0x100 bytes moved (written to memory), status 0x1"),
                IommuFormatter.dma(new DmaReport(r, List.of())));
    }

    @Test
    void aFaultedDmaReportsTheFaultAndTheRecordTheIommuMade() {
        GuestDmaTest r = new GuestDmaTest("0000:00:01.0", -1, 0xdead_0000L, 0x40, true, true, false, 3, 0xdead_0000L,
                "m");
        String text = IommuFormatter.dma(new DmaReport(r, List.of(Fixtures.V3_TRANSLATION)));
        assertEquals(String.join("\n",
                "00:01.0: DMA write of 0x40 bytes to bus address 0xdead0000 (an IOVA: the function is behind "
                        + "an IOMMU)",
                "failed: status 0x3, fault at bus address 0xdead0000",
                "the IOMMU aborted it before memory and recorded 1 fault:",
                "  EVENT          CODE  SID  ACCESS  ADDRESS     STAGE  IPA/FETCH  CB",
                "  F_TRANSLATION  0x10  0x8  write   0xdead0000  S1     -          -"), text);
        assertTrue(IommuFormatter.dma(new DmaReport(r, List.of())).endsWith(
                "no IOMMU fault was recorded: the transfer failed outside the IOMMU (no memory or device at that "
                        + "address, or a target refused it)"));
    }

    @Test
    void underXenADmaFaultedAtTheDomainsStage2NamesXensCountNotAFailureOutsideTheIommu() {
        GuestDmaTest r = new GuestDmaTest("0000:00:00.0", -1, 0x9000_0000L, 0x10, false, false, false, 0x26,
                0x9000_0000L, "m");
        String text = IommuFormatter.dma(new DmaReport(r, List.of(), null, 1, "guest1"));
        assertTrue(text.endsWith("the hypervisor's IOMMU driver faulted it at guest1's stage 2 and counted 1 DMA fault "
                + "against guest1 ('xen' shows DMA FAULTS)"), text);
        assertTrue(!text.contains("no IOMMU fault was recorded"), text);
    }
}
