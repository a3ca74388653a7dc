package org.trapdoor.guest.irqchip;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class IntidBitmapTest {
    @Test
    void blocksAreAlignedOnTheirOffsetFromTheFirstIntidAsBitmapFindFreeRegionDoes() {
        IntidBitmap b = new IntidBitmap(83, 64); // a frame whose first SPI is not aligned
        assertEquals(83, b.allocate(1));
        assertEquals(87, b.allocate(4), "offset 0 is taken; offset 4, not INTID 84");
        assertEquals(99, b.allocate(16), "offset 16");
        assertEquals(91, b.allocate(8), "offset 8");
        assertEquals(115, b.allocate(32), "offset 32: INTID 115, which is not 32-aligned");
        assertEquals(-1, b.allocate(32));
        assertEquals(-1, b.allocate(16), "offsets 0..63 are full except below 16");
    }

    @Test
    void exhaustionIsReportedAndFreedBlocksAreReused() {
        IntidBitmap b = new IntidBitmap(8192, 64);
        int a = b.allocate(32);
        int c = b.allocate(32);
        assertEquals(-1, b.allocate(1));
        b.free(a, 32);
        assertEquals(a, b.allocate(32));
        assertNotEquals(a, c);
        assertEquals(64, b.used());
    }

    @Test
    void onlyPowersOfTwoAreBlockSizes() {
        IntidBitmap b = new IntidBitmap(32, 32);
        assertThrows(IllegalArgumentException.class, () -> b.allocate(3));
        assertEquals(4, IntidBitmap.roundUpPow2(3));
        assertEquals(1, IntidBitmap.roundUpPow2(1));
        assertEquals(8, IntidBitmap.roundUpPow2(8));
    }
}
