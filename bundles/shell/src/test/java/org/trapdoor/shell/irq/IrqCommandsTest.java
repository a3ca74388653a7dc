package org.trapdoor.shell.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.ItsInspectable;
import org.trapdoor.api.irq.ItsInspection;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.shell.command.CommandFailure;

class IrqCommandsTest {
    static final String GIC = "/intc@8000000";
    static final String ITS = "/intc@8000000/its@8080000";

    /** A traffic generator that records what it was asked and raises on the caller's thread. */
    static final class FakeTraffic implements Traffic {
        final List<String> calls = new ArrayList<>();
        final InterruptCounters ledger;
        boolean running;

        FakeTraffic(InterruptCounters ledger) {
            this.ledger = ledger;
        }

        @Override
        public void start(long ratePerSecond, List<MsiSource> devices) {
            if (running) {
                throw new IllegalStateException("traffic is already running");
            }
            running = true;
            calls.add("start " + ratePerSecond + " " + TrafficArgs.names(devices));
        }

        @Override
        public void stop() {
            running = false;
            calls.add("stop");
        }

        @Override
        public Status run(long count, List<MsiSource> devices) {
            calls.add("run " + count + " " + TrafficArgs.names(devices));
            for (long i = 0; i < count; i++) {
                ledger.record(i % 4 == 3 ? DropReason.MASKED : null);
            }
            return new Status(false, 0, count, devices.size(), 1_000_000);
        }

        @Override
        public Status status() {
            return new Status(running, 0, 0, 0, 0);
        }
    }

    static final class FakeInterrupts implements MachineInterrupts {
        final InterruptCounters ledger = new InterruptCounters();
        final FakeTraffic traffic = new FakeTraffic(ledger);
        final Map<String, MsiController> msi = new LinkedHashMap<>();
        final Map<String, InterruptController> ics = new LinkedHashMap<>();
        final List<MsiSource> sources = new ArrayList<>(
                List.of(TrafficArgsTest.source(0x08), TrafficArgsTest.source(0x10)));

        @Override
        public InterruptCounters msiLedger() {
            return ledger;
        }

        @Override
        public Map<String, InterruptController> interruptControllers() {
            return ics;
        }

        @Override
        public Map<String, MsiController> msiControllers() {
            return msi;
        }

        @Override
        public String rootInterruptController() {
            return GIC;
        }

        @Override
        public void attachSink(String node, InterruptSink sink) {
        }

        @Override
        public void detachSink(String node) {
        }

        @Override
        public List<MsiSource> msiSources() {
            return sources;
        }

        @Override
        public Traffic traffic() {
            return traffic;
        }
    }

    /** Only {@code node} is used by the commands. */
    static Machine machine() {
        return machine(List.of(), Map.of());
    }

