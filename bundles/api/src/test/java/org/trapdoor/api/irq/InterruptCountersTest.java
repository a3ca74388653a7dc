package org.trapdoor.api.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InterruptCountersTest {
    @Test
    void firedIsDeliveredPlusDroppedByReason() {
        InterruptCounters c = new InterruptCounters();
        c.recordDelivered();
        c.record(null);
        c.recordDropped(DropReason.UNMAPPED_DEVICE_ID);
        c.record(DropReason.UNMAPPED_DEVICE_ID);
        c.record(DropReason.ITS_DISABLED);
        assertEquals(5, c.fired());
        assertEquals(2, c.delivered());
        assertEquals(3, c.dropped());
        assertEquals(2, c.dropped(DropReason.UNMAPPED_DEVICE_ID));
        InterruptCounters.Snapshot s = c.snapshot();
        assertEquals(5, s.fired());
        assertEquals(2, s.byReason().size());
        assertEquals(1L, s.byReason().get(DropReason.ITS_DISABLED));
    }

    @Test
    void concurrentRecordingLosesNothing() throws InterruptedException {
        InterruptCounters c = new InterruptCounters();
        Thread[] t = new Thread[2];
        for (int i = 0; i < t.length; i++) {
            final boolean drop = i == 1;
            t[i] = new Thread(() -> {
                for (int n = 0; n < 10_000; n++) {
                    c.record(drop ? DropReason.BAD_ACCESS_SIZE : null);
                }
            });
            t[i].start();
        }
        for (Thread x : t) {
            x.join();
        }
        assertEquals(20_000, c.fired());
        assertEquals(10_000, c.delivered());
        assertEquals(10_000, c.dropped(DropReason.BAD_ACCESS_SIZE));
    }

    @Test
    void resetZeroesEverything() {
        InterruptCounters c = new InterruptCounters();
        c.record(DropReason.LPI_DISABLED);
        c.recordDelivered();
        c.reset();
        assertEquals(0, c.fired());
        assertEquals(0, c.snapshot().byReason().size());
    }
}
