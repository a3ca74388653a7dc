package org.trapdoor.api.pci.ecam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;

class EcamHostTest {
    private static final long CFG = 0x80_0000_0000L;

    /** One function at 00:01.0 whose every register reads 0x11223344. */
    private final PciFunction fn = new PciFunction() {
        @Override
        public int configRead(int offset, int size) {
            return 0x11223344 >>> (8 * (offset & 3));
        }

        @Override
        public void configWrite(int offset, int size, int value) {
            writes++;
        }

        @Override
        public boolean decodeMemory(MemoryTransaction tx) {
            return false;
        }
    };
    private int writes;
    private final PciHierarchy pci = new PciHierarchy() {
        @Override
        public PciFunction function(int bus, int devfn) {
            return bus == 0 && devfn == 8 ? fn : null;
        }

        @Override
        public int[] requesterIds() {
            return new int[] {8};
        }
    };

    private static long read(EcamHost h, long offset, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(CFG + offset, size);
        tx.offset = offset;
        h.ecam().access(tx);
        return tx.data;
    }

    @Test
    void aClosedGateAnswersAllOnesDropsWritesAndCountsEachRefusal() {
        boolean[] open = {false};
        EcamHost h = new EcamHost(new EcamWindow("/pcie", 2, new RegEntry(CFG, 16L << 20, "cfg"), 0, 255, List.of(),
                EcamLayout.ECAM), pci, null, (bus, devfn) -> open[0]);
        assertEquals(0xffff_ffffL, read(h, EcamLayout.ECAM.offset(0, 8, 0), 4));
        h.configWrite(0, 8, 4, 2, 6);
        assertEquals(0, writes);
        assertEquals(0xffff, h.configRead(0, 8, 0, 2));
        assertEquals(3, h.refusedAccesses());
        open[0] = true;
        assertEquals(0x11223344L, read(h, EcamLayout.ECAM.offset(0, 8, 0), 4));
        assertEquals(3, h.refusedAccesses(), "an open gate counts nothing");
    }

    @Test
    void theWindowIsTheRegEntryTheOpsNameAndTheOnlyRegionServed() {
        EcamHost h = new EcamHost(new EcamWindow("/pcie", 2, new RegEntry(CFG, 16L << 20, "cfg"), 0, 255, List.of(),
                EcamLayout.ECAM), pci, null, ConfigGate.OPEN);
        assertNull(h.region(0));
        assertSame(h.ecam(), h.region(2));
        assertEquals(15, h.busEnd(), "16 MiB holds 16 buses");
    }

    @Test
    void camLayoutDecodesSixteenBitsPerBusAndRefusesRegistersBeyond256() {
        assertEquals(0x1_0800 | 0x40, EcamLayout.CAM.offset(1, 8, 0x40));
        EcamHost h = new EcamHost(new EcamWindow("/pci", 0, new RegEntry(CFG, 1L << 24, null), 0, 255, List.of(),
                EcamLayout.CAM), pci, null, ConfigGate.OPEN);
        assertEquals(0x11223344L, read(h, EcamLayout.CAM.offset(0, 8, 0), 4));
        assertEquals(-1, h.configRead(0, 8, 0x100, 4));
        assertEquals(1, h.badAccesses());
    }

    @Test
    void theRootFunctionAnswersAtDevfnZeroOfTheFirstBusOnly() {
        RootPort rp = new RootPort(0x10ee, 0xd011);
        EcamHost h = new EcamHost(new EcamWindow("/pcie", 0, new RegEntry(CFG, 256L << 20, null), 0, 255, List.of(),
                EcamLayout.ECAM), pci, rp, ConfigGate.OPEN);
        assertEquals(0xd01110ee, h.configRead(0, 0, 0, 4));
        assertEquals(0x0604, h.configRead(0, 0, 0x0a, 2));
        h.configWrite(0, 0, RootPort.BUS_NUMBERS, 4, 0x0c0100);
        assertEquals(1, rp.secondaryBus());
        assertEquals(12, rp.subordinateBus());
        assertEquals(-1, h.configRead(1, 0, 0, 4), "nothing at 01:00.0");
    }

    @Test
    void aWindowSmallerThanOneBusIsRefusedWithTheNodeInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EcamWindow("/pcie@1", 0,
                new RegEntry(CFG, 0x8_0000, null), 0, 255, List.of(), EcamLayout.ECAM));
        assertEquals(true, e.getMessage().startsWith("/pcie@1: ECAM window 0x80000 is smaller than one bus"), e.getMessage());
    }
}
