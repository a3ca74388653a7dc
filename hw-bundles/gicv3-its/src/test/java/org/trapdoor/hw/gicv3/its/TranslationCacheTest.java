package org.trapdoor.hw.gicv3.its;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TranslationCacheTest {
    /** What the ITS does per MSI: look up, and on a miss fill what the tables gave. Returns hits. */
    private static int round(TranslationCache c, int devices, int events) {
        int hits = 0;
        for (int e = 0; e < events; e++) {
            for (int d = 0; d < devices; d++) {
                long hit = c.lookup(d, e);
                if (hit == TranslationCache.MISS) {
                    c.fill(d, e, c.generation(), 8192 + (d * events + e) % 50000, d & 3);
                } else {
                    assertEquals(8192 + (d * events + e) % 50000, TranslationCache.intid(hit), "LPI of " + d + "/" + e);
                    assertEquals(d & 3, TranslationCache.redistributor(hit));
                    hits++;
                }
            }
        }
        return hits;
    }

    @Test
    void aPopulationLargerThanTheCacheMakesItGrowUntilItsTranslationsHit() {
        TranslationCache c = new TranslationCache();
        int devices = 1024;
        int events = 32; // 1,024 functions of 32 MSI-X vectors: 32,768 translations
        for (int r = 0; r < 8; r++) {
            round(c, devices, events);
        }
        assertTrue(c.slots() > TranslationCache.MIN_SLOTS && c.slots() <= TranslationCache.MAX_SLOTS, "slots " + c.slots());
        int hits = round(c, devices, events);
        assertTrue(hits > devices * events * 9 / 10, "hits " + hits + " of " + devices * events);
    }

    @Test
    void aPopulationThatFitsLeavesTheCacheAtItsFirstSize() {
        TranslationCache c = new TranslationCache();
        for (int r = 0; r < 20; r++) {
            round(c, 16, 32); // 512 translations
        }
        assertEquals(TranslationCache.MIN_SLOTS, c.slots());
    }

    @Test
    void neverGrowsPastItsLimit() {
        TranslationCache c = new TranslationCache();
        for (int r = 0; r < 6; r++) {
            round(c, 8192, 32); // 262,144 translations: more than the largest table holds
        }
        assertEquals(TranslationCache.MAX_SLOTS, c.slots());
    }

    @Test
    void invalidationStillEmptiesAGrownCache() {
        TranslationCache c = new TranslationCache();
        for (int r = 0; r < 8; r++) {
            round(c, 1024, 32);
        }
        assertTrue(c.slots() > TranslationCache.MIN_SLOTS);
        c.invalidateAll();
        for (int d = 0; d < 1024; d++) {
            assertEquals(TranslationCache.MISS, c.lookup(d, 0), "device " + d + " after invalidation");
        }
    }

    @Test
    void aFillFromBeforeAnInvalidationNeverMatches() {
        TranslationCache c = new TranslationCache();
        int gen = c.generation();
        c.invalidateAll(); // a command changed the tables while the walk was reading them
        c.fill(1, 2, gen, 8200, 0);
        assertEquals(TranslationCache.MISS, c.lookup(1, 2));
        c.fill(1, 2, c.generation(), 8201, 1);
        assertEquals(8201, TranslationCache.intid(c.lookup(1, 2)));
    }
}
