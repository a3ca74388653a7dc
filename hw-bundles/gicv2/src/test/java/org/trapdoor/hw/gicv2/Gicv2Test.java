package org.trapdoor.hw.gicv2;

import java.util.List;
import java.util.ArrayList;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.testkit.DeviceTrees;
import org.trapdoor.testkit.FakeBindContext;

class Gicv2Test {
    Gicv2 gic;
    MmioHandler gicd;
    MmioHandler gicc;
    int lastSignalCpu = -1;

    @BeforeEach
    void setUp() {
        gic = new Gicv2("gic", 256, 2);
        gicd = gic.region(0);
        gicc = gic.region(1);
        gic.connect((c, id) -> lastSignalCpu = c);
    }

    @AfterEach
    void countersBalance() {
        InterruptCounters c = gic.counters();
        assertEquals(c.fired(), c.delivered() + c.dropped());
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

    void enableAll() {
        wr(gicd, 0x000, 4, 1);
        wr(gicc, 0x000, 4, 1);
        wr(gicc, 0x004, 4, 0xff);
    }

    void spi(int id, int prio, int targetMask) {
        wr(gicd, 0xC00 + (id / 16) * 4, 4, rd(gicd, 0xC00 + (id / 16) * 4, 4) | (2L << ((id % 16) * 2)));
        wr(gicd, 0x400 + id, 1, prio);
        wr(gicd, 0x800 + id, 1, targetMask);
        wr(gicd, 0x100 + (id / 32) * 4, 4, 1L << (id % 32));
    }

    @Test
    void resetValuesDescribeTheShape() {
        assertEquals(8 | (1 << 5), rd(gicd, 0x004, 4), "ITLinesNumber 8, CPUNumber 1");
        assertEquals(Gicv2.GICD_IIDR, rd(gicd, 0x008, 4));
        assertEquals(Gicv2.GICC_IIDR, rd(gicc, 0x0FC, 4));
        assertEquals(0xffff, rd(gicd, 0x100, 4), "SGIs always enabled");
        assertEquals(0xAAAA_AAAAL, rd(gicd, 0xC00, 4), "SGIs edge");
        assertEquals(0x0101_0101L, rd(gicd, 0x800, 4), "banked targets name the reading CPU");
        assertEquals(InterruptController.SPURIOUS, rd(gicc, 0x00C, 4));
    }

    @Test
    void sgiEnablesCannotBeCleared() {
        wr(gicd, 0x180, 4, 0xffff_ffffL);
        assertEquals(0xffff, rd(gicd, 0x100, 4));
    }

    @Test
    void iarAndEoirFollowPriorityOrder() {
        enableAll();
        spi(40, 0x80, 1);
        spi(41, 0x20, 1);
        spi(42, 0x50, 1);
        gic.raiseSpi(40);
        gic.raiseSpi(41);
        gic.raiseSpi(42);
        assertEquals(41, rd(gicc, 0x018, 4), "HPPIR");
        assertEquals(41, rd(gicc, 0x00C, 4));
        assertEquals(0x20, rd(gicc, 0x014, 4), "running priority");
        assertEquals(InterruptController.SPURIOUS, rd(gicc, 0x00C, 4), "nothing beats the running priority");
        wr(gicc, 0x010, 4, 41);
        assertEquals(42, rd(gicc, 0x00C, 4));
        wr(gicc, 0x010, 4, 42);
        assertEquals(40, rd(gicc, 0x00C, 4));
        wr(gicc, 0x010, 4, 40);
        assertEquals(0xff, rd(gicc, 0x014, 4), "idle");
        assertEquals(0, rd(gicd, 0x304, 4), "nothing active");
        assertEquals(3, gic.counters().delivered());
    }

    @Test
    void priorityMaskHoldsBackLowPriorityInterrupts() {
        enableAll();
        wr(gicc, 0x004, 4, 0x80);
        spi(40, 0x80, 1);
        gic.raiseSpi(40);
        assertEquals(InterruptController.SPURIOUS, rd(gicc, 0x00C, 4));
        wr(gicc, 0x004, 4, 0x90);
        assertEquals(40, rd(gicc, 0x00C, 4));
    }

    @Test
    void disabledDistributorOrCpuInterfaceSignalsNothing() {
        spi(40, 0x10, 1);
        gic.raiseSpi(40);
        wr(gicc, 0x000, 4, 1);
        wr(gicc, 0x004, 4, 0xff);
        assertEquals(InterruptController.SPURIOUS, rd(gicc, 0x00C, 4));
        wr(gicd, 0x000, 4, 1);
        assertEquals(40, rd(gicc, 0x00C, 4));
    }

    @Test
    void targetsRouteSpisToOtherCpus() {
        enableAll();
        gic.enableCpuInterface(1, 0xff);
        spi(50, 0x40, 2);
        gic.raiseSpi(50);
        assertEquals(1, lastSignalCpu);
        assertEquals(InterruptController.SPURIOUS, rd(gicc, 0x00C, 4));
        assertFalse(gic.isPending(50, 0));
        assertTrue(gic.isPending(50, 1));
        assertEquals(50, gic.acknowledge(1));
        gic.endOfInterrupt(1, 50);
        assertEquals(0x02, rd(gicd, 0x800 + 50, 1));
    }

    @Test
    void softwareGeneratedInterruptToSelf() {
        enableAll();
        wr(gicd, 0xF00, 4, (2L << 24) | 3);
        assertEquals(3, rd(gicc, 0x00C, 4));
        wr(gicc, 0x010, 4, 3);
        assertEquals(1, gic.deliveries(3));
        assertEquals(0, rd(gicd, 0xF00, 4), "GICD_SGIR is write-only");
    }

    @Test
    void softwareGeneratedInterruptToTargetList() {
        enableAll();
        gic.enableCpuInterface(1, 0xff);
        wr(gicd, 0xF00, 4, (0x2L << 16) | 5);
        assertTrue(gic.isPending(5, 1));
        assertFalse(gic.isPending(5, 0));
        assertEquals(5, gic.acknowledge(1));
    }

    @Test
    void levelSpiFollowsItsLine() {
        enableAll();
        spi(60, 0x40, 1);
        wr(gicd, 0xC00 + 12, 4, 0);
        gic.raiseSpi(60);
        assertEquals(60, rd(gicc, 0x00C, 4));
        wr(gicc, 0x010, 4, 60);
        assertTrue(gic.isPending(60, 0));
        gic.lowerSpi(60);
        assertFalse(gic.isPending(60, 0));
    }

    @Test
    void setAndClearPendingFromSoftware() {
        spi(70, 0x40, 1);
        wr(gicd, 0x200 + 8, 4, 1L << 6);
        assertTrue(gic.isPending(70, 0));
        assertEquals(1L << 6, rd(gicd, 0x280 + 8, 4));
        wr(gicd, 0x280 + 8, 4, 1L << 6);
        assertFalse(gic.isPending(70, 0));
    }

    @Test
    void lpisAndOutOfRangeSpisAreCountedDrops() {
        assertEquals(DropReason.LPIS_UNSUPPORTED, gic.setLpiPending(8192, 0));
        assertEquals(DropReason.SPI_OUT_OF_RANGE, gic.raiseSpi(288));
        assertEquals(DropReason.SPI_OUT_OF_RANGE, gic.raiseSpi(31));
        assertFalse(gic.supportsLpis());
        assertEquals(3, gic.counters().fired());
        assertEquals(0, gic.counters().delivered());
    }

    @Test
    void gicccRejectsNarrowAccesses() {
        MemoryTransaction tx = new MemoryTransaction().read(0, 2);
        tx.offset = 0x00C;
        gicc.access(tx);
        assertEquals(MemResult.ABORT, tx.result);
    }

    @Test
    void driverBindsFromTheTree() throws BindException {
        DtNode root = DeviceTrees.qemuVirtGicv2(2);
        DtNode intc = root.child("intc@8000000");
        Gicv2 model = (Gicv2) new Gicv2Driver().create(new FakeBindContext(intc));
        assertEquals(2, model.cpuCount());
        DtNode big = DeviceTrees.qemuVirtGicv2(9).child("intc@8000000");
        assertThrows(BindException.class, () -> new Gicv2Driver().create(new FakeBindContext(big)));
    }

    @Test
    void aFourKibCpuInterfaceFrameBindsAsOnXGeneButASmallerOneIsRefused() {
        DtNode intc = DeviceTrees.qemuVirtGicv2(2).child("intc@8000000");
        // apm-mustang: GICD 4 KiB, GICC 4 KiB (no GICC_DIR page).
        intc.put(org.trapdoor.api.dt.DtProperty.ofCells("reg", 0, 0x78010000, 0, 0x1000, 0, 0x78020000, 0, 0x1000));
        assertDoesNotThrow(() -> new Gicv2Driver().create(new FakeBindContext(intc)));
        intc.put(org.trapdoor.api.dt.DtProperty.ofCells("reg", 0, 0x78010000, 0, 0x1000, 0, 0x78020000, 0, 0x800));
        BindException e = assertThrows(BindException.class, () -> new Gicv2Driver().create(new FakeBindContext(intc)));
        assertTrue(e.getMessage().contains("GICC region is smaller than 4 KiB"), e.getMessage());
    }

    @Test
    void savedStateCarriesPendingActiveAndCpuInterfaceToANewModel() {
        enableAll();
        spi(40, 0x80, 1);
        spi(41, 0x40, 1);
        gic.raiseSpi(40);
        assertEquals(40, rd(gicc, 0x00C, 4));
        gic.raiseSpi(41);
        Object state = gic.saveState();
        Gicv2 next = new Gicv2("gic", 256, 2);
        next.restoreState(state);
        gic = next;
        MmioHandler c = next.region(1);
        assertEquals(0xff, rd(c, 0x004, 4), "PMR");
        assertEquals(0x80, rd(c, 0x014, 4), "running priority of the active SPI 40");
        assertEquals(41, rd(c, 0x00C, 4));
        wr(c, 0x010, 4, 41);
        wr(c, 0x010, 4, 40);
        assertEquals(0, rd(next.region(0), 0x304, 4));
        Gicv2 other = new Gicv2("gic", 256, 1);
        other.restoreState(state);
        assertEquals(0, rd(other.region(0), 0x000, 4), "another shape ignores the state");
    }

    @Test
    void anEdgeSpiAlreadyPendingIsCoalescedAndADisabledOneHeldPending() {
        enableAll();
        spi(50, 0x80, 1);
        assertNull(gic.raiseSpi(50));
        gic.lowerSpi(50);
        assertEquals(DropReason.COALESCED, gic.raiseSpi(50));
        gic.lowerSpi(50);
        spi(51, 0x80, 0); // targets no CPU
        assertEquals(DropReason.INTERRUPT_DISABLED, gic.raiseSpi(51));
        assertEquals(1, gic.deliveries(51), "latched pending all the same");
        assertEquals(1, gic.counters().dropped(DropReason.COALESCED));
    }

    @Test
    void sinkMayAcknowledgeAndEndEachInterruptSynchronously() {
        enableAll();
        spi(40, 0x80, 1);
        spi(41, 0x80, 1);
        List<Integer> taken = new ArrayList<>();
        int[] depth = {0, 0};
        gic.connect((c, id) -> {
            depth[0]++;
            depth[1] = Math.max(depth[1], depth[0]);
            for (int x = gic.acknowledge(c); x != InterruptController.SPURIOUS; x = gic.acknowledge(c)) {
                taken.add(x);
                if (x == 40) {
                    assertNull(gic.raiseSpi(41), "raised from inside the handler");
                    gic.lowerSpi(41);
                }
                gic.endOfInterrupt(c, x);
            }
            depth[0]--;
        });
        assertNull(gic.raiseSpi(40));
        gic.lowerSpi(40);
        assertEquals(List.of(40, 41), taken);
        assertEquals(1, depth[1], "the sink is never entered twice for a CPU");
        assertFalse(gic.isPending(40, 0));
        assertFalse(gic.isPending(41, 0));
    }

    @Test
    void signalDuringSinkCallIsRedeliveredAfterItReturns() {
        enableAll();
        spi(42, 0x80, 1);
        spi(43, 0x80, 1);
        List<Integer> seen = new ArrayList<>();
        gic.connect((c, id) -> {
            seen.add(id);
            if (seen.size() == 1) {
                gic.raiseSpi(43);
                gic.lowerSpi(43);
                assertEquals(1, seen.size(), "not nested");
            }
            int x = gic.acknowledge(c);
            if (x != InterruptController.SPURIOUS) {
                gic.endOfInterrupt(c, x);
            }
        });
        gic.raiseSpi(42);
        gic.lowerSpi(42);
        assertEquals(List.of(42, 43), seen);
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
        enableAll();
        spi(60, 0x40, 1);
        wr(gicd, 0xC00 + 12, 4, 0); // level-sensitive
        List<Integer> taken = eagerCpu();
        assertNull(gic.pulseSpi(60));
        assertEquals(List.of(60), taken);
        assertFalse(gic.isPending(60, 0));
    }

    @Test
    void aPulseOnAnEdgeSpiLatchesAndOneOnADisabledLevelSpiIsGone() {
        enableAll();
        spi(61, 0x40, 1);
        assertNull(gic.pulseSpi(61));
        assertTrue(gic.isPending(61, 0), "an edge latches");
        assertEquals(DropReason.COALESCED, gic.pulseSpi(61));
        spi(62, 0x40, 1);
        wr(gicd, 0xC00 + 12, 4, 0); // 60..63 level-sensitive
        wr(gicd, 0x180 + 4, 4, 1L << (62 % 32)); // 62 disabled
        assertEquals(DropReason.INTERRUPT_DISABLED, gic.pulseSpi(62));
        assertFalse(gic.isPending(62, 0), "a level-sensitive pulse no CPU could take leaves nothing pending");
    }

    @Test
    void aLevelHeldHighIsResignalledABoundedNumberOfTimesPerRaise() {
        enableAll();
        spi(60, 0x40, 1);
        wr(gicd, 0xC00 + 12, 4, 0);
        List<Integer> taken = eagerCpu();
        assertNull(gic.raiseSpi(60)); // returns although each EOI re-pends it
        assertTrue(taken.size() >= 1 && taken.size() <= Gicv2.LEVEL_RESIGNALS + 1, "taken " + taken.size());
        assertTrue(gic.isPending(60, 0), "still pending while the line is high");
        gic.lowerSpi(60);
        assertFalse(gic.isPending(60, 0));
    }
}
