package org.trapdoor.shell.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.core.trace.TraceRegistry;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.guest.IrqFabric;
import org.trapdoor.guest.LinuxKernel;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.shell.ShellFormatter;
import org.trapdoor.shell.command.CommandFailure;

/**
 * {@code msi follow}, {@code dma follow}, {@code trace} and {@code swaps} on the {@code virt}
 * machine with the guest kernel booted (its SMMU translating every MSI and DMA), as the shell
 * runs them: each hop reported by its own model, the MSI's trace ending in its ledger line.
 */
class FollowerTest {
    private final TraceRegistry tracing = new TraceRegistry(4096);
    private ComposedMachine m;
    private LinuxKernel kernel;
    private Follower follower;
    private TraceCommands commands;

    @BeforeEach
    void boot() {
        m = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt"), tracing);
        m.addDriver(new EcamDriver());
        m.addDriver(new Gicv3Driver());
        m.addDriver(new ItsDriver());
        m.addDriver(new Smmuv3Driver());
        m.addFactory(new TestDeviceFactory());
        m.attach("testdev,addr=01.0,msi=4,msix=4");
        kernel = LinuxKernel.boot("guest", m.system(), m.platform(), new IrqFabric() {
            @Override
            public InterruptController interruptController(String node) {
                return m.interruptControllers().get(node);
            }

            @Override
            public void attach(String node, InterruptSink sink) {
                m.attachSink(node, sink);
            }
        });
        follower = new Follower(tracing, m);
        commands = new TraceCommands(tracing, m);
    }

    @AfterEach
    void close() {
        kernel.close();
        m.close();
    }

    private static String text(Object o) {
        return TraceFormatter.format(o, ShellFormatter.INSPECT).toString();
    }

    private static List<String> hops(FollowReport r) {
        return r.hops().stream().map(TraceFormatter::hop).distinct().toList();
    }

    @Test
    void anMsiIsFollowedFromTheDeviceThroughTheSmmuAndItsToTheLedger() {
        long handled = kernel.interruptsHandled();
        FollowReport r = follower.msi("00:01.0", 1);
        assertEquals(handled + 1, kernel.interruptsHandled(), "the guest took it");
        List<String> hops = hops(r);
        assertEquals("device", hops.get(0));
        assertTrue(hops.containsAll(List.of("port", "smmuv3", "node", "its", "ledger")), hops.toString());
        assertTrue(r.ledger().startsWith("delivered; fired="), r.ledger());
        String out = text(r);
        assertTrue(out.startsWith("msi follow 00:01.0 1\n  device   pci_msi_signal rid=00:01.0 vector=1"), out);
        assertTrue(out.contains("  smmuv3   smmuv3_translate sid=8 "), out);
        assertTrue(out.contains("  ledger   msi_ledger outcome=delivered"), out);
        assertTrue(out.endsWith("device: SENT\nledger: " + r.ledger()), out);
    }

    @Test
    void aDropAtTheDoorbellAndAfterASwapAreFollowedToTheirLedgerLines() {
        m.unbind("its");
        FollowReport dropped = follower.msi("01.0", 0);
        assertTrue(dropped.ledger().startsWith("dropped NODE_UNBOUND (doorbell node unbound)"), dropped.ledger());
        assertTrue(text(dropped).contains("node_access node=/intc@8000000/msi-controller@8080000"), text(dropped));
        m.autoBind("its");
        m.bind("its", "gicv3-its");
        FollowReport after = follower.msi("01.0", 0);
        assertTrue(after.ledger().startsWith("delivered"), after.ledger());
        String swaps = text(commands.swaps());
        assertTrue(swaps.lines().anyMatch(l -> l.startsWith("/intc@8000000/msi-controller@8080000") && l.contains(" swap ")
                && l.contains("gicv3-its") && l.matches(".* [0-9.]+ us +[0-9.]+ us$")), swaps);
    }

    @Test
    void aDmaToAnUnmappedIovaIsFollowedToTheSmmusFault() {
        GuestDmaTest[] done = new GuestDmaTest[1];
        FollowReport r = follower.follow("dma follow 01.0 0x1000 64 write", () -> {
            done[0] = kernel.dmaRaw("0000:00:01.0", 0x1000, 64, true);
            return "device: " + done[0].message();
        });
        TraceRecord fault = r.hops().stream().filter(h -> h.event().name().equals("smmuv3_fault")).findFirst()
                .orElseThrow(() -> new AssertionError(text(r)));
        assertEquals(0x1000, fault.value("iova"));
        assertTrue(text(r).contains("smmuv3_event id=0x10 sid=8 iova=0x1000 queued=written"), text(r));
        assertTrue(text(r).contains("pci_port_abort rid=00:01.0 why=IOMMU fault"), text(r));
    }

    @Test
    void traceListsSwitchesAndShowsTheRing() {
        assertTrue(text(commands.trace()).contains("its_translate"));
        assertEquals("3 trace points on ('its_*')", text(commands.trace("on", "its_*")));
        follower.msi("01.0", 2); // the capture restores the switches; the rule keeps its_* on
        kernel.interruptsHandled();
        m.msiSources().get(0).raise(2);
        String shown = text(commands.trace("show", "5"));
        assertTrue(shown.contains("its_translate devid=8 eventid=2"), shown);
        assertTrue(text(commands.trace()).lines().anyMatch(l -> l.startsWith("its_translate") && l.contains(" on ")));
        assertEquals("no trace point matches 'nothing_*' now; models bound later follow the rule (off)",
                text(commands.trace("off", "nothing_*")));
        assertThrows(CommandFailure.class, () -> commands.trace("show", "many"));
        assertThrows(CommandFailure.class, () -> commands.trace("sideways", "x"));
        assertThrows(CommandFailure.class, () -> follower.msi("07.0", 0));
    }
}
