package org.trapdoor.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.MsiOutcome;

class NwlMsiBenchmarkTest {
    @Test
    void eachRaiseThroughTheNwlBitmapIsHandledOnceOnItsOwnVectorBesideTheItsPath() {
        NwlMsiBenchmark b = new NwlMsiBenchmark();
        b.setUp();
        try {
            long[] before = b.nwlTaken().clone();
            for (int i = 0; i < 4 * NwlRig.VECTORS; i++) {
                assertEquals(MsiOutcome.SENT, b.nwl());
                assertEquals(MsiOutcome.SENT, b.its());
            }
            long[] after = b.nwlTaken();
            for (int v = 0; v < NwlRig.VECTORS; v++) {
                assertEquals(before[v] + 4, after[v], "vector " + v);
            }
            assertArrayEquals(new long[] {6, 6, 6, 6}, after, "2 rounds in set-up, 4 here");
        } finally {
            b.tearDown();
        }
    }
}
