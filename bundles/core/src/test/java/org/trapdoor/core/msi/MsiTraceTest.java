package org.trapdoor.core.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.machine.SwapRecord;
import org.trapdoor.api.trace.TraceCapture;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.core.trace.TraceRegistry;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/**
 * The trace of one MSI, hop by hop, on virt with the SMMU translating: every hop that decides
 * reports itself, and the trace ends in exactly one {@code msi_ledger} record whose outcome is
 * the one the ledger counted, whichever hop decided it (a fault, a drop at each hop, a swap).
 */
class MsiTraceTest {
    private static final int DEVFN = 0x08;
    private static final long DOORBELL_IOVA = 0x0800_0000L;

    private final TraceRegistry tracing = new TraceRegistry(4096);
    private ComposedMachine m;
    private Guest guest;
    private SmmuGuest smmu;
    private TestDevice dev;

    @BeforeEach
    void boot() {
        m = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt"), tracing);
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
        smmu.attach(DEVFN);
        smmu.map(DOORBELL_IOVA, Guest.ITS_DOORBELL & ~0xFFFL);
        guest.enableDevice(DEVFN);
        for (int v = 0; v < 5; v++) {
            guest.msixEntry(v, DOORBELL_IOVA + (Guest.ITS_DOORBELL & 0xFFF), v, false);
        }
        guest.enableMsix(DEVFN);
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** One raise under a capture, checked against the ledger; returns its records. */
    private List<TraceRecord> follow(int vector, String expected) {
        InterruptCounters.Snapshot before = m.msiLedger().snapshot();
        List<TraceRecord> hops;
        try (TraceCapture c = tracing.capture()) {
            dev.raise(vector);
            hops = c.records();
            assertEquals(0, c.lost());
        }
        InterruptCounters.Snapshot after = m.msiLedger().snapshot();
        assertEquals(before.fired() + 1, after.fired(), "one MSI");
        String counted = after.delivered() > before.delivered() ? "delivered" : grown(before, after);
        List<TraceRecord> ledger = hops.stream().filter(r -> r.event().equals(InterruptCounters.OUTCOME)).toList();
        assertEquals(1, ledger.size(), "one ledger record per MSI: " + hops);
        assertEquals(counted, ledger.get(0).formatted("outcome"), "the trace ends where the ledger counted it");
        assertEquals(expected, counted);
        assertEquals(ledger.get(0), hops.get(hops.size() - 1 - trailing(hops)), "the ledger line ends the MSI's hops");
        return hops;
    }

    /** Records after the ledger's: the port's own {@code pci_port_done} as the write returns to it. */
    private static int trailing(List<TraceRecord> hops) {
        int n = 0;
        for (int i = hops.size() - 1; i >= 0 && !hops.get(i).event().equals(InterruptCounters.OUTCOME); i--) {
            n++;
        }
        return n;
    }

    private static String grown(InterruptCounters.Snapshot before, InterruptCounters.Snapshot after) {
        for (Map.Entry<DropReason, Long> e : after.byReason().entrySet()) {
            if (e.getValue() > before.byReason().getOrDefault(e.getKey(), 0L)) {
                return e.getKey().name();
            }
        }
        return "nothing";
    }

    private static List<String> names(List<TraceRecord> hops) {
        List<String> out = new ArrayList<>();
        for (TraceRecord r : hops) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(r.event().name())) {
                out.add(r.event().name());
            }
        }
        return out;
    }

    private static TraceRecord first(List<TraceRecord> hops, String name) {
        return hops.stream().filter(r -> r.event().name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + hops));
    }

    @Test
    void aDeliveredMsiReportsEveryHopFromTheDeviceToTheGicAndEndsInTheLedger() {
        List<TraceRecord> hops = follow(1, "delivered");
        assertEquals(List.of("pci_msi_signal", "pci_port_send", "pci_port_route", "smmuv3_translate", "node_access",
                "its_translate", "its_msi", "msi_ledger", "pci_port_done"), names(hops).stream()
                        .filter(n -> !n.startsWith("gicv3_")).toList());
        assertEquals("00:01.0", first(hops, "pci_msi_signal").formatted("rid"));
        assertEquals(1, first(hops, "pci_msi_signal").value("vector"));
        assertEquals(DEVFN, first(hops, "pci_port_route").value("sid"));
        TraceRecord t = first(hops, "smmuv3_translate");
        assertEquals(DOORBELL_IOVA + (Guest.ITS_DOORBELL & 0xFFF), t.value("iova"));
        assertEquals(Guest.ITS_DOORBELL, t.value("pa"));
        TraceRecord its = first(hops, "its_translate");
        assertEquals(DEVFN, its.value("devid"));
        assertEquals(1, its.value("eventid"));
        assertEquals(8193, its.value("lpi"));
        assertEquals(List.of(8193), guest.taken);
    }

    @Test
    void anIommuFaultIsTracedWithItsEventRecordAndEndsAsTheLedgersFault() {
        guest.msixEntry(5, Guest.ITS_DOORBELL, 5, false); // an IOVA nobody mapped
        List<TraceRecord> hops = follow(5, "IOMMU_FAULT");
        assertEquals(Guest.ITS_DOORBELL, first(hops, "smmuv3_fault").value("iova"));
        assertEquals(0x10, first(hops, "smmuv3_event").value("id"), "F_TRANSLATION");
        assertEquals("IOMMU fault", first(hops, "pci_port_abort").formatted("why"));
    }

    @Test
    void aDropAtEachHopEndsTheTraceWithThatHopsReason() {
        // The device: a masked vector is held pending there.
        guest.msixEntry(2, DOORBELL_IOVA + (Guest.ITS_DOORBELL & 0xFFF), 2, true);
        assertEquals("yes", first(follow(2, "MASKED"), "pci_msi_signal").formatted("masked"));
        // The port: the bridge is unbound.
        m.unbind("pcie");
        assertEquals("bridge unbound or link down", first(follow(0, "BRIDGE_UNBOUND"), "pci_port_abort").formatted("why"));
        m.autoBind("pcie");
        // The IOMMU node: no model.
        m.unbind("smmu");
        assertEquals("IOMMU unbound", first(follow(0, "IOMMU_UNBOUND"), "pci_port_abort").formatted("why"));
        m.autoBind("smmu");
        // The doorbell node: no model.
        m.unbind("its");
        assertEquals("no", first(follow(0, "NODE_UNBOUND"), "node_access").formatted("bound"));
        m.autoBind("its");
        // The MSI controller: EventID 4 has no mapping.
        assertEquals("UNMAPPED_EVENT_ID", first(follow(4, "UNMAPPED_EVENT_ID"), "its_msi").formatted("outcome"));
        // The interrupt controller: the GIC is unbound.
        m.unbind("gic");
        assertEquals("NO_INTERRUPT_CONTROLLER", first(follow(0, "NO_INTERRUPT_CONTROLLER"), "its_msi").formatted("outcome"));
        m.autoBind("gic");
        follow(0, "delivered");
    }

    @Test
    void aSwapBetweenTwoMsisIsTracedAndListedWithItsCost() {
        follow(0, "delivered");
        int before = m.swaps().size();
        List<TraceRecord> swap;
        try (TraceCapture c = tracing.capture()) {
            m.bind("its", "gicv3-its");
            swap = c.records();
        }
        follow(1, "delivered");
        assertEquals(List.of(8192, 8193), guest.taken);
        List<SwapRecord> swaps = m.swaps();
        assertEquals(before + 1, swaps.size());
        SwapRecord s = swaps.get(swaps.size() - 1);
        assertEquals("/intc@8000000/msi-controller@8080000", s.node());
        assertEquals("swap", s.kind());
        assertTrue(s.totalNanos() > 0 && s.stallNanos() >= 0 && s.stallNanos() <= s.totalNanos(), s.toString());
        TraceRecord r = first(swap, "composer_swap");
        assertEquals(s.totalNanos(), r.value("total_ns"));
        assertEquals(s.stallNanos(), r.value("stall_ns"));
    }

    @Test
    void theRingStaysBoundedUnderAnMsiFloodWithEveryPointOn() {
        tracing.enable("*", true);
        m.traffic().run(20_000, m.msiSources());
        assertTrue(tracing.sequence() > 4 * 20_000, "every hop of every MSI was recorded: " + tracing.sequence());
        assertEquals(tracing.capacity(), tracing.last(Integer.MAX_VALUE).size(), "the ring holds its capacity, no more");
    }
}
