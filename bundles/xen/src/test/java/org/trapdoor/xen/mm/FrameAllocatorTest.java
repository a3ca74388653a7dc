package org.trapdoor.xen.mm;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.trapdoor.testkit.ArrayRam;

class FrameAllocatorTest {
    private final ArrayRam ram = new ArrayRam(0x6000_0000L, 64 * 4096);
    private final FrameAllocator heap = new FrameAllocator(ram, 0x6000_0000L, 64 * 4096);

    @Test
    void framesAreAlignedScrubbedAndReturned() {
        long a = heap.allocate(3, 1);
        ram.store64(a + 8, 0xdead_beefL);
        heap.free(a, 3);
        long one = heap.allocate(1, 1);
        assertEquals(a, one, "first fit reuses the freed run");
        assertEquals(0, ram.load64(one + 8), "handed-out frames are scrubbed");
        long b = heap.allocate(8, 8);
        assertEquals(0, (b >>> 12) & 7, "aligned to 8 frames");
        assertEquals(a + 8 * 4096, b, "the first aligned free run, past the used frame");
        assertEquals(64 - 9, heap.freeFrames());
    }

    @Test
    void exhaustionReturnsMinusOneAndBadFreesAreRefused() {
        assertEquals(-1, heap.allocate(65, 1));
        long a = heap.allocate(64, 1);
        assertEquals(-1, heap.allocatePage());
        heap.free(a, 64);
        assertThrows(IllegalStateException.class, () -> heap.free(a, 1), "double free");
        assertThrows(IllegalArgumentException.class, () -> heap.free(a + 12, 1));
        assertThrows(IllegalArgumentException.class, () -> new FrameAllocator(ram, 0x5000_0000L, 4096));
    }
}
