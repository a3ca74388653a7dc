package org.trapdoor.core.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv2.Gicv2;
import org.trapdoor.hw.gicv2.Gicv2Driver;
import org.trapdoor.hw.gicv2m.Gicv2m;
import org.trapdoor.hw.gicv2m.Gicv2mDriver;
import org.trapdoor.hw.gicv3.Gicv3;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.Its;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.DmaResult;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/**
 * MSIs from the test endpoint through the composed machine to a CPU, with the real GIC, ITS,
 * GICv2m, ECAM and testdev models: every raise ends in exactly one outcome in the machine's
 * ledger, whatever is bound or unbound along the way.
 */
class MsiPathTest {
    private static final int DEVFN = 0x08; // 00:01.0, DeviceID 0x0008 through the identity msi-map
    private static final int V2M_BASE = 80;

    private ComposedMachine m;
    private Guest guest;
    private TestDevice dev;
    private long raises;

    private void boot(String preset) {
        m = new ComposedMachine(Presets.load(new DeviceTreeService(), preset));
        m.addDriver(new EcamDriver());
        m.addDriver(new Gicv3Driver());
        m.addDriver(new ItsDriver());
        m.addDriver(new Gicv2Driver());
        m.addDriver(new Gicv2mDriver());
        // virt's bridge puts the SMMU in the path (iommu-map); left disabled by the guest, it bypasses.
        m.addDriver(new Smmuv3Driver());
        m.addFactory(new TestDeviceFactory());
        m.attach("testdev,addr=01.0,msi=4,msix=8");
        dev = (TestDevice) m.msiSources().get(0);
        guest = new Guest(m);
        m.attachSink(null, guest);
    }

    /** virt: GICv3 with LPIs on, ITS mapping events 0..3 of the device to LPIs 8192..8195, MSI-X vectors 0..4 to the ITS. */
    private void bootItsWithMsix() {
        boot("virt");
        guest.gicv3(64);
        guest.its();
        guest.mapDevice(DEVFN, 0, 0, 1, 2, 3);
        guest.enableDevice(DEVFN);
        for (int v = 0; v < 5; v++) {
            guest.msixEntry(v, Guest.ITS_DOORBELL, v, false);
        }
        guest.enableMsix(DEVFN);
    }

    /** virt-gicv2m: SPIs 80..83 on, the device's MSI (4 vectors) to the v2m frame with data 80. */
    private void bootV2mWithMsi() {
        boot("virt-gicv2m");
        guest.gicv2(V2M_BASE);
        guest.enableDevice(DEVFN);
        guest.enableMsi(DEVFN, Guest.V2M_DOORBELL, V2M_BASE);
    }

    private MsiOutcome raise(int vector) {
        raises++;
        return dev.raise(vector);
    }

    private InterruptCounters ledger() {
        return m.msiLedger();
    }

    @AfterEach
    void everyRaiseIsAccountedForExactlyOnce() {
        if (m != null) {
            InterruptCounters l = ledger();
            assertEquals(l.fired(), l.delivered() + l.dropped());
            m.close();
        }
    }

    /**
     * The device's own counters, kept apart from the ledger, tell the same story: it saw every
     * raise; each was sent, left pending (the ledger's MASKED) or refused (the device's refusals
     * and the upstream path's); and the CPU took each delivery once.
     */
    private void assertDeviceAgreesWithTheLedger(long raised) {
        InterruptCounters l = ledger();
        String state = l.snapshot() + "; device raises=" + dev.raises() + " sent=" + dev.messagesSent() + " pended="
                + dev.raisesPended() + " refused=" + dev.raisesRefused();
        assertEquals(raised, dev.raises(), "the raisers' count is the device's own: " + state);
        assertEquals(raised, dev.messagesSent() + dev.raisesPended() + dev.raisesRefused(),
                "each raise sent, pended or refused: " + state);
        assertEquals(dev.raisesPended(), l.dropped(DropReason.MASKED), state);
        // A refusal is the device's own (DISABLED, NO_SUCH_VECTOR) or the upstream path's; which
        // upstream reason a refused write gets depends on where it ended, so those bound it.
        long own = l.dropped(DropReason.DISABLED) + l.dropped(DropReason.NO_SUCH_VECTOR);
        long upstream = 0;
        for (DropReason r : new DropReason[] {DropReason.BRIDGE_UNBOUND, DropReason.NODE_UNBOUND,
            DropReason.NO_DOORBELL, DropReason.TARGET_ABORT, DropReason.IOMMU_UNBOUND, DropReason.IOMMU_FAULT}) {
            upstream += l.dropped(r);
        }
        assertTrue(dev.raisesRefused() >= own && dev.raisesRefused() <= own + upstream,
                "the device's refusals are its own and some upstream drops: " + state);
        assertEquals(l.delivered(), guest.taken.size(), "each delivery reached the CPU once: " + state);
    }

