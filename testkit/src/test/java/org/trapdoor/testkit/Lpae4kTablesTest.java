package org.trapdoor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class Lpae4kTablesTest {
    static final long RAM = 0x8000_0000L;
    final ArrayRam ram = new ArrayRam(RAM, 1 << 20);

    @Test
    void aPageIsReachedThroughOneTablePerLevel() {
        Lpae4kTables pt = new Lpae4kTables(ram);
        long va = 0x0000_1234_5678_9000L;
        pt.page(va, 0x4_0000_0000L, Lpae4kTables.S1_RO);
        long t = pt.root;
        for (int level = 0; level < 3; level++) {
            long d = ram.load64(t + Lpae4kTables.index(va, level) * 8L);
            assertEquals(3, d & 3, "table descriptor at level " + level);
            t = d & Lpae4kTables.ADDRESS_MASK;
        }
        long leaf = ram.load64(t + Lpae4kTables.index(va, 3) * 8L);
        assertEquals(0x4_0000_0000L | Lpae4kTables.S1_RO | Lpae4kTables.AF | 3, leaf);
        assertEquals(t + Lpae4kTables.index(va, 3) * 8L, pt.slot(va, 3));
    }

    @Test
    void aBlockIsALevelOneOrTwoDescriptorWithTypeOne() {
        Lpae4kTables pt = new Lpae4kTables(ram);
        pt.block(0x4000_0000L, 0x1_0000_0000L, 1, Lpae4kTables.S2_R | Lpae4kTables.S2_W);
        assertEquals(0x1_0000_0000L | 0xC0 | Lpae4kTables.AF | 1, ram.load64(pt.slot(0x4000_0000L, 1)));
        assertThrows(IllegalArgumentException.class, () -> pt.block(0, 0, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> pt.block(0, 0, 0, 0));
    }

    @Test
    void rawDescriptorsAreWrittenUntouched() {
        Lpae4kTables pt = new Lpae4kTables(ram);
        pt.raw(0x8000, 3, RAM | 3);
        assertEquals(RAM | 3, ram.load64(pt.slot(0x8000, 3)));
    }

    @Test
    void nestedTablesAreLinkedByTheirOffsetAddresses() {
        Lpae4kTables pt = new Lpae4kTables(ram, -RAM);
        pt.page(0x5000, 0x70_0000, 0);
        long l1 = ram.load64(pt.root) & Lpae4kTables.ADDRESS_MASK;
        assertEquals(pt.table(0x5000, 1) - RAM, l1, "written as an IPA");
        assertNotEquals(pt.table(0x5000, 1), l1);
        assertEquals(0x70_0000L | Lpae4kTables.AF | 3, ram.load64(pt.slot(0x5000, 3)));
    }
}
