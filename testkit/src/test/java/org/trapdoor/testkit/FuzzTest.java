package org.trapdoor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class FuzzTest {
    @Test
    void keptSeedsRunFirstThenFreshCasesUpToTheLimit() {
        List<Long> firsts = new ArrayList<>();
        Fuzz.Report r = Fuzz.property("kept-example", FuzzTest.class).maxCases(5)
                .run(random -> firsts.add(random.nextLong()));
        assertEquals(2, r.keptSeeds());
        assertEquals(5, r.cases());
        assertEquals(7, firsts.size());
        assertEquals(new SplittableRandom(0x2a).nextLong(), firsts.get(0));
        assertEquals(new SplittableRandom(0xff).nextLong(), firsts.get(1));
    }

    @Test
    void theSameBaseSeedGivesTheSameCases() {
        List<Long> a = new ArrayList<>();
        List<Long> b = new ArrayList<>();
        Fuzz.property("same", FuzzTest.class).maxCases(20).run(random -> a.add(random.nextLong()));
        Fuzz.property("same", FuzzTest.class).maxCases(20).run(random -> b.add(random.nextLong()));
        assertEquals(a, b);
        assertEquals(20, a.stream().distinct().count());
    }

    @Test
    void aFailureNamesTheSeedThatReplaysIt() {
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.property("fails", FuzzTest.class)
                .maxCases(1000).run(random -> {
                    if (random.nextInt(10) == 3) {
                        throw new IllegalStateException("three");
                    }
                }));
        assertTrue(e.getMessage().contains("java.lang.IllegalStateException: three"), e.getMessage());
        String seed = e.getMessage().replaceAll("(?s).*-Dtrapdoor.fuzz.replay=fails:([0-9a-f]+).*", "$1");
        assertEquals(3, new SplittableRandom(Long.parseUnsignedLong(seed, 16)).nextInt(10));
    }

    @Test
    void anErrorIsAFailureToo() {
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.property("deep", FuzzTest.class)
                .maxCases(1).run(random -> recurse(0)));
        assertTrue(e.getMessage().contains("StackOverflowError"), e.getMessage());
    }

    private static int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    @Test
    void aCaseThatHangsIsReportedWithWhereItHangs() {
        System.setProperty("trapdoor.fuzz.caseTimeoutSeconds", "0.3");
        try {
            AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.property("hangs", FuzzTest.class)
                    .maxCases(1).run(random -> {
                        Object lock = new Object();
                        synchronized (lock) {
                            lock.wait();
                        }
                    }));
            assertTrue(e.getMessage().contains("did not finish within 300 ms"), e.getMessage());
            assertTrue(e.getMessage().contains("java.lang.Object.wait"), e.getMessage());
        } finally {
            System.clearProperty("trapdoor.fuzz.caseTimeoutSeconds");
        }
    }
}
