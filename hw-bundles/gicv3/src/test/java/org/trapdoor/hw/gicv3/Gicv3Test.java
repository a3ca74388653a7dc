package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;

class Gicv3Test extends Gicv3Fixture {
    @AfterEach
    void countersBalance() {
        InterruptCounters c = gic.counters();
        assertEquals(c.fired(), c.delivered() + c.dropped());
    }

    @Test
    void distributorResetValuesDescribeTheShape() {
        assertEquals(0x50, rd(gicd, 0x0, 4));
        long typer = rd(gicd, 0x4, 4);
        assertEquals(8, typer & 0x1f, "ITLinesNumber for 256 SPIs");
        assertTrue((typer & (1 << 17)) != 0, "LPIS");
        assertEquals(15, (typer >> 19) & 0x1f, "IDbits");
        assertEquals(Gicv3.IIDR, rd(gicd, 0x8, 4));
        assertEquals(0x3B, rd(gicd, 0xFFE8, 4));
    }

    @Test
    void readOnlyDistributorRegistersIgnoreWrites() {
        long typer = rd(gicd, 0x4, 4);
        wr(gicd, 0x4, 4, 0);
        assertEquals(typer, rd(gicd, 0x4, 4));
        wr(gicd, 0x0, 4, 0xffff_ffffL);
        assertEquals(0x53, rd(gicd, 0x0, 4), "only EnableGrp0/1 are writable");
    }

    @Test
    void redistributorTyperGivesProcessorNumberLastAndAffinity() {
        long t0 = rd(gicr, 0x8, 8);
        long t1 = rd(gicr, 0x20000 + 0x8, 8);
        assertEquals(0, (t0 >> 8) & 0xffff);
        assertEquals(1, (t1 >> 8) & 0xffff);
        assertEquals(0, t0 & 0x10, "not last");
        assertEquals(0x10, t1 & 0x10, "last");
        assertEquals(1, t1 >>> 32, "affinity");
        assertEquals(1, t0 & 1, "PLPIS");
        assertEquals(Gicv3.IIDR, rd(gicr, 0x4, 4));
    }

    @Test
    void wakerClearsChildrenAsleepWithProcessorSleep() {
        assertEquals(0x6, rd(gicr, 0x14, 4));
        wr(gicr, 0x14, 4, 0);
        assertEquals(0, rd(gicr, 0x14, 4));
    }

    @Test
    void accessBeyondLastRedistributorIsDecodeError() {
        MemoryTransaction tx = new MemoryTransaction().read(0, 4);
        tx.offset = 2 * 0x20000L;
        gicr.access(tx);
        assertEquals(MemResult.DECODE_ERROR, tx.result);
        assertEquals(0xffff_ffffL, tx.data);
    }

    @Test
    void setEnableAndClearEnableShareOneState() {
        wr(gicd, 0x100 + 4, 4, 0x5);
        assertEquals(0x5, rd(gicd, 0x180 + 4, 4));
        wr(gicd, 0x180 + 4, 4, 0x1);
        assertEquals(0x4, rd(gicd, 0x100 + 4, 4));
    }

    @Test
    void setPendingAndClearPendingFromSoftware() {
        wr(gicd, 0x200 + 4, 4, 1L << 8);
        assertTrue(gic.isPending(40, 0));
        assertEquals(1, gic.deliveries(40));
        wr(gicd, 0x280 + 4, 4, 1L << 8);
        assertFalse(gic.isPending(40, 0));
    }

    @Test
    void priorityBytesReadBackAsWords() {
        wr(gicd, 0x400 + 40, 1, 0xa0);
        wr(gicd, 0x400 + 41, 1, 0xb0);
        assertEquals(0xb0a0, rd(gicd, 0x400 + 40, 2));
    }

