package org.trapdoor.shell.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.ItsInspection;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.shell.ShellFormatter;

class IrqFormatterTest {
    static final GuestMsiVector LPI = new GuestMsiVector("0000:00:01.0", GuestMsiVector.Mode.MSIX, 2, 0x0809_0040L, 2,
            GuestMsiVector.Target.LPI, 8194, "/intc@8000000/its@8080000", false, 17);
    static final GuestMsiVector SPI = new GuestMsiVector("0000:00:02.0", GuestMsiVector.Mode.MSI, 1, 0x0802_0040L, 81,
            GuestMsiVector.Target.SPI, 81, "/intc@8000000/v2m@8020000", true, 0);

    @Test
    void msiIsOneGrepFriendlyLinePerVector() {
        String text = IrqFormatter.format(new MsiListing("linux", List.of(LPI, SPI)), ShellFormatter.INSPECT)
                .toString();
        assertEquals(String.join("\n",
                "00:01.0 vector=2 address=0x0000000008090040 data=0x00000002 target=LPI 8194 count=17 "
                        + "mode=MSI-X masked=no",
                "00:02.0 vector=1 address=0x0000000008020040 data=0x00000051 target=SPI 81 count=0 "
                        + "mode=MSI masked=yes"),
                text);
    }

    @Test
    void msiSaysWhyThereIsNothing() {
        assertTrue(IrqFormatter.msi(new MsiListing(null, List.of())).startsWith("no guest kernel"));
        assertTrue(IrqFormatter.msi(new MsiListing("linux", List.of())).startsWith("no MSI vectors: linux"));
    }

    @Test
    void statsFirstLineIsExactlyTheCountsThenOneLinePerDropReason() {
        Map<DropReason, Long> by = new EnumMap<>(DropReason.class);
        by.put(DropReason.MASKED, 3L);
        by.put(DropReason.UNMAPPED_EVENT_ID, 12L);
        InterruptCounters.Snapshot s = new InterruptCounters.Snapshot(115, 100, 15, by);
        assertEquals(String.join("\n",
                "fired=115 delivered=100 dropped=15",
                "dropped UNMAPPED_EVENT_ID=12  unmapped EventID",
                "dropped MASKED=3              vector masked (held pending in the device)"),
                IrqFormatter.format(new LedgerStats(s), ShellFormatter.INSPECT).toString());
        InterruptCounters.Snapshot none = new InterruptCounters().snapshot();
        assertEquals("fired=0 delivered=0 dropped=0", IrqFormatter.stats(none));
    }

    @Test
    void irqIsATableLikeProcInterrupts() {
        IrqListing l = new IrqListing("linux", "/intc@8000000", List.of(
                new IrqListing.Line(27, "PPI", 5, 5, "/intc@8000000", ""),
                new IrqListing.Line(8194, "LPI", 17, 18, "/intc@8000000/its@8080000", "0000:00:01.0 MSI-X 2")));
        assertEquals(String.join("\n",
                "INTID  TYPE  HANDLED  PENDED  CONTROLLER                 DEVICE",
                "27     PPI   5        5       /intc@8000000              -",
                "8194   LPI   17       18      /intc@8000000/its@8080000  00:01.0 MSI-X 2",
                "HANDLED: taken by the guest (any CPU); PENDED: made pending at /intc@8000000 since it was bound"),
                IrqFormatter.irq(l));
    }

    @Test
    void irqHasACpuColumnPerCpuWhenTheGuestCountsPerCpu() {
        IrqListing l = new IrqListing("linux", "/intc@8000000", List.of(
                new IrqListing.Line(27, "PPI", 5, 5, "/intc@8000000", "", List.of(3L, 2L)),
                new IrqListing.Line(8194, "LPI", 17, 18, "/intc@8000000/its@8080000", "0000:00:01.0 MSI-X 2",
                        List.of(17L, 0L))));
        assertEquals(String.join("\n",
                "INTID  TYPE  HANDLED  CPU0  CPU1  PENDED  CONTROLLER                 DEVICE",
                "27     PPI   5        3     2     5       /intc@8000000              -",
                "8194   LPI   17       17    0     18      /intc@8000000/its@8080000  00:01.0 MSI-X 2",
                "HANDLED: taken by the guest (any CPU); PENDED: made pending at /intc@8000000 since it was bound"),
                IrqFormatter.irq(l));
    }

