package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.memory.MmioHandler;

/**
 * GICv3 state at its edges: what a replacement model takes over, INTID and range boundaries,
 * LPI configuration bytes' reserved bits, delivery counts.
 */
class Gicv3StateTest extends Gicv3Fixture {
    static final long PTZ = 1L << 62;

    @Test
    void eachFreshRaiseOfAnSpiCountsOneDelivery() {
        spi(40, 0x80);
        gic.raiseSpi(40);
        assertEquals(1, gic.deliveries(40));
        assertEquals(DropReason.COALESCED, gic.raiseSpi(40));
        assertEquals(1, gic.deliveries(40));
        gic.lowerSpi(40);
        assertEquals(40, gic.acknowledge(0));
        gic.endOfInterrupt(0, 40);
        gic.raiseSpi(40);
        assertEquals(2, gic.deliveries(40));
    }

    @Test
    void registerBlocksAreNamedAfterTheModel() {
        assertEquals("gic GICD", gic.distributor().name());
        assertEquals("gic GICR1", gic.redistributor(1).name());
        assertTrue(gic.distributor() == gic.region(0));
    }

    @Test
    void aReplacementTakesOverLpiBasesAndPrivateStateWithLpisOff() {
        wr(gicr, 0x70, 8, PROP | 15);
        wr(gicr, 0x78, 8, PEND | PTZ);
        wr(gicr, SGI + 0x100, 4, 0x0F);
        wr(gicr, SGI + 0x200, 4, 0x06);
        wr(gicr, SGI + 0x300, 4, 0x08);
        Object state = gic.saveState();
        Gicv3 next = new Gicv3("gic", 256, new long[] {0x0, 0x1}, ram);
        next.restoreState(state);
        MmioHandler r = next.region(1);
        assertEquals(PROP | 15, rd(r, 0x70, 8));
        assertEquals(PEND, rd(r, 0x78, 8), "PTZ is write-only: reads as 0");
        assertEquals(0, rd(r, 0x0, 4), "EnableLPIs stays off");
        assertEquals(0x0F, rd(r, SGI + 0x100, 4));
        assertEquals(0x06, rd(r, SGI + 0x200, 4));
        assertEquals(0x08, rd(r, SGI + 0x300, 4));
        assertEquals(DropReason.LPI_DISABLED, next.setLpiPending(8192, 0));
    }