    private void assertFiredEqualsRaises() {
        assertEquals(raises, ledger().fired(), "one outcome per raise: " + ledger().snapshot());
    }

    @Test
    void bothPresetsBindEveryInterruptControllerWithTheRealDrivers() {
        boot("virt");
        assertEquals("gicv3", m.node("gic").driver());
        assertEquals("gicv3-its", m.node("its").driver());
        assertEquals(NodeState.BOUND, m.node("its").state());
        assertInstanceOf(Gicv3.class, m.interruptControllers().get("/intc@8000000"));
        assertInstanceOf(Its.class, m.msiControllers().get("/intc@8000000/msi-controller@8080000"));
        assertEquals("/intc@8000000", m.rootInterruptController());
        assertEquals(1, m.interruptControllers().size(), "the ITS is an MSI controller, not the root");
        m.close();
        boot("virt-gicv2m");
        assertEquals("gicv2", m.node("gic").driver());
        assertEquals("gicv2m", m.node("v2m").driver());
        assertInstanceOf(Gicv2.class, m.interruptControllers().get("/intc@8000000"));
        assertInstanceOf(Gicv2m.class, m.msiControllers().get("/intc@8000000/v2m@8020000"));
        assertNull(m.platform().node("/pcie@10000000").msiMap(), "v2m: msi-parent, no msi-map");
        assertEquals(m.platform().find("v2m"), m.platform().node("/pcie@10000000").msiParent().get(0).node());
    }

    @Test
    void msixThroughTheItsReachesTheCpuWithTheMappedLpi() {
        bootItsWithMsix();
        for (int v = 0; v < 4; v++) {
            assertEquals(MsiOutcome.SENT, raise(v));
        }
        assertEquals(List.of(8192, 8193, 8194, 8195), guest.taken);
        assertEquals(4, ledger().delivered());
        assertFiredEqualsRaises();
        MsiController its = m.msiControllers().get("/intc@8000000/msi-controller@8080000");
        assertEquals(4, its.counters().delivered(), "the ITS's own view agrees");
    }

    @Test
    void anUnmappedEventIdIsDroppedWithItsReason() {
        bootItsWithMsix();
        raise(4); // MSI-X entry 4 carries EventID 4, which has no MAPTI
        raise(0);
        assertEquals(1, ledger().dropped(DropReason.UNMAPPED_EVENT_ID));
        assertEquals(1, ledger().delivered());
        assertEquals(List.of(8192), guest.taken);
        assertFiredEqualsRaises();
    }

    @Test
    void unbindingTheItsDropsAndRebindingResumesFromTheTablesInMemory() {
        bootItsWithMsix();
        raise(1);
        m.unbind("its");
        raise(1);
        raise(2);
        assertEquals(2, ledger().dropped(DropReason.NODE_UNBOUND));
        m.autoBind("its");
        raise(2); // no re-programming: the new ITS carries on with the tables the guest left in RAM
        assertEquals(List.of(8193, 8194), guest.taken);
        assertEquals(2, ledger().delivered());
        assertFiredEqualsRaises();
    }

    @Test
    void swappingTheGicKeepsTheCpusSinkAndTheLedger() {
        bootItsWithMsix();
        raise(0);
        m.unbind("gic");
        raise(1);
        assertEquals(1, ledger().dropped(DropReason.NO_INTERRUPT_CONTROLLER));
        m.autoBind("gic");
        raise(2);
        assertEquals(List.of(8192, 8194), guest.taken, "the new GIC model signals the same sink");
        assertEquals(2, ledger().delivered());
        assertFiredEqualsRaises();
    }

    @Test
    void anUnboundBridgeDropsTheMessageAtThePort() {
        bootItsWithMsix();
        m.unbind("pcie");
        raise(0);
        assertEquals(1, ledger().dropped(DropReason.BRIDGE_UNBOUND));
        m.autoBind("pcie");
        raise(0);
        assertEquals(List.of(8192), guest.taken);
        assertFiredEqualsRaises();
    }

