package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.testkit.ArrayRam;

/**
 * The GICv3 register tables as software sees them (which bits are writable, RAZ/WI words under
 * affinity routing, byte lanes) and the model's edges (bad CPU numbers, bad shapes, INTIDs a CPU
 * interface ignores).
 */
class Gicv3RegistersTest extends Gicv3Fixture {
    @Override
    long[] affinities() {
        return new long[] {0x0, 0x0100_0001L}; // CPU 1 differs in Aff3 and Aff0: routing by Aff3 is seen
    }

    @Test
    void typerReportsTheLargestShapeAndTyper2IsZero() {
        Gicv3 big = new Gicv3("big", 960, new long[] {0}, ram);
        assertEquals(30, rd(big.region(0), 0x4, 4) & 0x1f, "992 INTIDs: 31 words");
        assertEquals(0, rd(gicd, 0xC, 4));
        assertEquals(0, rd(gicd, 0x4, 4) & (1 << 25), "No1N = 0: 1-of-N supported");
    }

    @Test
    void icfgrKeepsOnlyIntConfigAndItsSgiPpiWordsAreRazWi() {
        wr(gicd, 0xC08, 4, 0xffff_ffffL);
        assertEquals(0xAAAA_AAAAL, rd(gicd, 0xC08, 4), "bit 0 of each field is RES0");
        wr(gicd, 0xC00, 4, 0xffff_ffffL);
        wr(gicd, 0xC04, 4, 0xffff_ffffL);
        assertEquals(0, rd(gicd, 0xC00, 4));
        assertEquals(0, rd(gicd, 0xC04, 4));
        wr(gicd, 0xC0D, 1, 0xff); // byte 1 of ICFGR3: SPIs 52..55
        assertEquals(0xAA00L, rd(gicd, 0xC0C, 4));
    }

    @Test
    void irouterKeepsAffinityAndRoutingModeOnly() {
        wr(gicd, 0x6000 + 8 * 40, 8, -1L);
        assertEquals(0xff_8000_0000L | 0xff_ffffL, rd(gicd, 0x6000 + 8 * 40, 8));
        wr(gicd, 0x6000 + 8 * 40 + 4, 4, 0);
        assertEquals(0x8000_0000L | 0xff_ffffL, rd(gicd, 0x6000 + 8 * 40, 8), "a 4-byte write of the top half");
        assertEquals(0x8000_0000L | 0xff_ffffL, rd(gicd, 0x6000 + 8 * 40, 4) | rd(gicd, 0x6000 + 8 * 40 + 4, 4) << 32);
    }

    @Test
    void irouterAff3AndAff1SelectTheCpu() {
        spi(45, 0x80);
        wr(gicd, 0x6000 + 8 * 45, 8, 0x01_0000_0001L); // Aff3 = 1, Aff0 = 1: CPU 1 (0x0100_0001)
        assertNull(gic.raiseSpi(45));
        assertEquals(1, signals.get(signals.size() - 1)[0]);
        assertFalse(gic.isPending(45, 0), "not routed to CPU 0");
        assertTrue(gic.isPending(45, 1));
        assertEquals(SPURIOUS, gic.acknowledge(0));
        assertEquals(45, gic.acknowledge(1));
    }

    @Test
    void irouterNamingNoCpuLeavesTheSpiPendingForNobody() {
        spi(46, 0x80);
        wr(gicd, 0x6000 + 8 * 46, 8, 0x5);
        signals.clear();
        assertNull(gic.raiseSpi(46));
        assertTrue(signals.isEmpty(), "no CPU to signal");
        assertEquals(SPURIOUS, gic.acknowledge(0));
        assertEquals(SPURIOUS, gic.acknowledge(1));
        wr(gicd, 0x6000 + 8 * 46, 8, 0x0);
        assertEquals(46, gic.acknowledge(0), "routed again: taken");
    }