    @Test
    void aReplacementWithLpisOnReadsThePendingTableBackEvenWhenPtzWasSet() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 5, 1, 0x01);
        wr(gicr, 0x70, 8, PROP | 15);
        wr(gicr, 0x78, 8, PEND | PTZ);
        wr(gicr, 0x0, 4, 1);
        gic.setLpiPending(8197, 0);
        Object state = gic.saveState();
        Gicv3 next = new Gicv3("gic", 256, new long[] {0x0, 0x1}, ram);
        next.restoreState(state);
        assertEquals(PEND, rd(next.region(1), 0x78, 8), "PENDBASER as it was (PTZ reads as 0)");
        assertEquals(1, rd(next.region(1), 0x0, 4));
        assertTrue(next.isPending(8197, 0), "the table was read, not zeroed");
        assertEquals(8197, next.acknowledge(0));
    }

    @Test
    void theReservedBitsOfAnLpiConfigurationByteAreNotPartOfItsPriority() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 5, 1, 0x83); // priority 0x80, bit 1 RES1/reserved, enabled
        wr(gicr, 0x70, 8, PROP | 15);
        wr(gicr, 0x78, 8, PEND);
        wr(gicr, 0x0, 4, 1);
        gic.setLpiPending(8197, 0);
        assertEquals(8197, gic.acknowledge(0));
        spi(40, 0x90);
        gic.raiseSpi(40);
        assertEquals(SPURIOUS, gic.acknowledge(0), "0x90 does not preempt running 0x80");
        spi(41, 0x70);
        gic.raiseSpi(41);
        assertEquals(41, gic.acknowledge(0), "0x70 does");
    }

    @Test
    void redistributorPriorityBytesReadAndWriteAsWords() {
        wr(gicr, SGI + 0x408, 4, 0x4433_2211L);
        assertEquals(0x11, rd(gicr, SGI + 0x408, 1));
        assertEquals(0x44, rd(gicr, SGI + 0x40B, 1));
        assertEquals(0x4433, rd(gicr, SGI + 0x40A, 2));
        assertEquals(0x4433_2211L, rd(gicr, SGI + 0x408, 4));
        wr(gicr, SGI + 0x41E, 2, 0xBBAA);
        assertEquals(0xBBAA_0000L, rd(gicr, SGI + 0x41C, 4));
    }

    @Test
    void lowerAndPulseOutsideTheSpisDoNothingAndLowerTouchesOnlyItsOwnLine() {
        spi(40, 0x80);
        wr(gicd, 0xC08, 4, 0); // SPIs 32..47 level-sensitive
        gic.raiseSpi(40);
        gic.raiseSpi(41);
        gic.lowerSpi(41);
        gic.lowerSpi(31);
        gic.lowerSpi(288);
        assertTrue(gic.isPending(40, 0), "40's line is still high");
        assertFalse(gic.isPending(41, 0));
        assertEquals(DropReason.SPI_OUT_OF_RANGE, gic.pulseSpi(288));
        assertEquals(DropReason.SPI_OUT_OF_RANGE, gic.pulseSpi(31));
        assertEquals(40, gic.acknowledge(0));
    }

    @Test
    void isPendingAtTheEdgesOfEachRange() {
        wr(gicr, SGI + 0x200, 4, 1L << 31);
        assertTrue(gic.isPending(31, 0), "PPI 31");
        spi(32, 0x80);
        spi(287, 0x80);
        gic.raiseSpi(32);
        gic.raiseSpi(287);
        assertTrue(gic.isPending(32, 0));
        assertTrue(gic.isPending(287, 0));
        assertFalse(gic.isPending(288, 0));
        assertEquals(2, gic.cpuCount());
    }

    @Test
    void lpiRangeBoundariesAreTheFirstLpiAndTheLastId() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 65535 - 8192, 1, 0x01);
        ram.store(PROP, 1, 0x01);
        wr(gicr, 0x70, 8, PROP | 15);
        wr(gicr, 0x78, 8, PEND);
        wr(gicr, 0x0, 4, 1);
        assertNull(gic.setLpiPending(65535, 0));
        assertNull(gic.setLpiPending(8192, 0));
        assertEquals(DropReason.LPI_OUT_OF_RANGE, gic.setLpiPending(65536, 0));
        assertEquals(DropReason.LPI_OUT_OF_RANGE, gic.setLpiPending(8191, 0));
        assertEquals(DropReason.REDISTRIBUTOR_OUT_OF_RANGE, gic.setLpiPending(8192, -1));
        assertTrue(gic.isPending(65535, 0));
        assertEquals(8192, gic.acknowledge(0));
        gic.endOfInterrupt(0, 8192);
        assertEquals(65535, gic.acknowledge(0));
        gic.endOfInterrupt(0, 65535);
        assertEquals(SPURIOUS, gic.acknowledge(0));
    }

    @Test
    void movingAnEnabledLpiSignalsTheCpuItMovedTo() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 3, 1, 0x01);
        for (int cpu = 0; cpu < 2; cpu++) {
            wr(gicr, cpu * 0x20000L + 0x70, 8, PROP | 15);
            wr(gicr, cpu * 0x20000L + 0x78, 8, cpu == 0 ? PEND : PEND1);
            wr(gicr, cpu * 0x20000L, 4, 1);
        }
        gic.setLpiPending(8195, 0);
        signals.clear();
        gic.moveLpis(0, 1);
        assertEquals(1, signals.size());
        assertEquals(1, signals.get(0)[0]);
        assertEquals(8195, signals.get(0)[1]);
    }

    @Test
    void anInvalidateSignalsAnLpiItEnabledAndAnInvalidateAllTheBestOne() {
        wr(gicd, 0x0, 4, 0x2);
        wr(gicr, 0x70, 8, PROP | 15);
        wr(gicr, 0x78, 8, PEND);
        wr(gicr, 0x0, 4, 1);
        gic.setLpiPending(8200, 0);
        gic.setLpiPending(8201, 0);
        ram.store(PROP + 8, 1, 0x81);
        ram.store(PROP + 9, 1, 0x41);
        signals.clear();
        gic.reloadLpiConfig(0);
        assertEquals(1, signals.size());
        assertEquals(8201, signals.get(0)[1], "the highest priority of those now enabled");
        signals.clear();
        ram.store(PROP + 9, 1, 0x40);
        gic.reloadLpiConfig(8201, 0);
        assertTrue(signals.isEmpty(), "disabled by the invalidate");
        assertEquals(8200, gic.acknowledge(0));
    }

    /** Makes SPI {@code id} level-sensitive (GICD_ICFGR Int_config[1] = 0). */
    void level(int id) {
        long reg = 0xC00 + (id / 16) * 4;
        wr(gicd, reg, 4, rd(gicd, reg, 4) & ~(2L << ((id % 16) * 2)));
    }

    @Test
    void aReplacementTakesOverHeldLevelsAndActiveSpisAndSignalsWhatIsTakeable() {
        spi(40, 0x80);
        spi(41, 0x40);
        level(41);
        gic.raiseSpi(40);
        assertEquals(40, gic.acknowledge(0), "40 active on CPU 0");
        gic.raiseSpi(41); // input held high, not taken
        Gicv3 next = new Gicv3("next", 256, affinities(), ram);
        List<int[]> seen = new ArrayList<>();
        next.connect((cpu, intid) -> seen.add(new int[] {cpu, intid}));
        next.restoreState(gic.saveState());
        assertTrue(seen.stream().anyMatch(s -> s[0] == 0 && s[1] == 41), "the takeable level SPI is signalled");
        assertEquals(1L << 8, rd(next.region(0), 0x304, 4) & (1L << 8), "40 still active (GICD_ISACTIVER1)");
        assertEquals(1L << 9, rd(next.region(0), 0x204, 4) & (1L << 9), "41 pending by its level (GICD_ISPENDR1)");
        assertEquals(41, next.acknowledge(0));
    }

    @Test
    void pendingReadsALevelSpiByItsInputAndAnEdgeSpiByItsLatchOnly() {
        spi(40, 0x80);
        spi(41, 0x90);
        level(41);
        gic.raiseSpi(40);
        gic.raiseSpi(41);
        assertEquals(40, gic.acknowledge(0));
        // 40's input is still high but an edge SPI is pending only by its latch; 41 is by its level.
        assertEquals(1L << 9, rd(gicd, 0x204, 4) & (3L << 8));
        gic.lowerSpi(41);
        assertEquals(0, rd(gicd, 0x204, 4) & (3L << 8), "a level SPI whose input fell is not pending");
    }

    @Test
    void clearingOneSpiWordLeavesAnotherWordsPendingSpiTakeable() {
        spi(40, 0x80);
        spi(70, 0x90);
        gic.raiseSpi(40);
        gic.raiseSpi(70);
        wr(gicd, 0x284, 4, 1L << 8); // GICD_ICPENDR1: 40 no longer pending
        assertEquals(70, gic.acknowledge(0));
    }

    @Test
    void loweringOneLevelSpiLeavesTheOthersInputHigh() {
        spi(41, 0x80);
        spi(42, 0x90);
        level(41);
        level(42);
        gic.raiseSpi(41);
        gic.raiseSpi(42);
        gic.lowerSpi(41);
        assertFalse(gic.isPending(41, 0));
        assertTrue(gic.isPending(42, 0));
        assertEquals(42, gic.acknowledge(0));
    }

    @Test
    void atResetEverySpiRoutesToTheCpuWithAffinityZero() {
        Gicv3 swapped = new Gicv3("swapped", 256, new long[] {0x1, 0x0}, ram);
        MmioHandler d = swapped.region(0);
        wr(d, 0x0, 4, 0x2);
        wr(d, 0x84, 4, 1L << 8);
        wr(d, 0x104, 4, 1L << 8);
        assertNull(swapped.raiseSpi(40));
        assertTrue(swapped.isPending(40, 1), "IROUTER = 0 names affinity 0.0.0.0: CPU 1 here");
        assertFalse(swapped.isPending(40, 0));
        assertEquals(SPURIOUS, swapped.acknowledge(0));
        assertEquals(40, swapped.acknowledge(1));
    }

    @Test
    void eachSpisIrouterIsAtItsOwnOffset() {
        spi(40, 0x80);
        wr(gicd, 0x6000 + 8 * 40, 8, 0x1); // GICD_IROUTER40: Aff0 = 1, CPU 1
        gic.raiseSpi(40);
        assertEquals(SPURIOUS, gic.acknowledge(0));
        assertEquals(40, gic.acknowledge(1));
        assertEquals(0x1, rd(gicd, 0x6000 + 8 * 40, 8));
        assertEquals(0, rd(gicd, 0x6000 + 8 * 41, 8), "IROUTER41 untouched");
    }

    @Test
    void aByteOfABitmapRegisterReadsOnlyThatByte() {
        wr(gicd, 0x84, 4, 0xFFFF_FFFFL); // GICD_IGROUPR1
        assertEquals(0xFF, rd(gicd, 0x85, 1));
        assertEquals(0xFFFF, rd(gicd, 0x86, 2));
    }

    @Test
    void theClearRegistersOfTheSgiFrameReadThePendingAndActiveState() {
        wr(gicd, 0x0, 4, 0x2);
        wr(gicr, SGI + 0x80, 4, 1L << 20);
        wr(gicr, SGI + 0x100, 4, 1L << 20);
        wr(gicr, SGI + 0x200, 4, (1L << 20) | (1L << 21)); // ISPENDR0: PPIs 20, 21
        assertEquals((1L << 20) | (1L << 21), rd(gicr, SGI + 0x280, 4), "GICR_ICPENDR0 reads pending");
        assertEquals(20, gic.acknowledge(0));
        assertEquals(1L << 20, rd(gicr, SGI + 0x380, 4), "GICR_ICACTIVER0 reads active");
        assertEquals(1L << 20, rd(gicr, SGI + 0x300, 4));
    }

    @Test
    void puttingAPendingEnabledPpiInGroup1SignalsIt() {
        wr(gicd, 0x0, 4, 0x2);
        wr(gicr, SGI + 0x100, 4, 1L << 20);
        wr(gicr, SGI + 0x200, 4, 1L << 20); // pending, enabled, but group 0 (disabled)
        signals.clear();
        wr(gicr, SGI + 0x80, 4, 1L << 20); // GICR_IGROUPR0
        assertTrue(signalled(0).contains(20), "signalled " + signalled(0));
    }

    @Test
    void reEnablingLpisLoadsTheNewPendingTableAndForgetsTheOld() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 1, 1, 0x41);
        enableLpis(0, PEND, 16);
        assertNull(gic.setLpiPending(8193, 0));
        wr(gicr, 0x0, 4, 0); // EnableLPIs 1 -> 0: written back to PEND
        assertEquals(1 << (8193 % 8), ram.load(PEND + 8193 / 8, 1));
        wr(gicr, 0x78, 8, PEND1); // an empty pending table
        wr(gicr, 0x0, 4, 1);
        assertFalse(gic.isPending(8193, 0), "the new table has nothing pending");
        assertEquals(SPURIOUS, gic.acknowledge(0));
    }

    @Test
    void lpiTablesOutsideRamAreCountedAndLeaveLpisDisabled() {
        wr(gicd, 0x0, 4, 0x2);
        enableLpis(0, 0x7000_0000L, 16);
        assertEquals(1, gic.lpiTableErrors());
        assertEquals(DropReason.LPI_DISABLED, gic.setLpiPending(8193, 0));
    }

    @Test
    void requestsNamingACpuOrRedistributorThatDoesNotExistAreRefusedOrIgnored() {
        assertEquals(DropReason.REDISTRIBUTOR_OUT_OF_RANGE, gic.setLpiPending(8192, 2));
        assertEquals(DropReason.REDISTRIBUTOR_OUT_OF_RANGE, gic.setLpiPending(8192, -1));
        gic.reloadLpiConfig(2);
        gic.reloadLpiConfig(8192, 2);
        gic.moveLpis(0, 2);
        gic.moveLpis(2, 0);
        gic.endOfInterrupt(2, 40);
        assertFalse(gic.isPending(40, 2));
        assertEquals(SPURIOUS, gic.acknowledge(2));
        assertEquals(SPURIOUS, gic.highestPending(2));
        gic.lowerSpi(288);
        assertEquals(DropReason.SPI_OUT_OF_RANGE, gic.pulseSpi(288));
        assertEquals(DropReason.SPI_OUT_OF_RANGE, gic.raiseSpi(288));
    }

    @Test
    void spi32IsTakenAndEndedAsAnSpiNotAsSgi0() {
        spi(32, 0x80);
        wr(gicr, SGI + 0x80, 4, 1); // SGI 0 in group 1, enabled, not pending
        wr(gicr, SGI + 0x100, 4, 1);
        gic.raiseSpi(32);
        assertEquals(32, gic.acknowledge(0));
        assertEquals(1, rd(gicd, 0x304, 4) & 1, "GICD_ISACTIVER1 bit 0: SPI 32 active");
        assertEquals(0, rd(gicr, SGI + 0x300, 4) & 1, "SGI 0 untouched");
        gic.endOfInterrupt(0, 32);
        assertEquals(0, rd(gicd, 0x304, 4) & 1, "deactivated by its EOI");
        gic.lowerSpi(32);
        gic.raiseSpi(32);
        assertEquals(32, gic.acknowledge(0), "taken again after its EOI");
    }

    @Test
    void setAndClearPendingTouchOnlyTheBitsWritten() {
        spi(40, 0x80);
        spi(41, 0x80);
        wr(gicd, 0x204, 4, 1L << 8); // GICD_ISPENDR1: SPI 40
        assertEquals(1L << 8, rd(gicd, 0x204, 4));
        wr(gicd, 0x204, 4, 1L << 9);
        wr(gicd, 0x284, 4, 1L << 8); // GICD_ICPENDR1: SPI 40 only
        assertEquals(1L << 9, rd(gicd, 0x204, 4));
        assertFalse(gic.isPending(40, 0));
        assertTrue(gic.isPending(41, 0));
    }

    @Test
    void softwarePendingADisabledSpiSignalsNoCpu() {
        spi(40, 0x80);
        wr(gicd, 0x184, 4, 1L << 8); // GICD_ICENABLER1: disabled
        signals.clear();
        wr(gicd, 0x204, 4, 1L << 8);
        assertTrue(gic.isPending(40, 0), "pending, as written");
        assertTrue(signalled(0).isEmpty(), "but not takeable: signalled " + signalled(0));
        assertEquals(SPURIOUS, gic.acknowledge(0));
    }

    @Test
    void onlyAStrictlyHigherPriorityPreemptsAndTiesGoToTheLowerIntid() {
        wr(gicd, 0x0, 4, 0x2);
        wr(gicr, SGI + 0x80, 4, 1L << 20); // PPI 20: group 1, priority 0x80, enabled
        wr(gicr, SGI + 0x400 + 20, 1, 0x80);
        wr(gicr, SGI + 0x100, 4, 1L << 20);
        spi(40, 0x80);
        spi(41, 0x80);
        gic.raiseSpi(40);
        wr(gicr, SGI + 0x200, 4, 1L << 20);
        assertEquals(20, gic.acknowledge(0), "PPI 20 and SPI 40 tie at 0x80: the lower INTID");
        assertEquals(SPURIOUS, gic.acknowledge(0), "40 at the running priority does not preempt");
        gic.endOfInterrupt(0, 20);
        assertEquals(40, gic.acknowledge(0));
        gic.raiseSpi(41);
        assertEquals(SPURIOUS, gic.acknowledge(0), "41 at the running priority does not preempt");
        gic.endOfInterrupt(0, 40);
        assertEquals(41, gic.acknowledge(0));
    }
}
