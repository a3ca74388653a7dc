package org.trapdoor.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.MsiSource;

/**
 * The mustang preset's X-Gene bridge with its X-Gene MSI block, and the axi preset's AXI bridge
 * with its interrupt FIFO, in the real bundles: every MSI of a burst handled exactly once per
 * vector, held against three counts kept apart (the endpoints' own MSG_SENT, the guest's
 * handled interrupts per vector, the MSI controller's own counters) besides the machine's
 * ledger; and their bad input: config before link-up, a vector beyond the block's, the FIFO read
 * or popped empty and overflowing.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class VendorMsiIT {
    private static final String XGENE = "/soc/pcie@1f2b0000";
    private static final String XGENE_MSI = "/soc/msi@79000000";
    private static final long XGENE_CSR = 0x1f2b_0000L;
    private static final long XGENE_CFG = 0xe0_d000_0000L;
    private static final String AXI = "/axi-pcie@20000000";
    private static final long AXI_ECAM = 0x2000_0000L;
    private static final String GUEST_BUNDLE = "org.trapdoor.guest";
    private static final int PER_VECTOR = 100;
    private static final int MSG_SENT = 0x44;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private PresetServices rig;

    @Configuration
    public Option[] config() {
        return TrapdoorContainer.options();
    }

    @Before
    public void rig() {
        rig = new PresetServices(context, configurationAdmin);
    }

    @After
    public void closeTrackers() {
        rig.close();
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void xgeneConfigIsRefusedBeforeLinkUpThenEveryMsiArrivesExactlyOncePerVectorThroughItsGroup()
            throws Exception {
        Bundle guest = rig.bundle(GUEST_BUNDLE);
        guest.stop();
        Machine m = rig.boot("mustang");
        HostBridge x = m.hostBridge(XGENE);
        assertNotNull("the X-Gene bridge is bound", x);
        assertTrue("no link while the controller's clock is gated", !x.ready());
        assertEquals("config to the bus before link-up: all-ones", -1, x.configRead(1, 0x08, 0, 4));
        // As a driver would: RTDID, then cfg + 0x10000.
        m.system().write(XGENE_CSR + 0x160, 4, 1 << 8 | 0x08);
        assertEquals(0xffff_ffffL, m.system().read(XGENE_CFG + 0x10000, 4));
        assertTrue(x.summary(), x.summary().contains("2 config accesses refused"));

        guest.start();
        GuestKernel g = rig.awaitGuest();
        assertTrue("the guest enabled the clock and the link came up", x.ready());
        assertEquals("the first endpoint behind the root port", 0x11e91234, x.configRead(1, 0x08, 0, 4));
        MsiController msi = rig.service(MachineInterrupts.class).msiControllers().get(XGENE_MSI);
        assertNotNull("the X-Gene MSI block is bound", msi);
        List<GuestMsiVector> vectors = g.msiVectors();
        assertEquals(tail(g), 16, vectors.size());
        for (GuestMsiVector v : vectors) {
            assertEquals(v.toString(), XGENE_MSI, v.controller());
            assertEquals(v.toString(), 0x7900_0000L, v.address() & ~0x7f_0000L);
        }
        burstExactlyPerVector(g, m, msi);
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void xgeneMsiBeyondVector15SetsNothingAndIsCountedByTheBlock() throws Exception {
        Machine m = rig.boot("mustang");
        GuestKernel g = rig.awaitGuest();
        MsiController msi = rig.service(MachineInterrupts.class).msiControllers().get(XGENE_MSI);
        long before = msi.counters().dropped(DropReason.VECTOR_OUT_OF_RANGE);
        long handled = g.interruptsHandled();
        m.system().write(0x7900_0000L, 4, 16);
        m.system().write(0x7900_0000L + (3L << 19), 4, 0xffff);
        assertEquals(2, msi.counters().dropped(DropReason.VECTOR_OUT_OF_RANGE) - before);
        assertEquals("MSIINT0 and MSIINT3 show nothing", 0,
                m.system().read(0x7980_0000L, 4) | m.system().read(0x7980_0000L + (3L << 16), 4));
        assertEquals("nothing reached the guest", handled, g.interruptsHandled());
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void everyAxiMsiGoesThroughTheFifoExactlyOncePerVector() throws Exception {
        Machine m = rig.boot("axi");
        GuestKernel g = rig.awaitGuest();
        HostBridge bridge = m.hostBridge(AXI);
        // The node has no msi-controller property (pcie-xilinx.c makes its domain regardless):
        // the bridge's model is the controller.
        assertTrue("the AXI bridge is its own MSI controller: " + bridge, bridge instanceof MsiController);
        MsiController fifo = (MsiController) bridge;
        List<GuestMsiVector> vectors = g.msiVectors();
        assertEquals(tail(g), 16, vectors.size());
        long page = vectors.get(0).address();
        for (GuestMsiVector v : vectors) {
            assertEquals("one RAM page for every vector (MSIBASE1/2)", page, v.address());
        }
        burstExactlyPerVector(g, m, fifo);
        assertTrue(m.hostBridge(AXI).summary(), m.hostBridge(AXI).summary().contains("FIFO 0/32"));
    }

    @Test(timeout = TrapdoorContainer.TEST_TIMEOUT_MS)
    public void theAxiFifoReadOrPoppedEmptyAnswersZeroAndOverflowsIntoCountedLosses() throws Exception {
        Machine m = rig.boot("axi");
        GuestKernel g = rig.awaitGuest();
        HostBridge axi = m.hostBridge(AXI);
        assertEquals("RPIFR1 with the FIFO empty", 0, m.system().read(AXI_ECAM + 0x158, 4));
        m.system().write(AXI_ECAM + 0x158, 4, 0xffff_ffffL);
        assertTrue(axi.summary(), axi.summary().contains("1 empty reads, 1 empty pops"));

        MachineInterrupts irq = rig.service(MachineInterrupts.class);
        MsiSource src = irq.msiSources().get(0);
        InterruptCounters ledger = irq.msiLedger();
        long imr = m.system().read(AXI_ECAM + 0x13c, 4);
        // The MSI interrupt masked (IMR bit 17): entries wait in the FIFO until it is full.
        m.system().write(AXI_ECAM + 0x13c, 4, imr & ~(1L << 17));
        long held0 = ledger.dropped(DropReason.INTERRUPT_DISABLED);
        long lost0 = ledger.dropped(DropReason.FIFO_OVERFLOW);
        long handled0 = g.interruptsHandled();
        for (int i = 0; i < 40; i++) {
            src.raise(i % src.vectors());
        }
        assertEquals("32 held in the FIFO", 32, ledger.dropped(DropReason.INTERRUPT_DISABLED) - held0);
        assertEquals("8 lost to a full FIFO", 8, ledger.dropped(DropReason.FIFO_OVERFLOW) - lost0);
        assertEquals("RPSC bit 19: overflow", 1L << 19, m.system().read(AXI_ECAM + 0x148, 4) & 1L << 19);
        assertTrue(axi.summary(), axi.summary().contains("FIFO 32/32 (overflowed)"));
        // Unmasked: the line rises and the guest's handler takes one entry per interrupt until empty.
        m.system().write(AXI_ECAM + 0x13c, 4, imr);
        assertEquals("the 32 held entries handled", 32, g.interruptsHandled() - handled0);
        assertTrue(axi.summary(), axi.summary().contains("FIFO 0/32"));
    }

    /** A counted burst over every vector; ledger, device, guest and controller agree, per vector. */
    private void burstExactlyPerVector(GuestKernel g, Machine m, MsiController controller) {
        MachineInterrupts irq = rig.service(MachineInterrupts.class);
        List<MsiSource> sources = irq.msiSources();
        Map<String, Long> before = PresetServices.counts(g);
        InterruptCounters ledger = irq.msiLedger();
        long delivered0 = ledger.delivered();
        long dropped0 = ledger.dropped();
        long own0 = controller.counters().delivered();
        long sent0 = sent(g, m);
        long n = 16L * PER_VECTOR;
        Traffic.Status s = irq.traffic().run(n, sources);
        assertEquals(s.toString(), n, s.raised());
        assertEquals("ledger delivered", n, ledger.delivered() - delivered0);
        assertEquals("ledger dropped", 0, ledger.dropped() - dropped0);
        assertEquals("the endpoints' own MSG_SENT", n, sent(g, m) - sent0);
        assertEquals("the controller's own count", n, controller.counters().delivered() - own0);
        for (Map.Entry<String, Long> e : PresetServices.counts(g).entrySet()) {
            assertEquals("guest count of " + e.getKey(), PER_VECTOR, e.getValue() - before.get(e.getKey()));
        }
    }

    private static long sent(GuestKernel g, Machine m) {
        long sum = 0;
        for (GuestPciDevice d : g.pciDevices()) {
            if (d.vendorId() == 0x1234 && d.bar(0) != null && d.bar(0).assigned()) {
                sum += m.system().read(d.bar(0).cpuAddress() + MSG_SENT, 4);
            }
        }
        return sum;
    }

    private static String tail(GuestKernel g) {
        List<String> l = g.bootLog();
        return String.join("\n", l.subList(Math.max(0, l.size() - 60), l.size()));
    }

}
