package org.trapdoor.guest.msi;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class IntidBitmapTest {
    @Test
    void blocksAreAlignedOnTheIntidNotTheOffset() {
        IntidBitmap b = new IntidBitmap(80, 64); // QEMU's v2m frame: 80..143
        assertEquals(80, b.allocate(1));
        assertEquals(84, b.allocate(4), "80 is taken; the next 4-aligned block");
        assertEquals(96, b.allocate(16));
        assertEquals(88, b.allocate(8));
        assertEquals(-1, b.allocate(32), "no free 32-aligned block of 32 is left inside 80..143");
        assertEquals(112, b.allocate(16));
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
