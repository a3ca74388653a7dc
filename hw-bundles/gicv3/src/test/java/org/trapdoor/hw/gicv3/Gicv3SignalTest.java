package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;

/**
 * When the GICv3 tells a CPU to look: every register write that can make an interrupt takeable
 * signals, and the CPU interface's active stack survives EOIs out of order.
 */
class Gicv3SignalTest extends Gicv3Fixture {
    @Test
    void enablingAPendingSpiSignalsItAndDisablingDoesNot() {
        spi(40, 0x80);
        wr(gicd, 0x184, 4, 1L << 8);
        assertEquals(DropReason.INTERRUPT_DISABLED, gic.raiseSpi(40));
        signals.clear();
        wr(gicd, 0x184, 4, 1L << 8);
        assertTrue(signals.isEmpty(), "clear-enable signals nothing");
        wr(gicd, 0x104, 4, 1L << 8);
        assertEquals(List.of(40), signalled(0));
    }

    @Test
    void clearingActiveSignalsAnSpiPendingBehindIt() {
        spi(40, 0x80);
        gic.raiseSpi(40);
        gic.lowerSpi(40);
        assertEquals(40, gic.acknowledge(0));
        gic.raiseSpi(40); // pending again while active: not takeable
        assertEquals(SPURIOUS, gic.acknowledge(0));
        signals.clear();
        wr(gicd, 0x384, 4, 1L << 8);
        assertEquals(List.of(40), signalled(0));
        signals.clear();
        wr(gicd, 0x304, 4, 1L << 9);
        assertTrue(signals.isEmpty(), "setting active makes nothing takeable");
    }

    @Test
    void settingPendingBySoftwareSignalsOnceAndCountsOnlyNewBits() {
        spi(40, 0x80);
        signals.clear();
        wr(gicd, 0x204, 4, 1L << 8);
        wr(gicd, 0x204, 4, 1L << 8);
        assertEquals(1, gic.deliveries(40), "already pending: no second delivery");
        assertEquals(40, signalled(0).get(0));
        signals.clear();
        wr(gicd, 0x284, 4, 1L << 8);
        assertTrue(signals.isEmpty(), "clear-pending signals nothing");
        assertEquals(SPURIOUS, gic.acknowledge(0));
    }

    @Test
    void groupPriorityRouteAndControlWritesLetCpusLookAgain() {
        spi(40, 0x80);
        wr(gicd, 0x0, 4, 0x0);
        gic.raiseSpi(40);
        signals.clear();
        wr(gicd, 0x0, 4, 0x2);
        assertEquals(List.of(40), signalled(0), "GICD_CTLR");
        wr(gicd, 0x84, 4, 0);
        signals.clear();
        wr(gicd, 0x84, 4, 1L << 8);
        assertEquals(List.of(40), signalled(0), "GICD_IGROUPR");
        assertEquals(40, gic.acknowledge(0));
        spi(41, 0x90);
        gic.raiseSpi(41); // behind 40's running priority 0x80
        signals.clear();
        wr(gicd, 0x429, 1, 0x40);
        assertEquals(List.of(41), signalled(0), "GICD_IPRIORITYR");
        wr(gicd, 0x6000 + 8 * 42, 8, 0x1);
        spi(42, 0x10);
        gic.raiseSpi(42);
        assertEquals(List.of(42), signalled(1));
        wr(gicd, 0x6000 + 8 * 42, 8, 0x5); // now no CPU
        signals.clear();
        wr(gicd, 0x6000 + 8 * 42, 8, 0x0);
        assertTrue(signalled(0).contains(42), "GICD_IROUTER: routed to CPU 0");
    }

    @Test
    void redistributorWritesLetTheirCpuLookAgain() {
        wr(gicd, 0x0, 4, 0x2);
        wr(gicr, SGI + 0x200, 4, 1L << 3); // SGI 3 pending, disabled, group 0
        signals.clear();
        wr(gicr, SGI + 0x100, 4, 1L << 3);
        assertTrue(signalled(0).isEmpty(), "group 0 is off");
        wr(gicr, SGI + 0x80, 4, 1L << 3);
        assertEquals(List.of(3), signalled(0), "GICR_IGROUPR0");
        assertEquals(3, gic.acknowledge(0));
        wr(gicr, SGI + 0x200, 4, 1L << 4);
        wr(gicr, SGI + 0x80, 4, 0x18);
        wr(gicr, SGI + 0x100, 4, 1L << 4); // SGI 4, priority 0 like SGI 3: waits
        signals.clear();
        wr(gicr, SGI + 0x403, 1, 0x10); // SGI 3 is active at priority 0 still
        assertEquals(SPURIOUS, gic.highestPending(0));
        gic.endOfInterrupt(0, 3);
        assertEquals(4, gic.highestPending(0));
        wr(gicr, SGI + 0x300, 4, 1L << 4);
        assertEquals(SPURIOUS, gic.highestPending(0), "set active by software");
        signals.clear();
        wr(gicr, SGI + 0x380, 4, 1L << 4);
        assertEquals(List.of(4), signalled(0), "GICR_ICACTIVER0");
        signals.clear();
        wr(gicr, SGI + 0x404, 1, 0x20);
        assertEquals(List.of(4), signalled(0), "GICR_IPRIORITYR");
        signals.clear();
        wr(gicr, SGI + 0x200, 4, 1L << 5);
        assertEquals(List.of(4), signalled(0), "GICR_ISPENDR0: the highest pending is signalled");
        assertEquals(1, gic.deliveries(5));
        wr(gicr, SGI + 0x180, 4, 1L << 4);
        assertEquals(SPURIOUS, gic.highestPending(0), "4 disabled, 5 never enabled");
    }