    @Test
    void aMaskedVectorIsDroppedInTheDeviceAndItsLaterSendIsANewMsi() {
        bootItsWithMsix();
        guest.msixEntry(3, Guest.ITS_DOORBELL, 3, true);
        assertEquals(MsiOutcome.PENDING, raise(3));
        assertEquals(1, ledger().dropped(DropReason.MASKED));
        assertTrue(guest.taken.isEmpty());
        guest.unmaskMsix(3); // the device sends the pending vector now
        assertEquals(List.of(8195), guest.taken);
        assertEquals(1, ledger().delivered());
        assertEquals(raises + 1, ledger().fired(), "the raise, and the send on unmask");
    }

    @Test
    void aDisabledDeviceAndAWildAddressAreCountedToo() {
        bootItsWithMsix();
        guest.msixEntry(0, Guest.RAM + 0x1000, 0, false); // RAM is no doorbell
        raise(0);
        assertEquals(1, ledger().dropped(DropReason.NO_DOORBELL));
        guest.msixEntry(0, 0x0700_0000L, 0, false); // nothing there at all
        raise(0);
        assertEquals(2, ledger().dropped(DropReason.NO_DOORBELL));
        guest.config(DEVFN, TestDevice.MSIX_CAP + 2, 2, 0); // MSI-X off, MSI never on
        assertEquals(MsiOutcome.DISABLED, raise(0));
        assertEquals(1, ledger().dropped(DropReason.DISABLED));
        assertFiredEqualsRaises();
    }

