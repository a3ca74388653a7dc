package org.trapdoor.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.MsiOutcome;

/** The benchmark's two paths deliver every raise to their kernel's handler, and only once. */
class XenMsiBenchmarkTest {
    @Test
    void bothPathsDeliverEveryRaiseToTheKernel() {
        XenMsiBenchmark b = new XenMsiBenchmark();
        b.setUp();
        try {
            long[] before = b.handled();
            for (int i = 0; i < 100; i++) {
                assertEquals(MsiOutcome.SENT, b.bareMetal());
                assertEquals(MsiOutcome.SENT, b.xenDom0());
            }
            long[] after = b.handled();
            assertEquals(100, after[0] - before[0], "bare metal");
            assertEquals(100, after[1] - before[1], "Dom0 under Xen");
            assertEquals(b.ledgers().get("bare"), b.ledgers().get("xen"), "same number of MSIs delivered");
        } finally {
            b.tearDown();
        }
    }
}
