package org.trapdoor.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trapdoor.api.trace.TraceCapture;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.TraceRecord;
import org.trapdoor.api.trace.Tracing;

/** The registry's switches, its bounded ring, captures and the file writer. */
class TraceRegistryTest {
    private static final TraceEvent TRANSLATE = TraceEvent.of("its_translate", "translation",
            TraceField.dec("devid"), TraceField.dec("eventid"), TraceField.dec("lpi"));
    private static final TraceEvent COMMAND = TraceEvent.of("its_command", "command", TraceField.hex("cmd"));
    private static final TraceEvent FAULT = TraceEvent.of("smmuv3_fault", "fault", TraceField.dec("sid"),
            TraceField.hex("iova"));

    @Test
    void aPointIsOffUntilAPatternSwitchesItOnAndEmitsNothingWhileOff() {
        TraceRegistry r = new TraceRegistry(64);
        TracePoint p = r.point(TRANSLATE);
        assertFalse(p.on());
        p.emit(8, 1, 8193);
        assertEquals(0, r.sequence(), "an emit while off keeps nothing");
        assertEquals(1, r.enable("its_*", true));
        assertTrue(p.on());
        p.emit(8, 1, 8193);
        List<TraceRecord> got = r.last(10);
        assertEquals(1, got.size());
        assertEquals("its_translate devid=8 eventid=1 lpi=8193", got.get(0).toString());
        assertEquals(8193, got.get(0).value("lpi"));
    }

    @Test
    void globsSelectByNameAndTheLastMatchingRuleDecidesForPointsDeclaredLater() {
        TraceRegistry r = new TraceRegistry(64);
        TracePoint t = r.point(TRANSLATE);
        TracePoint f = r.point(FAULT);
        r.enable("*", true);
        r.enable("its_*", false);
        assertFalse(t.on());
        assertTrue(f.on());
        // Declared after the rules: '*' on, then 'its_*' off.
        assertFalse(r.point(COMMAND).on());
        r.enable("its_comm?nd", true);
        assertTrue(r.point(COMMAND).on());
        assertEquals(List.of("* on", "its_* off", "its_comm?nd on"), r.rules());
        assertThrows(IllegalArgumentException.class, () -> r.enable(" ", true));
    }

    @Test
    void theSameEventGivesTheSamePointAndANewDeclarationKeepsTheSwitch() {
        TraceRegistry r = new TraceRegistry(64);
        TracePoint p = r.point(TRANSLATE);
        assertSame(p, r.point(TraceEvent.of("its_translate", "other words", TraceField.dec("devid"),
                TraceField.dec("eventid"), TraceField.dec("lpi"))));
        r.enable("its_translate", true);
        TracePoint q = r.point(TraceEvent.of("its_translate", "a new version", TraceField.dec("devid")));
        assertTrue(q.on(), "a model's new version carries on with the switch");
        assertEquals(1, r.points().size());
    }

    @Test
    void theRingStaysBoundedUnderAFloodFromManyThreads() throws Exception {
        TraceRegistry r = new TraceRegistry(1000);
        assertEquals(1024, r.capacity(), "rounded up to a power of two");
        TracePoint p = r.point(TRANSLATE);
        r.enable("*", true);
        Thread[] threads = new Thread[4];
        for (int i = 0; i < threads.length; i++) {
            int id = i;
            threads[i] = new Thread(() -> {
                for (int k = 0; k < 100_000; k++) {
                    p.emit(id, k, 0);
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(400_000, r.sequence());
        List<TraceRecord> all = r.last(Integer.MAX_VALUE);
        assertEquals(1024, all.size(), "never more than the ring holds");
        assertEquals(400_000 - 1024, all.get(0).sequence());
        assertTrue(r.since(0).size() <= 1024);
        for (int i = 1; i < all.size(); i++) {
            assertEquals(all.get(i - 1).sequence() + 1, all.get(i).sequence());
        }
    }

    @Test
    void aCaptureSwitchesEverythingOnKeepsOnlyItsThreadsRecordsAndRestores() throws Exception {
        TraceRegistry r = new TraceRegistry(64);
        TracePoint t = r.point(TRANSLATE);
        TracePoint f = r.point(FAULT);
        r.enable("smmuv3_*", true);
        List<TraceRecord> mine;
        try (TraceCapture c = r.capture()) {
            assertTrue(t.on());
            Thread other = new Thread(() -> t.emit(99, 99, 99));
            other.start();
            other.join();
            t.emit(1, 2, 3);
            f.emit(5, 0x1000);
            mine = c.records();
            assertEquals(0, c.lost());
        }
        assertEquals(2, mine.size());
        assertEquals("its_translate devid=1 eventid=2 lpi=3", mine.get(0).toString());
        assertEquals("smmuv3_fault sid=5 iova=0x1000", mine.get(1).toString());
        assertFalse(t.on(), "the switches the rules set are back");
        assertTrue(f.on());
    }

    @Test
    void aCaptureSaysHowManyRecordsTheRingLostUnderIt() {
        TraceRegistry r = new TraceRegistry(16);
        TracePoint t = r.point(TRANSLATE);
        try (TraceCapture c = r.capture()) {
            for (int i = 0; i < 40; i++) {
                t.emit(i, 0, 0);
            }
            assertEquals(24, c.lost());
            assertEquals(16, c.records().size());
        }
    }

    @Test
    void theFileWriterWritesEveryRecordAsALine(@TempDir Path dir) throws Exception {
        TraceRegistry r = new TraceRegistry(64);
        TracePoint t = r.point(TRANSLATE);
        r.enable("*", true);
        Path file = dir.resolve("trace.txt");
        r.writeTo(file);
        assertEquals(file, r.file());
        for (int i = 0; i < 200; i++) {
            t.emit(i, 1, 2);
        }
        r.writeTo(null);
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("its_translate devid=199 eventid=1 lpi=2")), lines.toString());
        long records = lines.stream().filter(l -> !l.startsWith("#")).count();
        assertEquals(200, records + r.fileLost(), "each record written or counted as overtaken");
        assertEquals(null, r.file());
    }

    @Test
    void declarationsRefuseWhatCannotBeRecorded() {
        assertThrows(IllegalArgumentException.class, () -> TraceEvent.of("Bad-Name", "x"));
        assertThrows(IllegalArgumentException.class, () -> TraceEvent.of("x", "x", TraceField.dec("a"),
                TraceField.dec("b"), TraceField.dec("c"), TraceField.dec("d"), TraceField.dec("e"),
                TraceField.dec("f"), TraceField.dec("g")));
        assertThrows(IllegalArgumentException.class, () -> TraceEvent.of("x", "x", TraceField.dec("a"),
                TraceField.text("t")));
        assertThrows(IllegalArgumentException.class, () -> TraceEvent.of("x", "x", TraceField.dec("a"),
                TraceField.dec("a")));
        assertTrue(Tracing.matches("its_*", "its_translate"));
        assertFalse(Tracing.matches("its_*", "smmuv3_fault"));
        assertTrue(Tracing.matches("*_fault", "smmuv3_fault"));
        assertFalse(Tracing.OFF.point(TRANSLATE).on());
    }
}