    @Test
    void bankedWordsOfTheDistributorAreRazWiUnderAffinityRouting() {
        for (int base : new int[] {0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380}) {
            wr(gicd, base, 4, 0xffff_ffffL);
            assertEquals(0, rd(gicd, base, 4), "GICD offset 0x" + Integer.toHexString(base));
        }
        wr(gicd, 0x400, 4, 0xffff_ffffL);
        wr(gicd, 0x41C, 4, 0xffff_ffffL);
        assertEquals(0, rd(gicd, 0x400, 4));
        assertEquals(0, rd(gicd, 0x41C, 4));
        assertFalse(gic.isPending(3, 0), "a write to ISPENDR0 pends no SGI");
    }

    @Test
    void groupRegisterKeepsTheBitsWrittenInItsByteLane() {
        wr(gicd, 0x84, 4, 0x0000_ff00L);
        wr(gicd, 0x85, 1, 0x0f);
        assertEquals(0x0000_0f00L, rd(gicd, 0x84, 4));
        assertEquals(0x0f, rd(gicd, 0x85, 1));
        wr(gicd, 0x86, 2, 0xffff);
        assertEquals(0xffff_0f00L, rd(gicd, 0x84, 4));
    }

    @Test
    void enableAndActiveBitsAreSetAndClearedByByteLanes() {
        wr(gicd, 0x105, 1, 0x01); // SPI 40
        assertEquals(1L << 8, rd(gicd, 0x104, 4));
        assertEquals(0x01, rd(gicd, 0x105, 1));
        wr(gicd, 0x106, 1, 0x01); // SPI 48
        wr(gicd, 0x185, 1, 0x01);
        assertEquals(1L << 16, rd(gicd, 0x184, 4), "clear-enable of one byte leaves the other");
        wr(gicd, 0x304, 4, 0x3);
        assertEquals(0x3, rd(gicd, 0x384, 4));
        wr(gicd, 0x384, 4, 0x1);
        assertEquals(0x2, rd(gicd, 0x304, 4));
    }

    @Test
    void pendingReadsShowLatchedEdgesAndHighLevels() {
        spi(40, 0x80); // edge
        wr(gicd, 0x429, 1, 0x80);
        wr(gicd, 0x105, 1, 0x02); // SPI 41 enabled, level (ICFGR reset)
        gic.raiseSpi(41);
        gic.raiseSpi(40);
        gic.lowerSpi(40);
        assertEquals(0x3L << 8, rd(gicd, 0x204, 4), "edge latched, level high");
        assertEquals(0x03, rd(gicd, 0x205, 1));
        gic.lowerSpi(41);
        assertEquals(0x1L << 8, rd(gicd, 0x284, 4), "the level is gone once low");
        wr(gicd, 0x285, 1, 0x01);
        assertEquals(0, rd(gicd, 0x204, 4));
        wr(gicd, 0x206, 2, 0x1); // SPI 48 by software, a 2-byte write
        assertTrue(gic.isPending(48, 0));
        assertEquals(1, gic.deliveries(48));
    }

    @Test
    void priorityRegistersReadBackEveryByteOfAWord() {
        wr(gicd, 0x420, 4, 0x8070_6050L);
        assertEquals(0x8070_6050L, rd(gicd, 0x420, 4));
        assertEquals(0x70, rd(gicd, 0x422, 1));
        assertEquals(0x8070, rd(gicd, 0x422, 2));
    }

    @Test
    void enableGrp0AndGrp1AreSeparate() {
        wr(gicd, 0x0, 4, 0x1);
        assertEquals(0x51, rd(gicd, 0x0, 4));
        wr(gicd, 0x428, 1, 0x40); // SPI 40 priority, group 0 (IGROUPR reset)
        wr(gicd, 0x105, 1, 0x01);
        wr(gicd, 0xC08, 4, 0x2 << 16); // SPI 40 edge
        assertNull(gic.raiseSpi(40), "group 0 enabled: delivered");
        assertEquals(40, gic.acknowledge(0));
        gic.endOfInterrupt(0, 40);
        gic.lowerSpi(40);
        wr(gicd, 0x0, 4, 0x2);
        assertEquals(DropReason.INTERRUPT_DISABLED, gic.raiseSpi(40), "group 0 now disabled");
        assertEquals(SPURIOUS, gic.acknowledge(0));
        wr(gicd, 0x84, 4, 1L << 8);
        assertEquals(40, gic.acknowledge(0), "moved to group 1");
    }

    // ---------------------------------------------------------------- GICR

