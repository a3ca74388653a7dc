package org.trapdoor.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.pci.MsiOutcome;

/**
 * Every path of the benchmark delivers each raise to its kernel's handler, once, on the vector
 * raised: counted by the device, by Xen's ledger and by the guest apart.
 */
class XenMsiBenchmarkTest {
    @Test
    void bareMetalAndDom0DeliverEveryRaiseToTheKernel() {
        XenMsiBenchmark b = new XenMsiBenchmark();
        XenMsiBenchmark.Bare bare = new XenMsiBenchmark.Bare();
        XenMsiBenchmark.Dom0 dom0 = new XenMsiBenchmark.Dom0();
        bare.setUp();
        dom0.setUp();
        try {
            long bareBefore = bare.rig.kernel.interruptsHandled();
            long dom0Before = dom0.rig.kernel.interruptsHandled();
            for (int i = 0; i < 100; i++) {
                assertEquals(MsiOutcome.SENT, b.bareMetal(bare));
                assertEquals(MsiOutcome.SENT, b.xenDom0(dom0));
            }
            assertEquals(100, bare.rig.kernel.interruptsHandled() - bareBefore, "bare metal");
            assertEquals(100, dom0.rig.kernel.interruptsHandled() - dom0Before, "Dom0 under Xen");
            assertEquals(bare.rig.machine.msiLedger().delivered(), dom0.rig.machine.msiLedger().delivered(),
                    "same number of MSIs delivered");
        } finally {
            bare.tearDown();
            dom0.tearDown();
        }
    }

    @Test
    void domUUnderVitsGetsEveryRaiseOnTheVectorRaised() {
        XenMsiBenchmark.DomUVits s = new XenMsiBenchmark.DomUVits();
        s.setUp();
        try {
            assertTrue(s.rig.kernel.msiVectors().stream().allMatch(v -> v.target() == GuestMsiVector.Target.LPI),
                    "vits: the guest's vectors are LPIs of its vITS: " + s.rig.kernel.msiVectors());
            exact(s.rig, () -> new XenMsiBenchmark().domUVits(s));
        } finally {
            s.tearDown();
        }
    }

    @Test
    void domUUnderTrapRemapGetsEveryRaiseOnTheVectorRaised() {
        XenMsiBenchmark.DomUTrapRemap s = new XenMsiBenchmark.DomUTrapRemap();
        s.setUp();
        try {
            assertTrue(s.rig.kernel.msiVectors().stream().allMatch(v -> v.target() == GuestMsiVector.Target.SPI),
                    "trap-remap: the guest's vectors are SPIs of its frame: " + s.rig.kernel.msiVectors());
            exact(s.rig, () -> new XenMsiBenchmark().domUTrapRemap(s));
        } finally {
            s.tearDown();
        }
    }

    /** 103 raises (not a multiple of 4: vector 0..2 get one more) through the benchmark method. */
    private static void exact(DomUMsiRig rig, java.util.function.Supplier<MsiOutcome> raise) {
        long sent = rig.sent();
        long delivered = rig.irqs.ledger().delivered();
        long handled = rig.kernel.interruptsHandled();
        long[] perVector = new long[XenMsiBenchmark.VECTORS];
        for (int v = 0; v < perVector.length; v++) {
            perVector[v] = rig.kernel.msiVectors().get(v).count();
        }
        for (int i = 0; i < 103; i++) {
            assertEquals(MsiOutcome.SENT, raise.get());
        }
        assertEquals(103, rig.sent() - sent, "the device sent each");
        assertEquals(103, rig.irqs.ledger().delivered() - delivered, "Xen injected each once");
        assertEquals(103, rig.kernel.interruptsHandled() - handled, "the guest's handler ran for each");
        for (int v = 0; v < perVector.length; v++) {
            assertEquals(v < 3 ? 26 : 25, rig.kernel.msiVectors().get(v).count() - perVector[v], "vector " + v);
        }
    }
}
