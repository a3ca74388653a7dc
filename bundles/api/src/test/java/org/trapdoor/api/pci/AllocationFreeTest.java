package org.trapdoor.api.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemoryTransaction;

/** Trapped config accesses and MSI/MSI-X signals are hot paths: they must not allocate. */
class AllocationFreeTest {
    private static final class CountingUpstream implements PciUpstream {
        long sent;

        @Override
        public int requesterId() {
            return 1;
        }

        @Override
        public void send(MemoryTransaction tx) {
            sent++;
        }
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void configAccessesAndSignalsAllocateNothing() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ALL_ONES);
        ConfigRegister command = cs.register(PciConfig.COMMAND, 2, PciConfig.COMMAND_MASTER, PciConfig.COMMAND_MASTER);
        MsiCapability msi = new MsiCapability(cs, 0x40, 0x60, 4, true, true);
        MsixCapability msix = new MsixCapability(cs, 0x60, 0, 4, 0, 0, 0, 0x800);
        CountingUpstream up = new CountingUpstream();
        msi.connect(up, command);
        msix.connect(up, command);
        cs.write(0x40 + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE | (2 << 4));
        cs.write(0x60 + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
        MemoryTransaction unmask = new MemoryTransaction().write(12, 4, 0);
        unmask.offset = 12;
        msix.access(0, unmask);

        long probe = allocated();
        byte[] witness = new byte[4096];
        assertTrue(allocated() - probe >= witness.length, "allocation is measurable on this JVM");

        long sink = 0;
        for (int round = 0; round < 2; round++) {
            long before = allocated();
            for (int i = 0; i < 20_000; i++) {
                sink += cs.read(0x40, 4) + cs.read(0x3e, 4) + cs.read(0x42, 1);
                cs.write(0x40 + PciConfig.MSI_MASK_64, 4, i & 1);
                msi.signal(i & 3);
                msix.signal(0);
            }
            long used = allocated() - before;
            if (round == 1) {
                // One allocation per operation would be 300 KB or more; JIT and class loading leave a few bytes.
                assertTrue(used < 16 * 1024, "allocated " + used + " bytes in 20000 rounds");
            }
        }
        assertTrue(sink != 0);
        assertEquals(0, msi.failed());
        assertTrue(up.sent > 60_000);
    }
}
