package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.testkit.ArrayRam;

/**
 * GICv3 state at its edges: what a replacement model takes over, INTID and range boundaries,
 * LPI configuration bytes' reserved bits, delivery counts.
 */
class Gicv3StateTest {
    static final long RAM = 0x4000_0000L;
    static final long PROP = RAM + 0x10000;
    static final long PEND = RAM + 0x20000;
    static final long PEND1 = RAM + 0x30000;
    static final long SGI = 0x10000;
    static final long PTZ = 1L << 62;
    static final int SPURIOUS = InterruptController.SPURIOUS;

    ArrayRam ram;
    Gicv3 gic;
    MmioHandler gicd;
    MmioHandler gicr;
    final List<int[]> signals = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ram = new ArrayRam(RAM, 0x100000);
        gic = new Gicv3("gic", 256, new long[] {0x0, 0x1}, ram);
        gicd = gic.region(0);
        gicr = gic.region(1);
        gic.connect((cpu, intid) -> signals.add(new int[] {cpu, intid}));
    }

    long rd(MmioHandler h, long off, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(0, size);
        tx.offset = off;
        h.access(tx);
        assertEquals(MemResult.OK, tx.result);
        return tx.data;
    }

    void wr(MmioHandler h, long off, int size, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(0, size, v);
        tx.offset = off;
        h.access(tx);
        assertEquals(MemResult.OK, tx.result);
    }

    void spi(int id, int prio) {
        wr(gicd, 0x0, 4, 0x2);
        wr(gicd, 0x80 + (id / 32) * 4, 4, rd(gicd, 0x80 + (id / 32) * 4, 4) | (1L << (id % 32)));
        wr(gicd, 0xC00 + (id / 16) * 4, 4, rd(gicd, 0xC00 + (id / 16) * 4, 4) | (2L << ((id % 16) * 2)));
        wr(gicd, 0x400 + id, 1, prio);
        wr(gicd, 0x100 + (id / 32) * 4, 4, 1L << (id % 32));
    }

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
        assertEquals(PEND | PTZ, rd(r, 0x78, 8));
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
        assertEquals(PEND | PTZ, rd(next.region(1), 0x78, 8), "PENDBASER as it was");
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
}
