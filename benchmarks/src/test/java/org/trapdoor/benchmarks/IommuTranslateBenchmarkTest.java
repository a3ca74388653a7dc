package org.trapdoor.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemoryTransaction;

class IommuTranslateBenchmarkTest {

    @Test
    void theRigEnablesTheSmmuWithAStage1Stream() {
        IommuRig rig = new IommuRig();
        assertTrue(rig.smmu.mode().startsWith("enabled"), rig.smmu.mode());
        MemoryTransaction tx = new MemoryTransaction();
        assertEquals(IommuRig.expected(IommuRig.MAPPED - 1), rig.translateChecked(tx, IommuRig.MAPPED - 1));
        assertEquals(0, rig.smmu.faultCount());
    }

    @Test
    void hitOpsAreServedFromTheIotlbWithTheRightAddress() {
        IommuTranslateBenchmark b = new IommuTranslateBenchmark();
        b.setUp();
        long hits = b.rig.smmu.iotlbHits();
        long misses = b.rig.smmu.iotlbMisses();
        for (int i = 0; i < 3 * IommuRig.HOT_PAGES; i++) {
            assertEquals(IommuRig.expected(IommuRig.PAGES + i % IommuRig.HOT_PAGES), b.iotlbHit());
        }
        assertEquals(hits + 3 * IommuRig.HOT_PAGES, b.rig.smmu.iotlbHits());
        assertEquals(misses, b.rig.smmu.iotlbMisses());
    }

    @Test
    void everyMissOpWalksAndReturnsTheRightAddress() {
        IommuTranslateBenchmark b = new IommuTranslateBenchmark();
        b.setUp();
        long hits = b.rig.smmu.iotlbHits();
        long misses = b.rig.smmu.iotlbMisses();
        int ops = IommuRig.PAGES + 100; // wraps around: the cycle's start was evicted too
        for (int i = 0; i < ops; i++) {
            assertEquals(IommuRig.expected(i % IommuRig.PAGES), b.walkOnMiss());
        }
        assertEquals(hits, b.rig.smmu.iotlbHits(), "no op may hit");
        assertEquals(misses + ops, b.rig.smmu.iotlbMisses());
        assertEquals(0, b.rig.smmu.faultCount());
    }

    @Test
    void setUpCheckRefusesATranslationThatFaulted() {
        IommuRig rig = new IommuRig();
        // One page past the mapping: a translation fault, which is fast and must never be timed.
        assertThrows(IllegalStateException.class, () -> rig.translateChecked(new MemoryTransaction(), IommuRig.MAPPED));
        assertEquals(1, rig.smmu.faultCount());
    }
}