    @Test
    void aDmaWriteToTheItsDoorbellIsAnMsiInTheLedgerAndADmaToRamIsNone() {
        bootItsWithMsix();
        dev.writeBuffer(0, 4, 2); // EventID 2: LPI 8194
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.TO_BUS, 0, Guest.ITS_DOORBELL, 4));
        assertEquals(List.of(8194), guest.taken, "the ITS translated the write as it does any MSI");
        assertEquals(1, ledger().delivered(), "the write the device did not mark as an MSI is in the ledger: "
                + ledger().snapshot());
        dev.writeBuffer(0, 4, 7); // EventID 7 has no MAPTI: dropped with the ITS's reason
        dev.dma(TestDevice.Direction.TO_BUS, 0, Guest.ITS_DOORBELL, 4);
        assertEquals(1, ledger().dropped(DropReason.UNMAPPED_EVENT_ID));
        assertEquals(DmaResult.OK, dev.dma(TestDevice.Direction.TO_BUS, 0, Guest.RAM + 0x1000, 64));
        assertEquals(7, m.system().read(Guest.RAM + 0x1000, 1), "the RAM write landed");
        assertEquals(2, ledger().fired(), "a DMA to RAM is no MSI, not even a dropped one: " + ledger().snapshot());
        m.unbind("pcie");
        assertEquals(DmaResult.ABORT, dev.dma(TestDevice.Direction.TO_BUS, 0, Guest.RAM + 0x1000, 4));
        assertEquals(2, ledger().fired(), "a DMA the bridge refuses is no MSI either: " + ledger().snapshot());
    }

    @Test
    void anLpiAlreadyPendingIsCoalesced() {
        bootItsWithMsix();
        m.detachSink(null); // nobody takes interrupts now
        raise(0);
        raise(0);
        assertEquals(1, ledger().delivered());
        assertEquals(1, ledger().dropped(DropReason.COALESCED));
        m.attachSink(null, guest); // attaching signals what is pending
        assertEquals(List.of(8192), guest.taken);
        assertFiredEqualsRaises();
    }

    @Test
    void gicv2mDeliversSpisAndSurvivesAnUnbind() {
        bootV2mWithMsi();
        for (int v = 0; v < 4; v++) {
            assertEquals(MsiOutcome.SENT, raise(v));
        }
        assertEquals(List.of(80, 81, 82, 83), guest.taken);
        m.unbind("v2m");
        raise(0);
        assertEquals(1, ledger().dropped(DropReason.NODE_UNBOUND));
        m.autoBind("v2m");
        raise(1);
        assertEquals(List.of(80, 81, 82, 83, 81), guest.taken);
        assertEquals(5, ledger().delivered());
        assertFiredEqualsRaises();
    }

    @Test
    void gicv2mRefusesDataOutsideItsFrameAndMaskedMsiVectors() {
        bootV2mWithMsi();
        guest.enableMsi(DEVFN, Guest.V2M_DOORBELL, 32); // SPI 32..35: outside the frame's 80..143
        raise(0);
        assertEquals(1, ledger().dropped(DropReason.SPI_OUT_OF_RANGE));
        guest.enableMsi(DEVFN, Guest.V2M_DOORBELL, V2M_BASE);
        guest.config(DEVFN, TestDevice.MSI_CAP + 16, 4, 0x4); // mask vector 2
        assertEquals(MsiOutcome.PENDING, raise(2));
        assertEquals(1, ledger().dropped(DropReason.MASKED));
        m.unbind("pcie");
        raise(1);
        assertEquals(1, ledger().dropped(DropReason.BRIDGE_UNBOUND));
        assertTrue(guest.taken.isEmpty());
        assertFiredEqualsRaises();
    }

    @Test
    void trafficRunAccountsForExactlyCount() {
        bootItsWithMsix();
        m.attach("testdev,addr=02.0,msi=1,msix=0"); // MSI never enabled: its raises are refused
        List<MsiSource> sources = m.msiSources();
        assertEquals(2, sources.size());
        assertEquals(8, sources.get(0).vectors());
        assertEquals(0, sources.get(1).vectors());
        Traffic.Status s = m.traffic().run(1000, sources);
        assertEquals(1000, s.raised());
        assertEquals(9, s.targets(), "8 vectors of one device, vector 0 of the other");
        assertEquals(1000, ledger().fired());
        // The round: d0v0 d1v0 d0v1 .. d0v7; d0's vectors 0..3 are mapped: 4 deliveries per round
        // of 9, plus d0v0 of the 112th, partial round.
        assertEquals(1000 / 9 * 4 + 1, ledger().delivered(), ledger().snapshot().toString());
        // Vector 4 has no MAPTI; entries 5..7 were never unmasked (MSI-X entries reset masked).
        assertEquals(111, ledger().dropped(DropReason.UNMAPPED_EVENT_ID));
        assertEquals(333, ledger().dropped(DropReason.MASKED));
        assertEquals(111, ledger().dropped(DropReason.DISABLED), "the second device's vector 0");
    }

    @Test
    void backgroundTrafficStopsWithEveryMsiAccountedFor() throws InterruptedException {
        bootItsWithMsix();
        Traffic t = m.traffic();
        t.start(0, List.of(dev));
        assertThrows(IllegalStateException.class, () -> t.run(1, List.of(dev)));
        awaitGrowth(() -> t.status().raised(), 0, 500);
        t.stop();
        Traffic.Status s = t.status();
        assertTrue(s.raised() >= 500, s.toString());
        assertEquals(s.raised(), ledger().fired(), "stopped: nothing left in flight");
        assertDeviceAgreesWithTheLedger(s.raised());
        assertTrue(!s.running());
    }

    @Test
    void attachingASinkToANodeThatIsNoInterruptControllerIsRefused() {
        boot("virt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.attachSink("pcie", guest));
        assertTrue(e.getMessage().contains("not an interrupt controller"), e.getMessage());
        Map<String, MsiController> msi = m.msiControllers();
        assertNotNull(msi.get("/intc@8000000/msi-controller@8080000"));
    }

    /**
     * Waits until {@code counter} has grown by {@code by} from {@code from}: each phase of a swap
     * test waits for traffic to reach it, instead of sleeping and hoping it did. The test's
     * timeout bounds the wait.
     */
    private static long awaitGrowth(java.util.function.LongSupplier counter, long from, long by) {
        long now;
        while ((now = counter.getAsLong()) - from < by) {
            Thread.yield();
        }
        return now;
    }

    /**
     * Each unbound phase and each bound phase is reached by traffic before the next swap (the test
     * waits for drops, then for deliveries), so every raise is checked against counts kept apart
     * from the ledger: the generator's and the device's own, and the CPU's.
     */
    @Test
    void swapsUnderTrafficLoseNoMsi() throws InterruptedException {
        bootItsWithMsix();
        Traffic t = m.traffic();
        t.start(0, List.of(dev));
        for (int i = 0; i < 30; i++) {
            m.unbind("its");
            awaitGrowth(() -> ledger().dropped(DropReason.NODE_UNBOUND), ledger().dropped(DropReason.NODE_UNBOUND), 20);
            m.autoBind("its");
            m.bind("pcie", "pci-ecam"); // the bridge swapped for a fresh model of itself
            awaitGrowth(guest.taken::size, guest.taken.size(), 20);
        }
        t.stop();
        long raised = t.status().raised();
        assertEquals(raised, ledger().fired(), "every raise ended in exactly one outcome: " + ledger().snapshot());
        assertDeviceAgreesWithTheLedger(raised);
        assertTrue(ledger().dropped(DropReason.NODE_UNBOUND) >= 30 * 20, ledger().snapshot().toString());
    }

    /** An ITS whose doorbell counts every MSI that finds it closed, on the way in or out. */
    private static final class CheckedItsDriver implements HardwareDriver {
        final ItsDriver real = new ItsDriver();
        final AtomicLong violations = new AtomicLong();

        @Override
        public String name() {
            return "checked-its";
        }

        @Override
        public List<String> compatibles() {
            return real.compatibles();
        }

        @Override
        public DeviceModel create(BindContext context) throws BindException {
            Its its = (Its) real.create(context);
            AtomicBoolean closed = new AtomicBoolean();
            MmioHandler frame = its.region(0);
            MmioHandler checked = tx -> {
                if (closed.get()) {
                    violations.incrementAndGet();
                }
                frame.access(tx);
                if (closed.get()) {
                    violations.incrementAndGet();
                }
            };
            return new MsiController() {
                @Override
                public MmioHandler region(int index) {
                    return index == 0 ? checked : null;
                }

                @Override
                public long doorbellAddress(int deviceId) {
                    return its.doorbellAddress(deviceId);
                }

                @Override
                public boolean needsDeviceId() {
                    return its.needsDeviceId();
                }

                @Override
                public String description() {
                    return its.description();
                }

                @Override
                public InterruptCounters counters() {
                    return its.counters();
                }

                @Override
                public Object saveState() {
                    return its.saveState();
                }

                @Override
                public void restoreState(Object state) {
                    its.restoreState(state);
                }

                @Override
                public void close() {
                    closed.set(true);
                    its.close();
                }
            };
        }
    }

    @Test
    void noMsiFromTwoThreadsReachesAClosedItsWhileEveryNodeOnThePathIsSwapped() throws InterruptedException {
        CheckedItsDriver checked = new CheckedItsDriver();
        m = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt"));
        m.addDriver(new EcamDriver());
        m.addDriver(new Gicv3Driver());
        m.addDriver(checked);
        m.addDriver(new Smmuv3Driver());
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
        assertEquals("checked-its", m.node("its").driver());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong raised = new AtomicLong();
        Thread[] cpus = new Thread[2];
        for (int t = 0; t < cpus.length; t++) {
            cpus[t] = new Thread(() -> {
                for (int v = 0; !stop.get(); v = (v + 1) & 3) {
                    dev.raise(v);
                    raised.incrementAndGet();
                }
            });
            cpus[t].start();
        }
        for (int i = 0; i < 40; i++) {
            m.unbind("its");
            m.autoBind("its");
            m.bind("pcie", "pci-ecam");
            if (i % 4 == 0) {
                m.unbind("gic");
                m.autoBind("gic");
            }
            awaitGrowth(raised::get, raised.get(), 50); // both CPUs' traffic crosses every swap
        }
        stop.set(true);
        for (Thread t : cpus) {
            t.join();
        }
        raises = raised.get();
        assertEquals(0, checked.violations.get(), "an MSI was inside an ITS model after it was closed");
        assertFiredEqualsRaises();
        assertDeviceAgreesWithTheLedger(raises);
        assertTrue(ledger().delivered() > 0);
    }

    @Test
    void sameDriverRebindsOfTheItsUnderTrafficDropNothing() throws InterruptedException {
        bootItsWithMsix();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong raised = new AtomicLong();
        Thread cpu = new Thread(() -> {
            for (int v = 0; !stop.get(); v = (v + 1) & 3) {
                dev.raise(v);
                raised.incrementAndGet();
            }
        });
        cpu.start();
        for (int i = 0; i < 20; i++) {
            // The new ITS must take over the enabled state before it is published, never read as reset.
            m.bind("its", "gicv3-its");
            awaitGrowth(guest.taken::size, guest.taken.size(), 50); // deliveries through each new model
        }
        stop.set(true);
        cpu.join();
        raises = raised.get();
        assertEquals(0, ledger().dropped(), "no MSI dropped across same-driver rebinds: " + ledger().snapshot());
        assertDeviceAgreesWithTheLedger(raises);
        assertEquals(raises, guest.taken.size(), "the CPU took every raise once");
        assertEquals(raises, ledger().delivered());
        assertFiredEqualsRaises();
        assertEquals("gicv3-its", m.node("its").driver());
    }
}
