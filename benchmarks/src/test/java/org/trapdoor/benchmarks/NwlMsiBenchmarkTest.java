package org.trapdoor.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.MsiOutcome;

/**
 * The NWL and ITS paths of {@link NwlMsiBenchmark} deliver every raise to their kernel's handler
 * once, each vector through the NWL bitmap as itself; and the benchmark's tear-down refuses a
 * run whose handler did not take what was delivered.
 */
class NwlMsiBenchmarkTest {
    @Test
    void bothPathsDeliverEveryRaiseToTheKernelsHandler() {
        NwlMsiBenchmark b = new NwlMsiBenchmark();
        b.setUp();
        long nwl0 = b.nwl.kernel.interruptsHandled();
        long its0 = b.its.kernel.interruptsHandled();
        for (int i = 0; i < 400; i++) {
            assertEquals(MsiOutcome.SENT, b.nwl());
            assertEquals(MsiOutcome.SENT, b.its());
        }
        assertEquals(400, b.nwl.kernel.interruptsHandled() - nwl0, "NWL: every raise handled once");
        assertEquals(400, b.its.kernel.interruptsHandled() - its0, "ITS: every raise handled once");
        assertTrue(b.nwl.kernel.bootLog().stream().anyMatch(l -> l.contains("bridge initialised")),
                "the kernel's NWL driver brought the bridge up");
        b.tearDown();
    }

    @Test
    void tearDownRefusesARunWhoseDeliveriesTheHandlerDidNotTake() {
        NwlMsiBenchmark b = new NwlMsiBenchmark();
        b.setUp();
        // A delivery recorded behind the kernel's back: the handler's count no longer matches.
        b.nwl.machine.msiLedger().recordDelivered();
        assertThrows(IllegalStateException.class, b::tearDown);
    }
}
