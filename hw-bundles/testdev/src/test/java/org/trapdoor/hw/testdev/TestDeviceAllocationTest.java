package org.trapdoor.hw.testdev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.MsiOutcome;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PciUpstream;

/** Raising vectors and running DMAs from Java (benchmarks, traffic generators) allocates nothing. */
class TestDeviceAllocationTest {
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void raiseAndDmaAllocateNothing() {
        TestDevice dev = new TestDevice(4, 8);
        long[] count = new long[1];
        dev.connect(new PciUpstream() {
            @Override
            public int requesterId() {
                return 0x100;
            }

            @Override
            public void send(MemoryTransaction tx) {
                count[0]++;
                if (!tx.write) {
                    tx.data = 0x0102030405060708L;
                }
            }
        });
        dev.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MASTER);
        dev.configWrite(0x40 + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE | (2 << 4));
        long probe = allocated();
        byte[] witness = new byte[4096];
        assertTrue(allocated() - probe >= witness.length, "allocation is measurable on this JVM");
        for (int round = 0; round < 2; round++) {
            long before = allocated();
            for (int i = 0; i < 10_000; i++) {
                assertEquals(MsiOutcome.SENT, dev.raise(i & 3));
                dev.dma(TestDevice.Direction.FROM_BUS, 0x4000_0000L + (i & 7), 0, 64);
            }
            long used = allocated() - before;
            if (round == 1) {
                // One allocation per operation would be 160 KB or more; JIT and class loading leave a few bytes.
                assertTrue(used < 16 * 1024, "allocated " + used + " bytes");
            }
        }
        assertEquals(20_000, dev.dmasDone());
    }
}
