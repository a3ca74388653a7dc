package org.trapdoor.guest.irqchip;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

class LpiRangesTest {
    @Test
    void allocationIsFirstFitWithoutAlignment() {
        LpiRanges r = new LpiRanges(8192, 100);
        assertEquals(8192, r.allocate(3));
        assertEquals(8195, r.allocate(32), "not rounded to a 32-aligned chunk");
        assertEquals(8227, r.allocate(1));
        assertEquals(100 - 36, r.available());
    }

    @Test
    void freedRangesMergeWithBothNeighboursAndAreReusedFirst() {
        LpiRanges r = new LpiRanges(8192, 64);
        int a = r.allocate(8);
        int b = r.allocate(8);
        int c = r.allocate(8);
        r.free(a, 8);
        r.free(c, 8);
        assertEquals(List.of(8192, 8), List.of(r.ranges().get(0)[0], r.ranges().get(0)[1]));
        assertEquals(a, r.allocate(4), "the first range that holds it");
        r.free(a, 4);
        r.free(b, 8);
        assertEquals(1, r.ranges().size(), "everything merged back into one range");
        assertArrayEquals(new int[] {8192, 64}, r.ranges().get(0));
    }

    @Test
    void aRequestNoRangeHoldsFails() {
        LpiRanges r = new LpiRanges(8192, 16);
        r.allocate(8);
        assertEquals(-1, r.allocate(9));
        assertEquals(8200, r.allocate(8));
        assertEquals(-1, r.allocate(1));
    }
}
