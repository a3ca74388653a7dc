package org.trapdoor.guest.iommu;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class IovaAllocatorTest {
    static final long LIMIT_32 = 0xFFFF_FFFFL >>> 12;

    @Test
    void allocatesTopDownBelowTheLimitAndSizeAligned() {
        IovaAllocator a = new IovaAllocator(48);
        assertEquals(0xFFFFFL, a.allocate(1, LIMIT_32));
        assertEquals(0xFFFFEL, a.allocate(1, LIMIT_32));
        // Two pages: aligned to two pages, below what is taken.
        assertEquals(0xFFFFCL, a.allocate(2, LIMIT_32));
        // Three pages: aligned to four.
        assertEquals(0xFFFF8L, a.allocate(3, LIMIT_32));
        assertEquals(0x0FFFFL, a.allocate(1, 0x0FFFFL));
    }

    @Test
    void reservedRangesAreSkippedAndPageZeroIsNeverHandedOut() {
        IovaAllocator a = new IovaAllocator(48);
        a.reserve(0x0800_0000L, 0x10_0000L);
        assertEquals(0x080FFL + 1, a.allocate(1, 0x08100L));
        assertEquals(0x07FFFL, a.allocate(1, 0x080FFL), "a limit inside the reserved window allocates below it");
        IovaAllocator tiny = new IovaAllocator(48);
        assertEquals(1, tiny.allocate(1, 1));
        assertEquals(-1, tiny.allocate(1, 1), "page 0 is not an IOVA");
    }

    @Test
    void freedRangesAreReused() {
        IovaAllocator a = new IovaAllocator(48);
        long first = a.allocate(4, LIMIT_32);
        long second = a.allocate(4, LIMIT_32);
        assertEquals(4, a.free(first));
        assertEquals(0, a.free(first), "a second free is nothing");
        assertEquals(first, a.allocate(4, LIMIT_32));
        assertEquals(8, a.allocatedPages());
        assertNotEquals(first, second);
    }

    @Test
    void exhaustionIsReportedNotWrapped() {
        IovaAllocator a = new IovaAllocator(48);
        for (int i = 1; i <= 7; i++) {
            assertTrue(a.allocate(1, 7) > 0);
        }
        assertEquals(-1, a.allocate(1, 7));
    }
}
