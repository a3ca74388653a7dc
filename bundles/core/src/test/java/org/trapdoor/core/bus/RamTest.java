package org.trapdoor.core.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.MemoryTransaction;

class RamTest {
    private static final long BASE = 0x4000_0000L;
    private static final long GIB = 1L << 30;

    private final Ram ram = new Ram(List.of(new long[] {BASE, GIB}));

    @Test
    void aGibibyteOfRamCostsOnlyThePagesWritten() {
        assertEquals(0, ram.allocatedBytes());
        assertEquals(0, ram.load64(BASE + GIB - 8));
        assertEquals(0, ram.allocatedBytes(), "reads of untouched memory allocate nothing");
        ram.store(BASE + 0x1234_5678L, 1, 0xab);
        ram.store(BASE + 0x1234_0000L, 4, 1);
        assertEquals(64 * 1024, ram.allocatedBytes());
        ram.store(BASE + GIB - 1, 1, 1);
        assertEquals(2 * 64 * 1024, ram.allocatedBytes());
    }

    @Test
    void zerosWrittenOverUntouchedPagesAllocateNothingButStillClearAWrittenPage() {
        byte[] zeros = new byte[3 * 64 * 1024];
        ram.write(BASE + 0x100, zeros, 0, zeros.length); // as Xen scrubs a DomU's frames
        assertEquals(0, ram.allocatedBytes(), "zeros over never-written pages keep them unallocated");
        ram.store64(BASE + 0x2_0008L, -1L);
        assertEquals(64 * 1024, ram.allocatedBytes());
        byte[] mixed = new byte[16];
        mixed[15] = 7; // a zero head and a non-zero tail in one untouched page allocates it
        ram.write(BASE + 0x5_0000L, mixed, 0, mixed.length);
        assertEquals(2 * 64 * 1024, ram.allocatedBytes());
        assertEquals(7, ram.load(BASE + 0x5_000fL, 1));
        ram.write(BASE + 0x100, zeros, 0, zeros.length);
        assertEquals(0, ram.load64(BASE + 0x2_0008L), "zeros over a written page clear it");
        byte[] back = new byte[zeros.length];
        back[5] = 1;
        ram.read(BASE + 0x100, back, 0, back.length);
        assertArrayEquals(zeros, back);
    }

    @Test
    void storesAndLoadsAreLittleEndian() {
        ram.store64(BASE + 0x100, 0x1122_3344_5566_7788L);
        assertEquals(0x88, ram.load(BASE + 0x100, 1));
        assertEquals(0x7788, ram.load(BASE + 0x100, 2));
        assertEquals(0x5566_7788L, ram.load(BASE + 0x100, 4));
        assertEquals(0x1122_3344, ram.load(BASE + 0x104, 4));
        byte[] b = new byte[2];
        ram.read(BASE + 0x106, b, 0, 2);
        assertArrayEquals(new byte[] {0x22, 0x11}, b);
    }

    @Test
    void accessesThatStraddleAPageBoundaryAreWhole() {
        long edge = BASE + 0x10000 - 3;
        ram.store64(edge, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, ram.load64(edge));
        assertEquals(0x0506_0708L, ram.load(edge, 4));
        byte[] big = new byte[0x30000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        ram.write(BASE + 0x2_0005, big, 0, big.length);
        byte[] back = new byte[big.length];
        ram.read(BASE + 0x2_0005, back, 0, back.length);
        assertArrayEquals(big, back);
    }

    @Test
    void accessOutsideRamThrowsMemoryAccessException() {
        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> ram.load(BASE - 4, 4));
        assertEquals(BASE - 4, e.address());
        assertThrows(MemoryAccessException.class, () -> ram.store(BASE + GIB - 4, 8, 0));
        assertThrows(MemoryAccessException.class, () -> ram.read(BASE + GIB - 1, new byte[2], 0, 2));
        assertThrows(MemoryAccessException.class, () -> ram.write(0, new byte[1], 0, 1));
        assertThrows(IllegalArgumentException.class, () -> ram.load(BASE, 3));
    }

    @Test
    void isRamCoversWholeRangesOnly() {
        assertTrue(ram.isRam(BASE, GIB));
        assertFalse(ram.isRam(BASE, GIB + 1));
        assertFalse(ram.isRam(BASE - 1, 2));
        assertFalse(ram.isRam(BASE, 0));
    }

    @Test
    void severalBanksAreSeparateAndMayNotOverlap() {
        Ram two = new Ram(List.of(new long[] {0x8000_0000L, 0x1000_0000L}, new long[] {0x0, 0x1000}));
        two.store32(0xffc, 5);
        two.store32(0x8000_0000L, 6);
        assertEquals(5, two.load32(0xffc));
        assertEquals(6, two.load32(0x8000_0000L));
        assertThrows(MemoryAccessException.class, () -> two.load32(0x1000));
        assertThrows(IllegalArgumentException.class,
                () -> new Ram(List.of(new long[] {0x0, 0x2000}, new long[] {0x1000, 0x1000})));
    }

    @Test
    void busAccessDecodesTheAbsoluteAddressAndRefusesWhatIsNotRam() {
        SystemBus bus = new SystemBus();
        bus.map(BASE, GIB, "ram", ram);
        assertEquals(MemResult.OK, bus.write(BASE + 8, 4, 0xcafe));
        assertEquals(0xcafe, bus.read(BASE + 8, 4));
        MemoryTransaction tx = new MemoryTransaction().read(BASE + GIB - 4, 8);
        ram.access(tx);
        assertEquals(MemResult.DECODE_ERROR, tx.result);
        assertEquals(-1L, tx.data);
        tx.read(BASE, 3);
        ram.access(tx);
        assertEquals(MemResult.DECODE_ERROR, tx.result);
    }
}