    @Test
    void endingTheOlderOfTwoActiveInterruptsKeepsTheNewerOnesPriority() {
        spi(40, 0x80);
        spi(41, 0x40);
        spi(42, 0x60);
        gic.raiseSpi(40);
        assertEquals(40, gic.acknowledge(0));
        gic.raiseSpi(41);
        assertEquals(41, gic.acknowledge(0));
        gic.endOfInterrupt(0, 40); // out of order: 41 is still running at 0x40
        gic.raiseSpi(42);
        assertEquals(SPURIOUS, gic.acknowledge(0), "0x60 does not beat running 0x40");
        gic.endOfInterrupt(0, 41);
        assertEquals(42, gic.acknowledge(0));
        gic.endOfInterrupt(0, 42);
        assertEquals(0, rd(gicd, 0x304, 4));
    }

    @Test
    void endOfAnSpiSignalsTheOtherCpuItMayGoTo() {
        spi(40, 0x80);
        wr(gicd, 0x6000 + 8 * 40, 8, 1L << 31); // 1-of-N
        gic.raiseSpi(40);
        gic.lowerSpi(40);
        assertEquals(40, gic.acknowledge(1));
        gic.raiseSpi(40);
        assertEquals(SPURIOUS, gic.acknowledge(0), "active on CPU 1");
        signals.clear();
        gic.endOfInterrupt(1, 40);
        assertTrue(signalled(0).contains(40), "any CPU it may go to is told");
    }

    @Test
    void endOfAnLpiSignalsOnlyItsOwnCpuAndOnlyWhenSomethingIsTakeable() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 1, 1, 0x41);
        ram.store(PROP + 2, 1, 0x81);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8193, 0);
        assertEquals(8193, gic.acknowledge(0));
        signals.clear();
        gic.endOfInterrupt(0, 8193);
        assertTrue(signals.isEmpty(), "nothing pending: no signal");
        gic.setLpiPending(8193, 0);
        assertEquals(8193, gic.acknowledge(0));
        gic.setLpiPending(8194, 0); // held back by running 0x40
        signals.clear();
        gic.endOfInterrupt(0, 8193);
        assertEquals(List.of(8194), signalled(0));
        assertTrue(signalled(1).isEmpty());
    }

    @Test
    void writingEnableLpisAgainKeepsThePendingStateAndClearingTwiceWritesBackOnce() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 5, 1, 0x01);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8197, 0);
        wr(gicr, 0x0, 4, 1);
        assertTrue(gic.isPending(8197, 0), "EnableLPIs already set: the table is not reloaded");
        wr(gicr, 0x0, 4, 0);
        assertEquals(1 << (8197 % 8), ram.load(PEND + 8197 / 8, 1));
        ram.store(PEND + 8197 / 8, 1, 0);
        wr(gicr, 0x0, 4, 0);
        assertEquals(0, ram.load(PEND + 8197 / 8, 1), "already off: nothing written again");
        assertEquals(DropReason.LPI_DISABLED, gic.setLpiPending(8197, 0));
    }

    @Test
    void invalidatingAnLpiThatIsNotPendingOrStillDisabledSignalsNothing() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 5, 1, 0x01);
        enableLpis(0, PEND, 16);
        signals.clear();
        gic.reloadLpiConfig(8197, 0);
        assertTrue(signals.isEmpty(), "not pending");
        gic.setLpiPending(8198, 0); // disabled
        signals.clear();
        gic.reloadLpiConfig(8198, 0);
        gic.reloadLpiConfig(0);
        assertTrue(signals.isEmpty(), "still disabled");
        gic.reloadLpiConfig(70000, 0);
        gic.reloadLpiConfig(8198, 1); // CPU 1 has LPIs off
        assertTrue(signals.isEmpty());
        gic.reloadLpiConfig(1);
        assertTrue(signals.isEmpty());
    }

    @Test
    void clearingAnLpiOnARedistributorWithLpisOffOrOutOfRangeIsIgnored() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 5, 1, 0x01);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8197, 0);
        gic.clearLpiPending(8197, 1);
        gic.clearLpiPending(70000, 0);
        gic.clearLpiPending(100, 0);
        assertTrue(gic.isPending(8197, 0));
        gic.clearLpiPending(8197, 0);
        assertFalse(gic.isPending(8197, 0));
    }

    @Test
    void aLevelSpiTakenAndEndedWhileHighIsSignalledAgainButAnEdgeOneIsNot() {
        spi(40, 0x80);
        List<Integer> taken = new ArrayList<>();
        gic.connect((cpu, intid) -> {
            int id = gic.acknowledge(cpu);
            if (id != SPURIOUS) {
                taken.add(id);
                gic.endOfInterrupt(cpu, id);
            }
        });
        assertNull(gic.raiseSpi(40));
        assertEquals(List.of(40), taken, "an edge is taken once");
        taken.clear();
        spi(50, 0x80);
        wr(gicd, 0xC0C, 4, 0); // level
        assertNull(gic.raiseSpi(50));
        assertEquals(Gicv3.LEVEL_RESIGNALS, taken.size(), "re-pended by each EOI, bounded per raise");
    }
}