    @Test
    void lpiBaseRegistersKeepOnlyTheirFields() {
        wr(gicr, 0x70, 8, -1L);
        assertEquals(0x070F_FFFF_FFFF_FF9FL, rd(gicr, 0x70, 8));
        wr(gicr, 0x78, 8, -1L);
        assertEquals(0x070F_FFFF_FFFF_0F80L, rd(gicr, 0x78, 8), "PTZ (bit 62) is write-only");
        wr(gicr, 0x0, 4, -1L);
        assertEquals(0, rd(gicr, 0x0, 4) & ~1L, "only EnableLPIs in GICR_CTLR");
    }

    @Test
    void pendbaserIsReadOnlyWhileLpisAreEnabledAndWritableAfter() {
        enableLpis(0, PEND, 16);
        wr(gicr, 0x78, 8, RAM + 0x50000);
        assertEquals(PEND, rd(gicr, 0x78, 8));
        wr(gicr, 0x0, 4, 0);
        wr(gicr, 0x78, 8, RAM + 0x50000);
        assertEquals(RAM + 0x50000, rd(gicr, 0x78, 8));
        wr(gicr, 0x70, 8, RAM + 0x60000);
        assertEquals(RAM + 0x60000, rd(gicr, 0x70, 8));
    }

    @Test
    void pendingTableZeroedByPtzIsClearedNotRead() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 1, 1, 0x01);
        ram.store(PEND + 8193 / 8, 1, 1 << (8193 % 8));
        wr(gicr, 0x70, 8, PROP | 15);
        wr(gicr, 0x78, 8, PEND | 1L << 62);
        wr(gicr, 0x0, 4, 1);
        assertFalse(gic.isPending(8193, 0), "PTZ: the table is zero");
        assertEquals(0, ram.load(PEND + 8193 / 8, 1), "and the redistributor made it so");
        assertEquals(SPURIOUS, gic.acknowledge(0));
    }

    @Test
    void pendbaserPtzIsWriteOnlyAndReadsAsZero() {
        wr(gicr, 0x78, 8, PEND | 1L << 62);
        assertEquals(PEND, rd(gicr, 0x78, 8), "PTZ is write-only: it reads as 0");
    }

    @Test
    void idBitsBelowTheFirstLpiLeaveNoLpiInRange() {
        enableLpis(0, PEND, 13); // 2^13 IDs: 0..8191, no LPI
        assertEquals(DropReason.LPI_OUT_OF_RANGE, gic.setLpiPending(8192, 0));
    }

    @Test
    void enablingLpisSignalsAPendingEnabledOneFromTheTable() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 2, 1, 0x01);
        ram.store(PEND + 8194 / 8, 1, 1 << (8194 % 8));
        signals.clear();
        enableLpis(0, PEND, 16);
        assertEquals(1, signals.size());
        assertEquals(8194, signals.get(0)[1]);
    }

    @Test
    void wakerProcessorSleepSetsChildrenAsleepAgain() {
        wr(gicr, 0x14, 4, 0);
        wr(gicr, 0x14, 4, 0x2);
        assertEquals(0x6, rd(gicr, 0x14, 4));
        wr(gicr, 0x14, 4, 0x5);
        assertEquals(0, rd(gicr, 0x14, 4), "ChildrenAsleep and bit 0 are not writable");
    }

    @Test
    void redistributorIdentifiesItselfAsGicv3() {
        assertEquals(0x3B, rd(gicr, 0xFFE8, 4));
        assertEquals(0x3B, rd(gicr, 0x20000 + 0xFFE8, 4));
        assertEquals(0x0100_0001L, rd(gicr, 0x20000 + 0x8, 8) >>> 32, "affinity of CPU 1");
    }

    @Test
    void sgiFrameSetClearPairsShareTheirState() {
        wr(gicr, SGI + 0x80, 4, 0x0000_00f0L);
        assertEquals(0xf0, rd(gicr, SGI + 0x80, 4));
        wr(gicr, SGI + 0x100, 4, 0x3);
        wr(gicr, SGI + 0x180, 4, 0x1);
        assertEquals(0x2, rd(gicr, SGI + 0x100, 4));
        wr(gicr, SGI + 0x200, 4, 0x6);
        wr(gicr, SGI + 0x280, 4, 0x2);
        assertEquals(0x4, rd(gicr, SGI + 0x200, 4));
        assertEquals(1, gic.deliveries(2));
        assertEquals(1, gic.deliveries(1));
        wr(gicr, SGI + 0x300, 4, 0x9);
        wr(gicr, SGI + 0x380, 4, 0x1);
        assertEquals(0x8, rd(gicr, SGI + 0x300, 4));
        wr(gicr, SGI + 0x407, 1, 0x55);
        assertEquals(0x55 << 24, rd(gicr, SGI + 0x404, 4));
        assertEquals(0x55, rd(gicr, SGI + 0x407, 1));
    }

    @Test
    void ppiTriggerIsWritableAndSgiTriggerIsFixed() {
        wr(gicr, SGI + 0xC04, 4, 0xffff_ffffL);
        assertEquals(0xAAAA_AAAAL, rd(gicr, SGI + 0xC04, 4));
        wr(gicr, SGI + 0xC00, 4, 0);
        assertEquals(0xAAAA_AAAAL, rd(gicr, SGI + 0xC00, 4));
    }

    @Test
    void aGroup0PpiNeedsEnableGrp0AndAGroup1OneEnableGrp1() {
        wr(gicr, SGI + 0x100, 4, 0x3L << 20); // PPIs 20, 21 enabled
        wr(gicr, SGI + 0x80, 4, 1L << 21);   // 21 in group 1, 20 in group 0
        wr(gicr, SGI + 0x200, 4, 0x3L << 20);
        wr(gicd, 0x0, 4, 0x2);
        assertEquals(21, gic.acknowledge(0));
        assertEquals(SPURIOUS, gic.acknowledge(0));
        gic.endOfInterrupt(0, 21);
        wr(gicd, 0x0, 4, 0x1);
        assertEquals(20, gic.acknowledge(0));
    }

    @Test
    void privateInterruptOfHigherPriorityBeatsAnSpiAndAnLpi() {
        wr(gicd, 0x0, 4, 0x2);
        spi(40, 0x60);
        ram.store(PROP + 1, 1, 0x51); // LPI 8193 at 0x50
        enableLpis(0, PEND, 16);
        wr(gicr, SGI + 0x80, 4, 0xffff_ffffL);
        wr(gicr, SGI + 0x405, 1, 0x40); // SGI 5 at 0x40
        wr(gicr, SGI + 0x406, 1, 0x40); // SGI 6 at 0x40
        wr(gicr, SGI + 0x100, 4, 0x60);
        gic.raiseSpi(40);
        gic.setLpiPending(8193, 0);
        wr(gicr, SGI + 0x200, 4, 0x60);
        assertEquals(5, gic.acknowledge(0), "highest priority, lowest INTID among equals");
        gic.endOfInterrupt(0, 5);
        assertEquals(6, gic.acknowledge(0));
        gic.endOfInterrupt(0, 6);
        assertEquals(8193, gic.acknowledge(0), "LPI 0x50 before SPI 0x60");
        gic.endOfInterrupt(0, 8193);
        assertEquals(40, gic.acknowledge(0));
        gic.endOfInterrupt(0, 40);
        assertEquals(SPURIOUS, gic.acknowledge(0));
    }

    @Test
    void anLpiOfEqualPriorityDoesNotBeatAnSpiAlreadyChosen() {
        wr(gicd, 0x0, 4, 0x2);
        spi(40, 0x60);
        ram.store(PROP + 1, 1, 0x61);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8193, 0);
        gic.raiseSpi(40);
        assertEquals(40, gic.acknowledge(0));
        assertEquals(SPURIOUS, gic.acknowledge(0), "equal priority does not preempt");
        gic.endOfInterrupt(0, 40);
        assertEquals(8193, gic.acknowledge(0));
    }

    // ---------------------------------------------------------------- edges of the model

    @Test
    void badShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Gicv3("g", 33, new long[] {0}, ram));
        assertThrows(IllegalArgumentException.class, () -> new Gicv3("g", -32, new long[] {0}, ram));
        assertThrows(IllegalArgumentException.class, () -> new Gicv3("g", 992, new long[] {0}, ram));
        assertThrows(IllegalArgumentException.class, () -> new Gicv3("g", 32, new long[0], ram));
        assertTrue(new Gicv3("g", 960, new long[] {0}, ram).summary().contains("960 SPIs"));
        assertTrue(new Gicv3("g", 0, new long[] {0}, ram).summary().contains(" 0 SPIs"));
    }

    @Test
    void cpuNumbersOutOfRangeAreHarmless() {
        assertEquals(SPURIOUS, gic.acknowledge(-1));
        assertEquals(SPURIOUS, gic.acknowledge(2));
        assertEquals(SPURIOUS, gic.highestPending(-1));
        assertEquals(SPURIOUS, gic.highestPending(2));
        assertFalse(gic.isPending(40, -1));
        assertFalse(gic.isPending(40, 2));
        gic.endOfInterrupt(-1, 40);
        gic.endOfInterrupt(2, 40);
        gic.moveLpis(0, 2);
        gic.moveLpis(-1, 0);
        gic.moveLpis(0, -1);
        gic.moveLpis(2, 0);
        gic.reloadLpiConfig(2);
        gic.reloadLpiConfig(-1);
        gic.reloadLpiConfig(8192, 2);
        gic.clearLpiPending(8192, 2);
        assertEquals(2, gic.cpuCount());
        assertTrue(gic.supportsLpis());
        assertNull(gic.region(2));
    }

    @Test
    void moveToItselfKeepsThePendingLpis() {
        wr(gicd, 0x0, 4, 0x2);
        ram.store(PROP + 3, 1, 0x01);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8195, 0);
        gic.moveLpis(0, 0);
        assertTrue(gic.isPending(8195, 0));
    }

    @Test
    void moveToARedistributorWithLpisOffDropsThemAndDisabledOnesAreNotSignalled() {
        wr(gicd, 0x0, 4, 0x2);
        enableLpis(0, PEND, 16);
        gic.setLpiPending(8195, 0); // disabled in the (zero) table
        gic.moveLpis(0, 1);
        assertFalse(gic.isPending(8195, 0));
        assertFalse(gic.isPending(8195, 1), "CPU 1 has LPIs off");
        enableLpis(1, RAM + 0x30000, 16);
        gic.setLpiPending(8196, 0);
        signals.clear();
        gic.moveLpis(0, 1);
        assertTrue(gic.isPending(8196, 1));
        assertTrue(signals.isEmpty(), "a disabled LPI is moved, not signalled");
    }

    @Test
    void endOfAnInterruptNotActiveOrOfAReservedIdIsIgnored() {
        spi(40, 0x80);
        gic.raiseSpi(40);
        assertEquals(40, gic.acknowledge(0));
        gic.endOfInterrupt(0, 41);
        gic.endOfInterrupt(0, 1020);
        gic.endOfInterrupt(0, 8191);
        gic.endOfInterrupt(1, 40);
        assertEquals(1L << 8, rd(gicd, 0x304, 4), "still active");
        gic.endOfInterrupt(0, 40);
        assertEquals(0, rd(gicd, 0x304, 4));
    }

    @Test
    void isPendingAnswersForEachKindOfInterrupt() {
        assertFalse(gic.isPending(1019, 0), "an SPI beyond the implemented lines");
        assertFalse(gic.isPending(5000, 0));
        assertFalse(gic.isPending(65536, 0));
        assertFalse(gic.isPending(8192, 0));
    }

    @Test
    void aConfigurationTableRunningPastRamLeavesLpisDisabled() {
        ArrayRam small = new ArrayRam(RAM, 0x11000); // PROP + 4 KiB only
        Gicv3 g = new Gicv3("g", 32, new long[] {0}, small);
        MmioHandler r = g.region(1);
        wr(r, 0x70, 8, PROP | 15); // 2^16 IDs: 56 KiB of configuration bytes
        wr(r, 0x78, 8, RAM);
        wr(r, 0x0, 4, 1);
        assertEquals(1, g.lpiTableErrors());
        assertEquals(DropReason.LPI_DISABLED, g.setLpiPending(8192, 0));
        wr(r, 0x0, 4, 0);
        assertEquals(1, g.lpiTableErrors(), "nothing to write back: the table was never latched");
    }

    @Test
    void aFailingSinkDoesNotWedgeLaterInterrupts() {
        List<Integer> seen = new ArrayList<>();
        gic.connect((cpu, intid) -> {
            seen.add(intid);
            throw new IllegalStateException("CPU model failed");
        });
        spi(40, 0x80);
        spi(41, 0x80);
        gic.raiseSpi(40);
        gic.raiseSpi(41);
        assertTrue(seen.contains(40));
        assertTrue(seen.contains(41), "signalled again after the failure");
    }

    @Test
    void connectingASinkSignalsWhatIsAlreadyPending() {
        gic.connect(null);
        spi(40, 0x80);
        gic.raiseSpi(40);
        signals.clear();
        gic.connect((cpu, intid) -> signals.add(new int[] {cpu, intid}));
        assertEquals(1, signals.size());
        assertEquals(40, signals.get(0)[1]);
        assertEquals(40, gic.highestPending(0));
        assertEquals(40, gic.acknowledge(0), "highestPending did not take it");
    }

    @Test
    void noSinkMeansNoSignalButTheStateStillChanges() {
        gic.connect(null);
        signals.clear();
        spi(40, 0x80);
        assertNull(gic.raiseSpi(40));
        wr(gicd, 0x204, 4, 1L << 9);
        wr(gicd, 0x104, 4, 1L << 9);
        assertTrue(signals.isEmpty());
        assertEquals(40, gic.acknowledge(0));
        assertEquals(SPURIOUS, gic.acknowledge(0), "41 is group 0: not taken with EnableGrp0 off");
    }

    @Test
    void summaryNamesTheShape() {
        String s = gic.summary();
        assertTrue(s.startsWith("GICv3 256 SPIs, 2 redistributors, LPIs 8192..65535"), s);
    }

    @Test
    void restoringIntoAModelWithOtherCpusIgnoresTheState() {
        wr(gicd, 0x0, 4, 0x2);
        Object state = gic.saveState();
        Gicv3 other = new Gicv3("gic", 256, new long[] {0x0, 0x2}, ram);
        other.restoreState(state);
        assertEquals(0x50, rd(other.region(0), 0x0, 4));
        other.restoreState("not a state");
        assertEquals(0x50, rd(other.region(0), 0x0, 4));
    }

    @Test
    void savedStateCarriesIcfgrGroupsEnablesAndPrivateState() {
        spi(40, 0x80);
        wr(gicd, 0xC0C, 4, 0x8);      // SPI 49 edge
        wr(gicr, SGI + 0x100, 4, 0x10);
        wr(gicr, SGI + 0x80, 4, 0x10);
        wr(gicr, SGI + 0x404, 1, 0x20);
        wr(gicr, SGI + 0xC04, 4, 0x8);
        wr(gicr, 0x14, 4, 0);
        wr(gicr, SGI + 0x200, 4, 0x10);
        assertEquals(4, gic.acknowledge(0));
        Object state = gic.saveState();
        Gicv3 next = new Gicv3("gic", 256, new long[] {0x0, 0x0100_0001L}, ram);
        next.restoreState(state);
        MmioHandler d = next.region(0);
        MmioHandler r = next.region(1);
        assertEquals(rd(gicd, 0xC08, 4), rd(d, 0xC08, 4));
        assertEquals(0x8, rd(d, 0xC0C, 4));
        assertEquals(rd(gicd, 0x84, 4), rd(d, 0x84, 4));
        assertEquals(rd(gicd, 0x104, 4), rd(d, 0x104, 4));
        assertEquals(0x80, rd(d, 0x428, 1));
        assertEquals(0x10, rd(r, SGI + 0x100, 4));
        assertEquals(0x10, rd(r, SGI + 0x80, 4));
        assertEquals(0x20, rd(r, SGI + 0x404, 1));
        assertEquals(0x8, rd(r, SGI + 0xC04, 4));
        assertEquals(0, rd(r, 0x14, 4));
        assertEquals(0x10, rd(r, SGI + 0x300, 4), "SGI 4 active");
        next.endOfInterrupt(0, 4);
        assertEquals(0, rd(r, SGI + 0x300, 4), "its EOI found it on the restored stack");
    }
}