    /** Also {@code pciDevices} and {@code hostBridge}: where functions are attached and the bridges' models. */
    static Machine machine(List<PciDeviceInfo> attached, Map<String, HostBridge> bridges) {
        return (Machine) Proxy.newProxyInstance(Machine.class.getClassLoader(), new Class<?>[] {Machine.class},
                (p, m, args) -> {
                    if (m.getName().equals("pciDevices")) {
                        return attached;
                    }
                    if (m.getName().equals("hostBridge")) {
                        return bridges.get((String) args[0]);
                    }
                    if (m.getName().equals("node")) {
                        String n = (String) args[0];
                        if (n.equals(ITS) || n.equals("its")) {
                            return new NodeInfo(ITS, List.of("arm,gic-v3-its"), List.of(), NodeState.BOUND,
                                    "gicv3-its", "", 0, null);
                        }
                        if (n.equals(GIC)) {
                            return new NodeInfo(GIC, List.of("arm,gic-v3"), List.of(), NodeState.BOUND, "gicv3", "",
                                    0, null);
                        }
                        return null;
                    }
                    if (m.getName().equals("hostBridges")) {
                        return List.of(); // stats notes unbound host bridges: none here
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A GIC whose only answer is how often an INTID was made pending (INTID + 1). */
    static InterruptController gic() {
        return (InterruptController) Proxy.newProxyInstance(InterruptController.class.getClassLoader(),
                new Class<?>[] {InterruptController.class}, (p, m, args) -> {
                    if (m.getName().equals("deliveries")) {
                        return (long) (Integer) args[0] + 1;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    static GuestKernel kernel(List<GuestMsiVector> vectors, List<GuestIrqCount> counts) {
        return new GuestKernel() {
            @Override
            public String name() {
                return "linux";
            }

            @Override
            public List<GuestPciHost> pciHosts() {
                return List.of();
            }

            @Override
            public List<GuestPciDevice> pciDevices() {
                return List.of();
            }

            @Override
            public List<String> bootLog() {
                return List.of();
            }

            @Override
            public List<GuestMsiVector> msiVectors() {
                return vectors;
            }

            @Override
            public List<GuestIrqCount> interruptCounts() {
                return counts;
            }
        };
    }

    final FakeInterrupts fabric = new FakeInterrupts();
    final List<PciDeviceInfo> attached = new ArrayList<>();
    final Map<String, HostBridge> bridges = new LinkedHashMap<>();
    final IrqCommands commands = new IrqCommands(machine(attached, bridges), fabric);

    /** A bridge behind whose root port (secondary bus 1, once programmed) the attached functions answer. */
    static HostBridge rootPortBridge(int[] secondary) {
        return (HostBridge) Proxy.newProxyInstance(HostBridge.class.getClassLoader(), new Class<?>[] {HostBridge.class},
                (p, m, args) -> {
                    if (m.getName().equals("configRequesterId")) {
                        int rid = (Integer) args[0];
                        return secondary[0] > 0 ? secondary[0] << 8 | (rid & 0xff) : -1;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void trafficNamesFunctionsWhereTheBridgeModelSaysTheyAnswerAndAcceptsThatName() {
        int[] secondary = {0};
        attached.add(new PciDeviceInfo("/axi/pcie@fd0e0000", 0, 0, 0x08, "testdev", ""));
        attached.add(new PciDeviceInfo("/axi/pcie@fd0e0000", 0, 0, 0x10, "testdev", ""));
        bridges.put("/axi/pcie@fd0e0000", rootPortBridge(secondary));
        assertEquals(List.of("00:01.0", "00:02.0"), commands.traffic("run", "2").devices(),
                "before bring-up the root port has no secondary bus: the attached IDs");
        secondary[0] = 1;
        assertEquals(List.of("01:01.0", "01:02.0"), commands.traffic("run", "2").devices(), "as lspci lists them");
        assertEquals(List.of("01:02.0"), commands.traffic("run", "1", "01:02.0").devices());
        assertEquals(List.of("01:02.0"), commands.traffic("run", "1", "00:02.0").devices(),
                "the requester ID still names it");
        CommandFailure none = assertThrows(CommandFailure.class, () -> commands.traffic("run", "1", "01:03.0"));
        assertTrue(none.getMessage().endsWith("(devices that do: 01:01.0,01:02.0)"), none.getMessage());
    }

    @Test
    void msiListsTheGuestsVectorsOrSaysThereIsNoGuest() {
        assertNull(commands.msi("").kernel());
        commands.setKernel(kernel(List.of(IrqFormatterTest.LPI), List.of()));
        MsiListing m = commands.msi("");
        assertEquals("linux", m.kernel());
        assertEquals(List.of(IrqFormatterTest.LPI), m.vectors());
    }

    @Test
    void aReplacedKernelIsNotDroppedByTheOldOnesUnbind() {
        GuestKernel a = kernel(List.of(), List.of());
        GuestKernel b = kernel(List.of(IrqFormatterTest.SPI), List.of());
        commands.setKernel(a);
        commands.setKernel(b);
        commands.unsetKernel(a);
        assertEquals(1, commands.msi("").vectors().size());
    }

    @Test
    void irqJoinsGuestCountsWithTheGicAndTheVectorsMsiController() {
        fabric.ics.put(GIC, gic());
        commands.setKernel(kernel(List.of(IrqFormatterTest.LPI), List.of(new GuestIrqCount(27, "PPI", "", 4),
                new GuestIrqCount(8194, "LPI", "0000:00:01.0 MSI-X 2", 17, List.of(16L, 1L)))));
        IrqListing l = commands.irq("");
        assertEquals(List.of(new IrqListing.Line(27, "PPI", 4, 28, GIC, ""),
                new IrqListing.Line(8194, "LPI", 17, 8195, ITS, "0000:00:01.0 MSI-X 2", List.of(16L, 1L))), l.lines());
        fabric.ics.put(GIC, null); // unbound GIC
        assertEquals(-1, commands.irq("").lines().get(0).pended());
    }

    /** An MSI controller whose only answer is what its messages become. */
    static MsiController msiController(MsiController.Delivery delivery) {
        return (MsiController) Proxy.newProxyInstance(MsiController.class.getClassLoader(),
                new Class<?>[] {MsiController.class}, (p, m, args) -> {
                    if (m.getName().equals("delivery")) {
                        return delivery;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void aChainedMsiControllersVectorsAreShownAsMsiNotByTheirVirqAsLpis() {
        String nwl = "/axi/pcie@fd0e0000";
        fabric.ics.put(GIC, gic());
        fabric.msi.put(nwl, msiController(MsiController.Delivery.CHAINED));
        fabric.msi.put(ITS, msiController(MsiController.Delivery.LPI));
        GuestMsiVector v = new GuestMsiVector("0000:01:01.0", GuestMsiVector.Mode.MSI, 0, 0xfd48_0000L, 0,
                GuestMsiVector.Target.SPI, 63296, nwl, false, 5);
        commands.setKernel(kernel(List.of(v, IrqFormatterTest.LPI), List.of(
                new GuestIrqCount(63296, "LPI", "0000:01:01.0 MSI 0", 5),
                new GuestIrqCount(8194, "LPI", "0000:00:01.0 MSI-X 2", 17))));
        List<IrqListing.Line> lines = commands.irq("").lines();
        assertEquals(new IrqListing.Line(63296, "MSI", 5, -1, nwl, "0000:01:01.0 MSI 0"), lines.get(0),
                "the NWL's vector is its own, not a GIC LPI with pendings to count");
        assertEquals("LPI", lines.get(1).type(), "an ITS's vector stays an LPI");
        assertEquals(8195, lines.get(1).pended());
    }

    @Test
    void statsIsTheLedger() {
        fabric.ledger.record(null);
        fabric.ledger.record(DropReason.NO_DOORBELL);
        assertEquals("fired=2 delivered=1 dropped=1",
                IrqFormatter.stats(commands.stats().ledger()).lines().findFirst().orElseThrow());
    }

    @Test
    void trafficStartStopAndStatusDriveTheGenerator() {
        TrafficReport r = commands.traffic("start", "250", "00:02.0");
        assertEquals(List.of("start 250 00:02.0"), fabric.traffic.calls);
        assertEquals(List.of("00:02.0"), r.devices());
        assertTrue(commands.traffic().status().running());
        CommandFailure twice = assertThrows(CommandFailure.class, () -> commands.traffic("start"));
        assertEquals("traffic is already running", twice.getMessage());
        assertTrue(!commands.traffic("stop").status().running());
        commands.traffic("start");
        assertEquals("start " + TrafficArgs.DEFAULT_RATE + " 00:01.0,00:02.0", fabric.traffic.calls.get(2));
    }

    @Test
    void trafficRunReportsHowTheLedgerMoved() {
        fabric.ledger.record(DropReason.NO_DOORBELL); // before the run: not part of its outcome
        TrafficReport r = commands.traffic("run", "8");
        assertEquals("run 8 00:01.0,00:02.0", fabric.traffic.calls.get(0));
        assertEquals(8, r.outcome().fired());
        assertEquals(6, r.outcome().delivered());
        assertEquals(Map.of(DropReason.MASKED, 2L), r.outcome().byReason());
    }

    @Test
    void badTrafficCommandsFailWithUsage() {
        assertTrue(assertThrows(CommandFailure.class, () -> commands.traffic("go")).getMessage()
                .contains("unknown action"));
        assertTrue(assertThrows(CommandFailure.class, () -> commands.traffic("run")).getMessage()
                .contains("needs COUNT"));
        assertTrue(assertThrows(CommandFailure.class, () -> commands.traffic("run", "5", "00:09.0")).getMessage()
                .contains("no device at 00:09.0"));
        assertTrue(assertThrows(CommandFailure.class, () -> commands.traffic("stop", "now")).getMessage()
                .contains("takes no arguments"));
        assertTrue(fabric.traffic.calls.isEmpty(), "nothing was driven by a bad command");
    }

    @Test
    void itsInspectsTheBoundModelAndExplainsAnUnboundOne() {
        fabric.msi.put(ITS, null);
        ItsListing unbound = commands.its();
        assertEquals("unbound: no model serves it", unbound.entries().get(0).why());
        ItsInspection snapshot = new ItsInspection(ITS, true, true, 0,
                new ItsInspection.CommandQueue(0, false, 0, 0, 0, 0, false, 0, 0, 0, 0, 0), List.of(), List.of(),
                List.of(), false, List.of());
        fabric.msi.put(ITS, inspectableIts(snapshot));
        assertSame(snapshot, commands.its("its").entries().get(0).inspection());
        assertEquals("ITS enabled, translation cache 0 hits 0 misses", commands.its("its").entries().get(0).summary(),
                "the model's own summary line");
        assertTrue(assertThrows(CommandFailure.class, () -> commands.its(GIC)).getMessage()
                .contains("is not an MSI controller"));
        assertTrue(assertThrows(CommandFailure.class, () -> commands.its("/nope")).getMessage()
                .startsWith("no node '/nope'"));
        fabric.msi.clear();
        assertTrue(assertThrows(CommandFailure.class, () -> commands.its()).getMessage()
                .startsWith("no ITS on this platform"));
    }

    @Test
    void itsListsAVendorsInspectableItsWhateverItsCompatibleAndNoOtherBoundController() {
        ItsInspection snapshot = new ItsInspection("/soc/acme-its@1000", true, true, 0,
                new ItsInspection.CommandQueue(0, false, 0, 0, 0, 0, false, 0, 0, 0, 0, 0), List.of(), List.of(),
                List.of(), false, List.of());
        fabric.msi.put("/soc/acme-its@1000", inspectableIts(snapshot));
        fabric.msi.put("/soc/v2m@2000", (MsiController) java.lang.reflect.Proxy.newProxyInstance(
                MsiController.class.getClassLoader(), new Class<?>[] {MsiController.class}, (p, m, a) -> {
                    throw new UnsupportedOperationException(m.getName());
                }));
        ItsListing l = commands.its();
        assertEquals(1, l.entries().size(), "only the model that inspects as an ITS");
        assertSame(snapshot, l.entries().get(0).inspection());
    }

    interface InspectableMsi extends MsiController, ItsInspectable {
    }

    static MsiController inspectableIts(ItsInspection snapshot) {
        return (MsiController) Proxy.newProxyInstance(IrqCommandsTest.class.getClassLoader(),
                new Class<?>[] {InspectableMsi.class}, (p, m, args) -> {
                    if (m.getName().equals("inspect")) {
                        return snapshot;
                    }
                    if (m.getName().equals("summary")) {
                        return "ITS enabled, translation cache 0 hits 0 misses";
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }
}