    @Test
    void acknowledgeTakesHighestPriorityAndEoiReopensLowerOnes() {
        spi(40, 0x80);
        spi(41, 0x40);
        spi(42, 0x40);
        assertNull(gic.raiseSpi(40));
        assertNull(gic.raiseSpi(42));
        assertNull(gic.raiseSpi(41));
        assertEquals(41, gic.acknowledge(0), "highest priority, lowest INTID among equals");
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0), "equal priority does not preempt");
        gic.endOfInterrupt(0, 41);
        assertEquals(42, gic.acknowledge(0));
        gic.endOfInterrupt(0, 42);
        assertEquals(40, gic.acknowledge(0));
        gic.endOfInterrupt(0, 40);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
        assertEquals(3, gic.counters().fired());
        assertEquals(3, gic.counters().delivered());
    }

    @Test
    void higherPriorityPreemptsAnActiveInterrupt() {
        spi(40, 0x80);
        spi(41, 0x40);
        gic.raiseSpi(40);
        assertEquals(40, gic.acknowledge(0));
        gic.raiseSpi(41);
        assertEquals(41, gic.acknowledge(0));
        gic.endOfInterrupt(0, 41);
        gic.endOfInterrupt(0, 40);
        assertEquals(0, rd(gicd, 0x300 + 4, 4), "nothing active after both EOIs");
    }

    @Test
    void disabledOrUngroupedSpiIsNotAcknowledged() {
        spi(40, 0x80);
        wr(gicd, 0x180 + 4, 4, 1L << 8);
        gic.raiseSpi(40);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
        wr(gicd, 0x100 + 4, 4, 1L << 8);
        wr(gicd, 0x0, 4, 0x0);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0), "group 1 disabled");
        wr(gicd, 0x0, 4, 0x2);
        assertEquals(40, gic.acknowledge(0));
    }

    @Test
    void levelSpiStaysPendingWhileItsLineIsHigh() {
        spi(50, 0x80);
        wr(gicd, 0xC00 + 12, 4, 0); // SPIs 48..63 level-sensitive
        gic.raiseSpi(50);
        assertEquals(50, gic.acknowledge(0));
        gic.endOfInterrupt(0, 50);
        assertTrue(gic.isPending(50, 0), "still high");
        gic.lowerSpi(50);
        assertFalse(gic.isPending(50, 0));
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
    }

    @Test
    void irouterSendsSpiToTheCpuWithThatAffinity() {
        spi(60, 0x80);
        wr(gicd, 0x6000 + 8 * 60, 8, 0x1);
        gic.raiseSpi(60);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
        assertEquals(1, signals.get(signals.size() - 1)[0], "signalled to CPU 1");
        assertEquals(60, gic.acknowledge(1));
        assertEquals(0x1, rd(gicd, 0x6000 + 8 * 60, 8));
    }

    @Test
    void irouterAnyCpuModeLetsEitherCpuTakeIt() {
        spi(61, 0x80);
        wr(gicd, 0x6000 + 8 * 61, 8, 1L << 31);
        gic.raiseSpi(61);
        assertEquals(61, gic.acknowledge(1));
    }

    @Test
    void outOfRangeSpiIsCountedAsDropped() {
        assertEquals(DropReason.SPI_OUT_OF_RANGE, gic.raiseSpi(5));
        assertEquals(DropReason.SPI_OUT_OF_RANGE, gic.raiseSpi(288));
        spi(287, 0x80);
        assertNull(gic.raiseSpi(287));
        assertEquals(2, gic.counters().dropped(DropReason.SPI_OUT_OF_RANGE));
        assertEquals(3, gic.counters().fired());
        assertEquals(1, gic.counters().delivered());
    }

    @Test
    void sgiFrameEnablesAndPendsPrivateInterrupts() {
        wr(gicd, 0x0, 4, 0x2);
        long sgi = 0x20000 + 0x10000;
        wr(gicr, sgi + 0x80, 4, 0xffff_ffffL);
        wr(gicr, sgi + 0x400 + 27, 1, 0x10);
        wr(gicr, sgi + 0x100, 4, 1L << 27);
        assertEquals(1L << 27, rd(gicr, sgi + 0x180, 4));
        wr(gicr, sgi + 0x200, 4, 1L << 27);
        assertTrue(gic.isPending(27, 1));
        assertFalse(gic.isPending(27, 0));
        assertEquals(27, gic.acknowledge(1));
        assertEquals(1L << 27, rd(gicr, sgi + 0x300, 4), "active");
        gic.endOfInterrupt(1, 27);
        assertEquals(0, rd(gicr, sgi + 0x300, 4));
        assertEquals(0xAAAA_AAAAL, rd(gicr, 0x10000 + 0xC00, 4), "SGIs are edge");
    }

    @Test
    void lpiBecomesPendingInTheTableAndIsAcknowledged() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 5, 1, 0xa1); // LPI 8197: priority 0xa0, enabled
        enableLpis(0, PEND, 16);
        assertNull(gic.setLpiPending(8197, 0));
        assertTrue(gic.isPending(8197, 0));
        assertEquals(0, signals.get(signals.size() - 1)[0]);
        assertEquals(8197, signals.get(signals.size() - 1)[1]);
        assertEquals(8197, gic.acknowledge(0));
        assertFalse(gic.isPending(8197, 0), "acknowledge clears pending");
        gic.endOfInterrupt(0, 8197);
        assertEquals(1, gic.deliveries(8197));
    }

    @Test
    void pendingLpisAreWrittenBackToTheTableWhenEnableLpisIsCleared() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 5, 1, 0x01); // LPI 8197 enabled
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8197, 0);
        gic.setLpiPending(8300, 0); // disabled: pending all the same
        assertEquals(0, ram.load(PEND + 8197 / 8, 1), "held in the redistributor while LPIs are on");
        wr(gicr, 0x0, 4, 0); // GICR_CTLR.EnableLPIs = 0
        assertEquals(1 << (8197 % 8), ram.load(PEND + 8197 / 8, 1), "written back");
        assertEquals(1 << (8300 % 8), ram.load(PEND + 8300 / 8, 1), "written back");
        wr(gicr, 0x0, 4, 1); // and read again when they are switched back on (PENDBASER.PTZ clear)
        assertTrue(gic.isPending(8197, 0));
        assertTrue(gic.isPending(8300, 0));
        assertEquals(8197, gic.acknowledge(0));
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0), "8300 is disabled");
    }

    @Test
    void savingTheStateWritesThePendingLpisBackToTheTable() {
        wr(gicd, 0x0, 4, 0x2);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8199, 0);
        gic.saveState();
        assertEquals(1 << (8199 % 8), ram.load(PEND + 8199 / 8, 1));
    }

    @Test
    void anLpiTakenByAnotherWordsScanStillLeavesTheFirstOnePending() {
        // Two pending words: acknowledging the higher priority one must not lose the other's mark.
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 1, 1, 0xa1);            // 8193, priority 0xa0
        ram.store(PROP + 200, 1, 0x81);          // 8392, priority 0x80 (another 64-bit word)
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8193, 0);
        gic.setLpiPending(8392, 0);
        assertEquals(8392, gic.acknowledge(0));
        gic.endOfInterrupt(0, 8392);
        assertEquals(8193, gic.acknowledge(0));
        gic.endOfInterrupt(0, 8193);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
        gic.setLpiPending(8392, 0); // its word was unmarked by the last scan: marked again
        assertEquals(8392, gic.acknowledge(0));
    }

    @Test
    void disabledLpiStaysPendingUntilEnabledAndInvalidated() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 9, 1, 0x40); // disabled
        enableLpis(0, PEND, 16);
        assertEquals(DropReason.INTERRUPT_DISABLED, gic.setLpiPending(8201, 0), "held pending, not delivered");
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
        assertTrue(gic.isPending(8201, 0));
        ram.store(PROP + 9, 1, 0x41);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0), "cached configuration until INV");
        signals.clear();
        gic.reloadLpiConfig(8201, 0);
        assertEquals(1, signals.size());
        assertEquals(8201, gic.acknowledge(0));
    }

    @Test
    void invalidateAllReloadsEveryConfigurationByte() {
        wr(gicd, 0x0, 4, 0x2);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(9000, 0);
        ram.store(PROP + 9000 - 8192, 1, 0x21);
        gic.reloadLpiConfig(0);
        assertEquals(9000, gic.acknowledge(0));
    }

    @Test
    void lpiDropsAreCountedByReason() {
        assertEquals(DropReason.LPI_DISABLED, gic.setLpiPending(8192, 0));
        ram.store(PROP + 16383 - 8192, 1, 0x01);
        enableLpis(0, PEND, 14); // 2^14 IDs: LPIs 8192..16383
        assertEquals(DropReason.LPI_OUT_OF_RANGE, gic.setLpiPending(16384, 0));
        assertEquals(DropReason.LPI_OUT_OF_RANGE, gic.setLpiPending(100, 0));
        assertEquals(DropReason.REDISTRIBUTOR_OUT_OF_RANGE, gic.setLpiPending(8192, 2));
        assertNull(gic.setLpiPending(16383, 0));
        InterruptCounters c = gic.counters();
        assertEquals(5, c.fired());
        assertEquals(1, c.delivered());
        assertEquals(1, c.dropped(DropReason.LPI_DISABLED));
        assertEquals(2, c.dropped(DropReason.LPI_OUT_OF_RANGE));
        assertEquals(1, c.dropped(DropReason.REDISTRIBUTOR_OUT_OF_RANGE));
    }

    @Test
    void propbaserIsReadOnlyWhileLpisAreEnabled() {
        enableLpis(0, PEND, 16);
        long before = rd(gicr, 0x70, 8);
        wr(gicr, 0x70, 8, RAM + 0x50000);
        assertEquals(before, rd(gicr, 0x70, 8));
        assertEquals(1, rd(gicr, 0x0, 4));
    }

    @Test
    void pendingTableIsLoadedWhenLpisAreEnabled() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 1, 1, 0x01);
        ram.store(PEND + 8193 / 8, 1, 1 << (8193 % 8));
        enableLpis(0, PEND, 16);
        assertTrue(gic.isPending(8193, 0));
        assertEquals(8193, gic.acknowledge(0));
    }

    @Test
    void pendingTableOutsideRamLeavesLpisDisabled() {
        wr(gicr, 0x70, 8, PROP | 15);
        wr(gicr, 0x78, 8, 0x7000_0000L);
        wr(gicr, 0x0, 4, 1);
        assertEquals(1, gic.lpiTableErrors());
        assertEquals(DropReason.LPI_DISABLED, gic.setLpiPending(8192, 0));
    }

    @Test
    void moveAllTakesPendingLpisToAnotherRedistributor() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 3, 1, 0x01);
        enableLpis(0, PEND, 16);
        enableLpis(1, PEND1, 16);
        gic.setLpiPending(8195, 0);
        gic.moveLpis(0, 1);
        assertFalse(gic.isPending(8195, 0));
        assertTrue(gic.isPending(8195, 1));
        assertEquals(8195, gic.acknowledge(1));
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0), "nothing left on the first");
    }

    @Test
    void clearLpiPendingRemovesItFromTheTable() {
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8300, 0);
        gic.clearLpiPending(8300, 0);
        assertFalse(gic.isPending(8300, 0));
        wr(gicr, 0x0, 4, 0);
        assertEquals(0, ram.load(PEND + 8300 / 8, 1), "not in the table written back");
    }

    @Test
    void savedStateCarriesSpisActivePrioritiesAndLpisToANewModel() {
        spi(40, 0x80);
        spi(41, 0x40);
        wr(gicd, 0x6000 + 8 * 41, 8, 0x1);
        ram.store(PROP + 7, 1, 0x31);
        enableLpis(0, PEND, 16);
        gic.raiseSpi(40);
        assertEquals(40, gic.acknowledge(0));
        gic.raiseSpi(41);
        gic.setLpiPending(8199, 0);
        Object state = gic.saveState();
        Gicv3 next = new Gicv3("gic", 256, new long[] {0x0, 0x1}, ram);
        next.restoreState(state);
        gic = next;
        assertEquals(1, rd(next.region(1), 0x0, 4), "EnableLPIs kept");
        assertEquals(0x1, rd(next.region(0), 0x6000 + 8 * 41, 8));
        assertEquals(8199, next.acknowledge(0), "LPI pending read back from the table; 0x30 beats running 0x80");
        next.endOfInterrupt(0, 8199);
        assertEquals(InterruptController.SPURIOUS, next.acknowledge(0), "SPI 40 still active on CPU 0");
        next.endOfInterrupt(0, 40);
        assertEquals(41, next.acknowledge(1));
        Gicv3 other = new Gicv3("gic", 512, new long[] {0x0, 0x1}, ram);
        other.restoreState(state);
        assertEquals(0x50, rd(other.region(0), 0x0, 4), "a different shape ignores the state");
    }

    @Test
    void lpiAlreadyPendingIsCoalesced() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 7, 1, 0x81);
        enableLpis(0, PEND, 16);
        assertNull(gic.setLpiPending(8199, 0));
        assertEquals(DropReason.COALESCED, gic.setLpiPending(8199, 0));
        assertEquals(1, gic.deliveries(8199), "one pending state, one delivery");
        assertEquals(8199, gic.acknowledge(0));
        gic.endOfInterrupt(0, 8199);
        assertNull(gic.setLpiPending(8199, 0), "pending again once taken");
        assertEquals(1, gic.counters().dropped(DropReason.COALESCED));
        assertEquals(2, gic.counters().delivered());
    }

    @Test
    void edgeSpiAlreadyLatchedIsCoalescedAndDisabledSpiIsHeldPending() {
        spi(40, 0x80);
        assertNull(gic.raiseSpi(40));
        gic.lowerSpi(40);
        assertEquals(DropReason.COALESCED, gic.raiseSpi(40));
        gic.lowerSpi(40);
        wr(gicd, 0x180 + 4, 4, 1L << (41 - 32)); // SPI 41 disabled
        assertEquals(DropReason.INTERRUPT_DISABLED, gic.raiseSpi(41));
        assertTrue(gic.isPending(41, 0), "a disabled SPI still latches pending");
    }

    @Test
    void sinkMayAcknowledgeAndEndEachInterruptSynchronously() {
        wr(gicd, 0x0, 4, 0x2);
        for (int i = 0; i < 64; i++) {
            ram.store(PROP + i, 1, 0x81);
        }
        enableLpis(0, PEND, 16);
        List<Integer> taken = new ArrayList<>();
        int[] depth = {0, 0};
        gic.connect((cpu, intid) -> {
            depth[0]++;
            depth[1] = Math.max(depth[1], depth[0]);
            // A CPU model taking the IRQ at once; its EOI may expose the next one.
            for (int id = gic.acknowledge(cpu); id != InterruptController.SPURIOUS; id = gic.acknowledge(cpu)) {
                taken.add(id);
                if (id == 8192) {
                    assertNull(gic.setLpiPending(8200, 0), "a new LPI raised from inside the handler");
                }
                gic.endOfInterrupt(cpu, id);
            }
            depth[0]--;
        });
        assertNull(gic.setLpiPending(8192, 0));
        assertEquals(List.of(8192, 8200), taken);
        assertEquals(1, depth[1], "the sink is never entered twice for a CPU");
        assertFalse(gic.isPending(8192, 0));
        assertFalse(gic.isPending(8200, 0));
    }

    @Test
    void signalDuringSinkCallIsRedeliveredBeforeItReturns() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 1, 1, 0x81);
        ram.store(PROP + 2, 1, 0x81);
        enableLpis(0, PEND, 16);
        List<Integer> seen = new ArrayList<>();
        gic.connect((cpu, intid) -> {
            seen.add(intid);
            if (seen.size() == 1) {
                // Another LPI arrives while this CPU's sink runs: it must be signalled after, not nested.
                gic.setLpiPending(8194, 0);
                assertEquals(1, seen.size());
            }
            int id = gic.acknowledge(cpu);
            if (id != InterruptController.SPURIOUS) {
                gic.endOfInterrupt(cpu, id);
            }
        });
        assertNull(gic.setLpiPending(8193, 0));
        assertEquals(2, seen.size());
        assertEquals(8194, seen.get(1));
        assertFalse(gic.isPending(8193, 0));
        assertFalse(gic.isPending(8194, 0));
    }

    @Test
    void acknowledgeFindsHighestPriorityAmongManyPendingLpis() {
        wr(gicd, 0x0, 4, 0x2);
        // 1000 LPIs spread over the space at priority 0xa0, one at 0x20 near the top.
        for (int i = 0; i < 1000; i++) {
            ram.store(PROP + i * 50, 1, 0xa1);
        }
        ram.store(PROP + 49999, 1, 0x21);
        enableLpis(0, PEND, 16);
        for (int i = 0; i < 1000; i++) {
            gic.setLpiPending(8192 + i * 50, 0);
        }
        gic.setLpiPending(8192 + 49999, 0);
        assertEquals(8192 + 49999, gic.acknowledge(0));
        gic.endOfInterrupt(0, 8192 + 49999);
        for (int i = 0; i < 1000; i++) {
            assertEquals(8192 + i * 50, gic.acknowledge(0), "equal priority: lowest INTID first");
            gic.endOfInterrupt(0, 8192 + i * 50);
        }
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
    }

    @Test
    void disablingAnLpiByInvalidateRemovesItFromAcknowledge() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 3, 1, 0x81);
        enableLpis(0, PEND, 16);
        assertNull(gic.setLpiPending(8195, 0));
        ram.store(PROP + 3, 1, 0x80);
        gic.reloadLpiConfig(8195, 0);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
        assertTrue(gic.isPending(8195, 0));
        ram.store(PROP + 3, 1, 0x81);
        gic.reloadLpiConfig(0);
        assertEquals(8195, gic.acknowledge(0));
    }

    @Test
    void racingSetPendingAndAcknowledgeLeaveNoLpiStranded() throws InterruptedException {
        wr(gicd, 0x0, 4, 0x2);
        for (int i = 0; i < 128; i++) {
            ram.store(PROP + i, 1, 0xa1);
        }
        enableLpis(0, PEND, 16);
        gic.connect(null);
        Thread raiser = new Thread(() -> {
            for (int n = 0; n < 200_000; n++) {
                gic.setLpiPending(8192 + (n & 127), 0);
            }
        });
        Thread cpu = new Thread(() -> {
            for (int n = 0; n < 200_000; n++) {
                int id = gic.acknowledge(0);
                if (id != InterruptController.SPURIOUS) {
                    gic.endOfInterrupt(0, id);
                }
            }
        });
        raiser.start();
        cpu.start();
        raiser.join();
        cpu.join();
        // Whatever is still pending must be visible to acknowledge: nothing may be stranded.
        for (int id = gic.acknowledge(0); id != InterruptController.SPURIOUS; id = gic.acknowledge(0)) {
            gic.endOfInterrupt(0, id);
        }
        for (int i = 0; i < 128; i++) {
            assertFalse(gic.isPending(8192 + i, 0), "LPI " + (8192 + i) + " pending but never acknowledged");
        }
    }

    @Test
    void spiClearedBySoftwareIsNotAcknowledgedAndARaiseAfterIsTaken() {
        spi(40, 0x80);
        spi(100, 0x90);
        gic.raiseSpi(40);
        gic.raiseSpi(100);
        wr(gicd, 0x280 + 4, 4, 1L << 8); // ICPENDR1: clear SPI 40
        assertEquals(100, gic.acknowledge(0));
        gic.endOfInterrupt(0, 100);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
        gic.lowerSpi(40); // a new edge: low, then high
        gic.lowerSpi(100);
        gic.raiseSpi(40);
        assertEquals(40, gic.acknowledge(0));
        gic.endOfInterrupt(0, 40);
        wr(gicd, 0x200 + 12, 4, 1L << 4); // ISPENDR3: SPI 100 pending by software
        assertEquals(100, gic.acknowledge(0));
    }

    @Test
    void endOfInterruptSignalsALowerPriorityLpiItWasHoldingBack() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP, 1, 0x81);
        ram.store(PROP + 1, 1, 0xc1);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8192, 0);
        assertEquals(8192, gic.acknowledge(0));
        gic.setLpiPending(8193, 0);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0), "held back by the running priority");
        signals.clear();
        gic.endOfInterrupt(0, 8192);
        assertEquals(1, signals.size(), "EOI drops the priority: the waiting LPI is signalled");
        assertEquals(8193, signals.get(0)[1]);
        assertEquals(8193, gic.acknowledge(0));
        gic.endOfInterrupt(0, 8193);
        signals.clear();
        gic.endOfInterrupt(0, 8193);
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(0));
        assertTrue(signals.isEmpty(), "nothing pending: nothing signalled");
    }

    @Test
    void racingSpiAndLpiRaisersAcrossWordsLeaveNothingStranded() throws InterruptedException {
        wr(gicd, 0x0, 4, 0x2);
        int[] spis = {33, 63, 64, 100, 150, 200, 287};
        for (int id : spis) {
            spi(id, 0x80);
        }
        // LPIs in several summary words (4096 INTIDs each) so every summary level empties and refills.
        int[] lpis = {8192, 8193, 8192 + 64, 12288, 12288 + 640, 16384, 40000, 65535};
        for (int id : lpis) {
            ram.store(PROP + id - 8192, 1, 0xa1);
        }
        enableLpis(0, PEND, 16);
        gic.connect(null);
        Thread spiRaiser = new Thread(() -> {
            for (int n = 0; n < 100_000; n++) {
                gic.raiseSpi(spis[n % spis.length]);
                gic.lowerSpi(spis[n % spis.length]); // edge-triggered: each raise is a new edge that latches
            }
        });
        Thread lpiRaiser = new Thread(() -> {
            for (int n = 0; n < 100_000; n++) {
                gic.setLpiPending(lpis[n % lpis.length], 0);
            }
        });
        Thread cpu = new Thread(() -> {
            for (int n = 0; n < 200_000; n++) {
                int id = gic.acknowledge(0);
                if (id != InterruptController.SPURIOUS) {
                    gic.endOfInterrupt(0, id);
                }
            }
        });
        spiRaiser.start();
        lpiRaiser.start();
        cpu.start();
        spiRaiser.join();
        lpiRaiser.join();
        cpu.join();
        for (int id = gic.acknowledge(0); id != InterruptController.SPURIOUS; id = gic.acknowledge(0)) {
            gic.endOfInterrupt(0, id);
        }
        for (int id : spis) {
            assertFalse(gic.isPending(id, 0), "SPI " + id + " pending but never acknowledged");
        }
        for (int id : lpis) {
            assertFalse(gic.isPending(id, 0), "LPI " + id + " pending but never acknowledged");
        }
    }

    /**
     * A CPU that takes one interrupt per signal at once (acknowledge, record, EOI), as a CPU
     * takes one IRQ exception per assertion of its line.
     */
    private List<Integer> eagerCpu() {
        List<Integer> taken = new ArrayList<>();
        gic.connect((c, id) -> {
            int x = gic.acknowledge(c);
            if (x != InterruptController.SPURIOUS) {
                taken.add(x);
                gic.endOfInterrupt(c, x);
            }
        });
        return taken;
    }

    @Test
    void aPulseOnALevelSensitiveSpiIsTakenOnceNotRependedByItsEoi() {
        spi(50, 0x80);
        wr(gicd, 0xC00 + 12, 4, 0); // SPIs 48..63 level-sensitive
        List<Integer> taken = eagerCpu();
        assertNull(gic.pulseSpi(50));
        assertEquals(List.of(50), taken);
        assertFalse(gic.isPending(50, 0));
    }

    @Test
    void aPulseOnAnEdgeSpiLatchesAndOneOnADisabledLevelSpiIsGone() {
        spi(40, 0x80);
        assertNull(gic.pulseSpi(40));
        assertTrue(gic.isPending(40, 0), "an edge latches");
        assertEquals(DropReason.COALESCED, gic.pulseSpi(40));
        spi(51, 0x80);
        wr(gicd, 0xC00 + 12, 4, 0);
        wr(gicd, 0x180 + 4, 4, 1L << (51 % 32)); // disabled
        assertEquals(DropReason.INTERRUPT_DISABLED, gic.pulseSpi(51));
        assertFalse(gic.isPending(51, 0), "a level-sensitive pulse no CPU could take leaves nothing pending");
    }

    @Test
    void aLevelHeldHighIsResignalledABoundedNumberOfTimesPerRaise() {
        spi(50, 0x80);
        wr(gicd, 0xC00 + 12, 4, 0);
        List<Integer> taken = eagerCpu();
        assertNull(gic.raiseSpi(50)); // returns although each EOI re-pends it
        assertTrue(taken.size() >= 1 && taken.size() <= Gicv3.LEVEL_RESIGNALS + 1, "taken " + taken.size());
        assertTrue(gic.isPending(50, 0), "still pending while the line is high");
        gic.lowerSpi(50);
        assertFalse(gic.isPending(50, 0));
    }
}
