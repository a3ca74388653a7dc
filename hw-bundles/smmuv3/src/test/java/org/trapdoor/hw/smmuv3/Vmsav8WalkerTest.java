package org.trapdoor.hw.smmuv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.iommu.Vmsav8Walker;
import org.trapdoor.api.iommu.Vmsav8Walker.Regime;
import org.trapdoor.testkit.ArrayRam;

/** The shared VMSAv8-64 walker on its own: granules, start levels, stage-2 concatenation. */
class Vmsav8WalkerTest {
    static final long RAM = 0x4000_0000L;
    final ArrayRam ram = new ArrayRam(RAM, 8 << 20);
    final Vmsav8Walker w = new Vmsav8Walker();

    @Test
    void stage1StartLevelFollowsTheInputSize() {
        assertEquals(0, Regime.stage1StartLevel(12, 48));
        assertEquals(1, Regime.stage1StartLevel(12, 39));
        assertEquals(2, Regime.stage1StartLevel(12, 30));
        assertEquals(1, Regime.stage1StartLevel(16, 48));
        assertEquals(2, Regime.stage1StartLevel(16, 42));
        assertEquals(0, Regime.stage1StartLevel(14, 48));
        assertEquals(1, Regime.stage1StartLevel(14, 47));
    }

    @Test
    void stage2StartLevelComesFromSl0() {
        assertEquals(2, Regime.stage2StartLevel(12, 0));
        assertEquals(0, Regime.stage2StartLevel(12, 2));
        assertEquals(-1, Regime.stage2StartLevel(12, 3));
        assertEquals(3, Regime.stage2StartLevel(16, 0));
        assertEquals(1, Regime.stage2StartLevel(14, 2));
    }

    @Test
    void walk16KGranuleFromLevel1() {
        // 47-bit input with 16K: level 1 (bits 46:36), level 2 (35:25), level 3 (24:14).
        long l1 = ram.alloc(16384);
        long l2 = ram.alloc(16384);
        long l3 = ram.alloc(16384);
        long va = 0x0000_5123_4567_8ABCL & ((1L << 47) - 1);
        ram.store64(l1 + ((va >>> 36) & 0x7FF) * 8, l2 | 3);
        ram.store64(l2 + ((va >>> 25) & 0x7FF) * 8, l3 | 3);
        ram.store64(l3 + ((va >>> 14) & 0x7FF) * 8, (RAM + 0x10_0000) | 1L << 10 | 3);
        Regime r = new Regime();
        r.granuleShift = 14;
        r.inputBits = 47;
        r.startLevel = 1;
        r.ttb = l1;
        assertNull(r.check());
        assertEquals(Vmsav8Walker.OK, w.walk(ram, r, va, true));
        assertEquals(RAM + 0x10_0000 + (va & 0x3FFF), w.outputAddress);
        assertEquals(14, w.leafShift);
    }

    @Test
    void stage2ConcatenatedStartTablesIndexBeyondOnePage() {
        // 4K, 40-bit IPA starting at level 1: two concatenated level-1 tables (bit 39 selects).
        long l1 = ram.alloc(8192);
        long ipa = 0x80_4000_0000L + 0x1234;
        ram.store64(l1 + ((ipa >>> 30) & 0x3FF) * 8, (RAM) | 1L << 10 | 3L << 6 | 1);
        Regime r = new Regime();
        r.stage2 = true;
        r.inputBits = 40;
        r.startLevel = Regime.stage2StartLevel(12, 1);
        r.ttb = l1;
        assertNull(r.check());
        assertEquals(Vmsav8Walker.OK, w.walk(ram, r, ipa, false));
        assertEquals(RAM + 0x1234, w.outputAddress);
        assertEquals(30, w.leafShift);
    }

    @Test
    void inconsistentRegimesAreRejected() {
        Regime r = new Regime();
        r.inputBits = 48;
        r.startLevel = 1; // 48 bits need level 0 at stage 1 with 4K
        assertNotNull(r.check());
        r.stage2 = true;
        r.startLevel = 2; // would need more than 16 concatenated tables
        assertNotNull(r.check());
        r.granuleShift = 13;
        assertNotNull(r.check());
    }

    @Test
    void inputBeyondTheRangeIsATranslationFault() {
        Regime r = new Regime();
        r.inputBits = 39;
        r.startLevel = 1;
        r.ttb = ram.alloc(4096);
        assertEquals(Vmsav8Walker.TRANSLATION, w.walk(ram, r, 1L << 39, false));
    }
}
