package org.trapdoor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.MemoryTransaction;

class ArrayRamTest {
    static final long BASE = 0x4000_0000L;
    final ArrayRam ram = new ArrayRam(BASE, 0x1000);

    @Test
    void storesAndLoadsLittleEndian() {
        ram.store64(BASE + 8, 0x1122_3344_5566_7788L);
        assertEquals(0x88, ram.load(BASE + 8, 1));
        assertEquals(0x7788, ram.load(BASE + 8, 2));
        assertEquals(0x5566_7788, ram.load(BASE + 8, 4));
        assertEquals(0x1122_3344, ram.load(BASE + 12, 4));
        assertEquals(0x1122_3344_5566_7788L, ram.load64(BASE + 8));
    }

    @Test
    void anythingNotWhollyInsideIsNotRam() {
        assertTrue(ram.isRam(BASE, 0x1000));
        assertFalse(ram.isRam(BASE - 1, 1));
        assertFalse(ram.isRam(BASE + 0xFFF, 2));
        assertFalse(ram.isRam(Long.MAX_VALUE - 2, 8), "no overflow into a false hit");
        assertFalse(ram.isRam(-8, 4));
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> ram.load(BASE + 0xFFC, 8));
        assertEquals(BASE + 0xFFC, e.address());
        assertThrows(MemoryAccessException.class, () -> ram.write(BASE + 0xFF0, new byte[32], 0, 32));
    }

    @Test
    void refusesSizesThatAreNoBusAccess() {
        assertThrows(IllegalArgumentException.class, () -> ram.load(BASE, 3));
        MemoryTransaction tx = new MemoryTransaction().read(BASE, 3);
        ram.asAddressSpace().access(tx);
        assertEquals(MemResult.ABORT, tx.result);
    }

    @Test
    void asARegionItDecodesOffsetsAndAsASystemAbsoluteAddresses() {
        MemoryTransaction tx = new MemoryTransaction().write(0xDEAD, 4, 0xCAFE_F00DL);
        tx.offset = 0x20;
        ram.access(tx);
        assertEquals(MemResult.OK, tx.result);
        assertEquals(0xCAFE_F00DL, ram.asAddressSpace().read(BASE + 0x20, 4));
        MemoryTransaction outside = new MemoryTransaction().read(BASE + 0x1000, 4);
        ram.asAddressSpace().access(outside);
        assertEquals(MemResult.DECODE_ERROR, outside.result);
        assertEquals(0xFFFF_FFFFL, outside.data);
    }

    @Test
    void allocHandsOutAlignedZeroedBlocksFromTheUpperHalf() {
        ram.store64(BASE + 0x880, -1L); // left behind where the first block will be
        long a = ram.alloc(0x100);
        assertEquals(BASE + 0x800, a);
        long b = ram.alloc(0x400);
        assertEquals(BASE + 0xC00, b, "aligned to its size");
        assertEquals(0, ram.load64(BASE + 0x880), "blocks come back zeroed");
        assertThrows(IllegalStateException.class, () -> ram.alloc(0x800));
        assertThrows(IllegalArgumentException.class, () -> ram.alloc(0x300));
    }
}
