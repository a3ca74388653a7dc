package org.trapdoor.xen.mm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.iommu.Vmsav8Walker;
import org.trapdoor.testkit.ArrayRam;

/**
 * The P2M's tables are real VMSAv8-64 stage-2 tables: the architecture's walker (the one the SMMU
 * models use) reads them to the same answers as the P2M's own lookup, for pages, 2 MiB and 1 GiB
 * blocks, split blocks and unmapped holes.
 */
class P2mTest {
    private static final long HEAP = 0x4000_0000L;
    private final ArrayRam ram = new ArrayRam(HEAP, 16 << 20);
    private final FrameAllocator frames = new FrameAllocator(ram, HEAP, 16 << 20);

    private P2m p2m() {
        return new P2m(ram, frames, 3, 40);
    }

    /** Walks with the architectural walker; the output address or -1 on a fault. */
    private long walk(P2m p, long ipa, boolean write) {
        Vmsav8Walker w = new Vmsav8Walker();
        Vmsav8Walker.Regime r = p.regime();
        assertNull(r.check(), "the regime the P2M publishes is consistent");
        return w.walk(ram, r, ipa, write) == Vmsav8Walker.OK ? w.outputAddress : -1;
    }

    @Test
    void pagesAndBlocksTranslateAlikeInTheArchitecturalWalker() {
        P2m p = p2m();
        p.map(0x4000_0000L, 0x8_0000_0000L, 1L << 30, P2mType.RAM_RW); // one 1 GiB block
        p.map(0x1020_0000L, 0x7760_0000L, 2L << 20, P2mType.MMIO_DIRECT_DEV); // one 2 MiB block
        p.map(0x0300_1000L, 0x0900_5000L, 0x3000, P2mType.RAM_RO); // three pages
        Random rnd = new Random(7);
        long[] probes = new long[2000];
        for (int i = 0; i < probes.length; i++) {
            long base = switch (i % 4) {
                case 0 -> 0x4000_0000L + (rnd.nextLong() & ((1L << 30) - 1));
                case 1 -> 0x1020_0000L + (rnd.nextLong() & ((2L << 20) - 1));
                case 2 -> 0x0300_0000L + (rnd.nextLong() & 0x7fff);
                default -> rnd.nextLong() & ((1L << 40) - 1);
            };
            probes[i] = base;
        }
        for (long ipa : probes) {
            assertEquals(walk(p, ipa, false), p.translate(ipa), String.format("read of IPA 0x%x", ipa));
        }
        assertEquals(0x8_0000_0000L + 0x1234_5678L, walk(p, 0x5234_5678L, false));
        assertEquals(0x7760_0000L + 0x1_2345L, walk(p, 0x1021_2345L, true));
        assertEquals(0x0900_6010L, walk(p, 0x0300_2010L, false));
        assertEquals(-1, walk(p, 0x0300_2010L, true), "RAM_RO pages deny writes in S2AP");
        assertEquals(-1, walk(p, 0x0300_0ff8L, false), "the page below the mapping is a hole");
        assertEquals(-1, walk(p, 0x0300_4000L, false), "the page above the mapping is a hole");
    }

    @Test
    void unmappingPartOfABlockSplitsIt() {
        P2m p = p2m();
        p.map(0x4000_0000L, 0x4000_0000L, 1L << 30, P2mType.RAM_RW);
        long before = p.generation();
        p.unmap(0x4020_1000L, 0x1000);
        assertTrue(p.generation() > before, "an unmap moves the generation (TLB flush)");
        assertEquals(-1, walk(p, 0x4020_1008L, false));
        assertEquals(-1, p.translate(0x4020_1008L));
        assertEquals(0x4020_0ff8L, walk(p, 0x4020_0ff8L, true), "the neighbours keep their mapping");
        assertEquals(0x4020_2000L, walk(p, 0x4020_2000L, true));
        assertEquals(0x7fff_f000L, walk(p, 0x7fff_f000L, false), "the rest of the old 1 GiB block too");
        assertEquals(P2mType.RAM_RW, p.type(0x4020_2000L));
        assertEquals(P2mType.INVALID, p.type(0x4020_1000L));
    }

    @Test
    void remapReplacesAndDestroyReturnsEveryTableFrame() {
        int free = frames.freeFrames();
        P2m p = p2m();
        p.map(0x1000_0000L, 0x4080_0000L, 0x10_0000L, P2mType.RAM_RW);
        p.map(0x1000_0000L, 0x4090_0000L, 0x1000, P2mType.RAM_RW);
        assertEquals(0x4090_0abcL, walk(p, 0x1000_0abcL, false));
        assertEquals(0x4080_1abcL, walk(p, 0x1000_1abcL, false));
        assertTrue(p.tableFrames() > P2m.ROOT_PAGES);
        p.destroy();
        assertEquals(free, frames.freeFrames(), "root and every table frame went back to the heap");
        assertThrows(IllegalStateException.class, () -> p.map(0, 0x4000_0000L, 0x1000, P2mType.RAM_RW));
    }

    @Test
    void rootIsTwoConcatenatedAlignedPagesAndRegistersSayLevelOne() {
        P2m p = p2m();
        assertEquals(0, p.root() & 0x1fff, "8 KiB aligned concatenated root");
        assertEquals((3L << 48) | p.root(), p.vttbr());
        long vtcr = p.vtcr();
        assertEquals(24, vtcr & 0x3f, "T0SZ = 64 - 40");
        assertEquals(1, (vtcr >> 6) & 3, "SL0 = 1: start at level 1");
        assertEquals(2, (vtcr >> 16) & 7, "PS = 40 bits");
    }

    @Test
    void badRangesAreRefused() {
        P2m p = p2m();
        assertThrows(IllegalArgumentException.class, () -> p.map(0x1001, 0x4000_0000L, 0x1000, P2mType.RAM_RW));
        assertThrows(IllegalArgumentException.class, () -> p.map(1L << 40, 0x4000_0000L, 0x1000, P2mType.RAM_RW));
        assertThrows(IllegalArgumentException.class, () -> p.map(0, 1L << 40, 0x1000, P2mType.RAM_RW));
        assertEquals(-1, p.translate(1L << 41));
    }

    @Test
    void anExhaustedHeapIsAClearErrorAndTheP2mStaysUsable() {
        ArrayRam small = new ArrayRam(HEAP, 4 * 4096);
        FrameAllocator few = new FrameAllocator(small, HEAP, 4 * 4096);
        P2m p = new P2m(small, few, 1, 40);
        p.map(0x1000, 0x4000_0000L, 0x1000, P2mType.RAM_RW); // root + L2 + L3 = 4 frames
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> p.map(0x80_0000_0000L, 0x4000_0000L, 0x1000, P2mType.RAM_RW));
        assertTrue(e.getMessage().contains("no free frame"), e.getMessage());
        assertEquals(0x4000_0000L, p.translate(0x1000));
    }
}