    @Test
    void statsNamesAnUnboundHostBridgeAsTheReasonForItsDrops() {
        InterruptCounters.Snapshot s = new InterruptCounters.Snapshot(4, 0, 4, Map.of(DropReason.DISABLED, 4L));
        String text = IrqFormatter.format(new LedgerStats(s, List.of("host bridge /pcie@10000000 has no model (no "
                + "driver handles pci-host-ecam-generic): the guest cannot enumerate the 2 device(s) behind it, so "
                + "their MSIs stay disabled")), ShellFormatter.INSPECT).toString();
        assertTrue(text.endsWith("\nnote: host bridge /pcie@10000000 has no model (no driver handles "
                + "pci-host-ecam-generic): the guest cannot enumerate the 2 device(s) behind it, so their MSIs stay "
                + "disabled"), text);
        assertTrue(text.startsWith("fired=4 delivered=0 dropped=4\ndropped DISABLED=4"), text);
    }

    @Test
    void trafficRunShowsStatusAndWhatTheLedgerRecorded() {
        Traffic.Status st = new Traffic.Status(false, 0, 1000, 4, 12_000_000);
        InterruptCounters.Snapshot out = new InterruptCounters.Snapshot(1000, 1000, 0, Map.of());
        assertEquals("traffic run: idle rate=max raised=1000 targets=4 elapsed=12ms devices=00:01.0,00:02.0\n"
                + "fired=1000 delivered=1000 dropped=0",
                IrqFormatter.traffic(new TrafficReport("run", List.of("00:01.0", "00:02.0"), st, out)));
        assertEquals("traffic running rate=500/s raised=3 targets=1 elapsed=6ms", IrqFormatter.traffic(
                new TrafficReport("status", List.of(), new Traffic.Status(true, 500, 3, 1, 6_000_000), null)));
    }

    @Test
    void itsShowsQueueImplementedTablesDevicesAndCollections() {
        ItsInspection.CommandQueue q = new ItsInspection.CommandQueue(0x8000_0000_4004_0000L, true, 0x4004_0000L,
                4096, 0x80, 0x60, true, 3, 1, 0, 0, 1);
        List<ItsInspection.Table> tables = List.of(
                new ItsInspection.Table(0, 0x8107_0000_4005_0000L, 1, true, false, 0x4005_0000L, 4096, 1, 8, 512),
                new ItsInspection.Table(1, 0x0407_0000_0000_0000L, 4, false, false, 0, 0, 1, 8, 0),
                new ItsInspection.Table(2, 0, 0, false, false, 0, 0, 1, 1, 0));
        ItsInspection i = new ItsInspection("/intc@8000000/its@8080000", true, false, 0xf7f1L, q, tables,
                List.of(new ItsInspection.DeviceEntry(8, 5, 0x4007_0000L,
                        List.of(new ItsInspection.EventEntry(0, 8192, 0)))),
                List.of(new ItsInspection.CollectionEntry(0, 1)), false, List.of("ITT of DeviceID 9: no RAM"));
        String text = IrqFormatter.its(new ItsListing(List.of(
                new ItsListing.Entry(i.node(), i, null, "ITS enabled, translation cache 5 hits 2 misses"),
                new ItsListing.Entry("/its@2", null, "unbound: no model serves it"))));
        assertEquals(String.join("\n",
                "ITS /intc@8000000/its@8080000: enabled, busy, TYPER=0x000000000000f7f1",
                "command queue: CBASER=0x8000000040040000 base=0x40040000 size=0x1000",
                "  CWRITER=0x80 CREADR=0x60 pending=1 stalled=yes",
                "  commands=3 bad=1 unknown=0 cwriter-overruns=0 stalls=1",
                "tables:",
                "  BASER0=0x8107000040050000 devices flat base=0x40050000 page=4K pages=1 entry=8 ids=512",
                "  BASER1=0x0407000000000000 collections not valid",
                "devices: 1",
                "  DeviceID 0x8: ITT=0x40070000 eventid-bits=5 events=1",
                "    EventID 0 -> LPI 8192 ICID 0",
                "collections: 1",
                "  ICID 0 -> redistributor 1",
                "problem: ITT of DeviceID 9: no RAM",
                "model: ITS enabled, translation cache 5 hits 2 misses",
                "",
                "ITS /its@2: unbound: no model serves it"), text);
    }
}
