package org.trapdoor.hw.gicv3.its;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.ItsInspection;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.hw.gicv3.Gicv3;
import org.trapdoor.testkit.ArrayRam;

class ItsTest {
    static final long RAM = 0x4000_0000L;
    static final long PROP = RAM + 0x10000;
    static final long PEND0 = RAM + 0x20000;
    static final long PEND1 = RAM + 0x30000;
    static final long CMDQ = RAM + 0x40000;
    static final long DT = RAM + 0x50000;
    static final long CT = RAM + 0x60000;
    static final long ITT = RAM + 0x70000;
    static final long L2 = RAM + 0x80000;
    static final long OUTSIDE = 0x7000_0000L;
    static final long ITS_BASE = 0x0808_0000L;

    ArrayRam ram;
    Gicv3 gic;
    volatile InterruptController bound;
    ModelRef<InterruptController> ref;
    Its its;
    MmioHandler mmio;
    long writeOffset;
    long sent;

    @BeforeEach
    void setUp() {
        ram = new ArrayRam(RAM, 0x100000);
        gic = new Gicv3("gic", 256, new long[] {0, 1}, ram);
        bound = gic;
        ref = new ModelRef<>() {
            @Override
            public InterruptController get() {
                return bound;
            }

            @Override
            public DtNode node() {
                return null;
            }
        };
        its = new Its("its", ITS_BASE, ram, ref);
        mmio = its.region(0);
        // Both redistributors: LPIs 8192.. enabled at priority 0xa0, Group 1 on.
        for (int i = 0; i < 0x2000; i++) {
            ram.store(PROP + i, 1, 0xa1);
        }
        gic.distributor().write(0x0, 4, 0x2);
        gic.redistributor(0).write(0x70, 8, PROP | 15);
        gic.redistributor(0).write(0x78, 8, PEND0);
        gic.redistributor(0).write(0x0, 4, 1);
        gic.redistributor(1).write(0x70, 8, PROP | 15);
        gic.redistributor(1).write(0x78, 8, PEND1);
        gic.redistributor(1).write(0x0, 4, 1);
    }

    @AfterEach
    void everyMessageIsCounted() {
        InterruptCounters c = its.counters();
        assertEquals(c.fired(), c.delivered() + c.dropped());
        assertEquals(sent, c.fired(), "each translater write and INT counted once");
    }

    long rd(long off, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(ITS_BASE + off, size);
        tx.offset = off;
        mmio.access(tx);
        assertEquals(MemResult.OK, tx.result);
        return tx.data;
    }

    void wr(long off, int size, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(ITS_BASE + off, size, v);
        tx.offset = off;
        mmio.access(tx);
        assertEquals(MemResult.OK, tx.result);
    }

    /** Flat 4 KiB device and collection tables, a 4 KiB command queue, ITS enabled. */
    void configure() {
        wr(0x100, 8, (1L << 63) | DT);
        wr(0x108, 8, (1L << 63) | CT);
        wr(0x080, 8, (1L << 63) | CMDQ);
        wr(0x088, 8, 0);
        wr(0x000, 4, 1);
        writeOffset = 0;
    }

    void cmd(long dw0, long dw1, long dw2, long dw3) {
        long a = CMDQ + writeOffset;
        ram.store64(a, dw0);
        ram.store64(a + 8, dw1);
        ram.store64(a + 16, dw2);
        ram.store64(a + 24, dw3);
        writeOffset = (writeOffset + 32) % 4096;
        wr(0x088, 8, writeOffset);
    }

    void mapd(int dev, int bits, long itt, boolean valid) {
        cmd(Its.MAPD | ((long) dev << 32), bits - 1, (valid ? 1L << 63 : 0) | itt, 0);
    }

    void mapc(int icid, int rd) {
        cmd(Its.MAPC, 0, (1L << 63) | ((long) rd << 16) | icid, 0);
    }

    void mapti(int dev, int event, int lpi, int icid) {
        cmd(Its.MAPTI | ((long) dev << 32), (event & 0xffff_ffffL) | ((long) lpi << 32), icid, 0);
    }

    void devEvent(int op, int dev, int event) {
        cmd(op | ((long) dev << 32), event & 0xffff_ffffL, 0, 0);
    }

    /** A device's MSI: DeviceID from the bus, EventID as data. */
    MemoryTransaction msi(int dev, int event, int size) {
        MemoryTransaction tx = new MemoryTransaction().write(ITS_BASE + Its.TRANSLATER, size, event);
        tx.deviceId = dev;
        tx.offset = Its.TRANSLATER;
        mmio.access(tx);
        sent++;
        return tx;
    }

    /** Device 0x10 with 32 events (ITT at ITT), collection 1 on CPU 1, event 3 -> LPI 8200. */
    void standardMapping() {
        configure();
        mapd(0x10, 5, ITT, true);
        mapc(1, 1);
        mapti(0x10, 3, 8200, 1);
    }

    @Test
    void registersResetToTheModelsShape() {
        long typer = rd(0x008, 8);
        assertEquals(1, typer & 1, "Physical");
        assertEquals(7, (typer >> 4) & 0xf, "ITT entry size - 1");
        assertEquals(15, (typer >> 8) & 0x1f, "EventID bits - 1");
        assertEquals(15, (typer >> 13) & 0x1f, "DeviceID bits - 1");
        assertEquals(0, (typer >> 19) & 1, "PTA = 0: processor numbers");
        assertEquals(Its.IIDR, rd(0x004, 4));
        assertEquals(1L << 31, rd(0x000, 4), "disabled and quiescent");
        assertEquals(0x0107_0000_0000_0000L, rd(0x100, 8));
        assertEquals(0x0407_0000_0000_0000L, rd(0x108, 8));
        assertEquals(0, rd(0x110, 8), "BASER2 unimplemented");
        assertEquals(0x3B, rd(0xFFE8, 4));
    }

    @Test
    void baserTypeAndEntrySizeAreReadOnly() {
        wr(0x100, 8, -1L);
        long v = rd(0x100, 8);
        assertEquals(1, (v >>> 56) & 7);
        assertEquals(7, (v >>> 48) & 0x1f);
        assertTrue(v < 0, "Valid took the write");
        wr(0x110, 8, -1L);
        assertEquals(0, rd(0x110, 8));
    }

    @Test
    void tableRegistersAreReadOnlyWhileEnabled() {
        configure();
        long b0 = rd(0x100, 8);
        long cb = rd(0x080, 8);
        wr(0x100, 8, (1L << 63) | CT);
        wr(0x080, 8, (1L << 63) | DT);
        assertEquals(b0, rd(0x100, 8));
        assertEquals(cb, rd(0x080, 8));
    }

    @Test
    void translaterWriteRaisesTheMappedLpiAtTheCollectionsRedistributor() {
        standardMapping();
        assertEquals(3 * 32, rd(0x090, 8), "CREADR after three commands");
        assertEquals(1L << 31 | 1, rd(0x000, 4), "enabled, quiescent");
        MemoryTransaction tx = msi(0x10, 3, 4);
        assertEquals(MemResult.OK, tx.result);
        assertTrue(gic.isPending(8200, 1));
        assertFalse(gic.isPending(8200, 0));
        assertEquals(8200, gic.acknowledge(1));
        assertEquals(1, its.counters().delivered());
        assertEquals(0, its.commandErrors());
    }

    // ---- translation cache: a hit needs no table read, every remapping command invalidates

    /** Takes LPI {@code lpi} on {@code cpu} so the next MSI makes it pending afresh. */
    void take(int lpi, int cpu) {
        assertEquals(lpi, gic.acknowledge(cpu));
        gic.endOfInterrupt(cpu, lpi);
    }

    @Test
    void aRepeatedMsiIsServedFromTheTranslationCache() {
        standardMapping();
        msi(0x10, 3, 4);
        take(8200, 1);
        long misses = its.cacheMisses();
        msi(0x10, 3, 4);
        take(8200, 1);
        assertEquals(misses, its.cacheMisses(), "no table walk the second time");
        assertEquals(1, its.cacheHits());
        assertEquals(2, its.counters().delivered());
    }

    @Test
    void discardThenMaptiToAnotherLpiIsSeenByTheNextMsi() {
        standardMapping();
        msi(0x10, 3, 4);
        take(8200, 1);
        devEvent(Its.DISCARD, 0x10, 3);
        msi(0x10, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_EVENT_ID), "DISCARD invalidates");
        mapti(0x10, 3, 8300, 1);
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8300, 1), "MAPTI invalidates");
        assertFalse(gic.isPending(8200, 1));
    }

    @Test
    void mapdInvalidAndMapcRetargetAreSeenByTheNextMsi() {
        standardMapping();
        msi(0x10, 3, 4);
        take(8200, 1);
        mapc(1, 0); // collection 1 now on CPU 0
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8200, 0), "MAPC invalidates");
        take(8200, 0);
        mapd(0x10, 5, ITT, false);
        msi(0x10, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_DEVICE_ID), "MAPD V=0 invalidates");
    }

    @Test
    void moviIsSeenByTheNextMsi() {
        standardMapping();
        mapc(2, 0);
        msi(0x10, 3, 4);
        take(8200, 1);
        cmd(Its.MOVI | (0x10L << 32), 3, 2, 0);
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8200, 0));
        assertFalse(gic.isPending(8200, 1));
    }

    @Test
    void disablingTheItsDropsEvenACachedTranslation() {
        standardMapping();
        msi(0x10, 3, 4);
        take(8200, 1);
        wr(0x000, 4, 0);
        msi(0x10, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.ITS_DISABLED));
    }

    @Test
    void deviceIdComesFromTheBusNotTheData() {
        standardMapping();
        msi(0x11, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_DEVICE_ID));
        assertFalse(gic.isPending(8200, 1));
    }

    @Test
    void halfwordTranslaterWritesWorkOtherSizesAreCountedDrops() {
        standardMapping();
        msi(0x10, 3, 2);
        assertTrue(gic.isPending(8200, 1));
        assertEquals(MemResult.OK, msi(0x10, 3, 1).result);
        msi(0x10, 3, 8);
        assertEquals(2, its.counters().dropped(DropReason.BAD_ACCESS_SIZE));
        assertEquals(1, its.counters().delivered());
    }

    @Test
    void translaterReadsAsZero() {
        assertEquals(0, rd(Its.TRANSLATER, 4));
    }

    @Test
    void everyDropReasonOfTheTranslationPathIsCounted() {
        msi(0x10, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.ITS_DISABLED));
        standardMapping();
        msi(-1, 3, 4);
        msi(600, 3, 4); // 4 KiB flat table of 8-byte DTEs: 512 DeviceIDs
        msi(5, 3, 4);
        msi(0x10, 32, 4);
        msi(0x10, 4, 4);
        mapti(0x10, 5, 8201, 2); // collection 2 never mapped
        msi(0x10, 5, 4);
        ram.store64(ITT + 6 * 8, 1L | (8202L << 1) | (600L << 33)); // ICID beyond the 512-entry table
        msi(0x10, 6, 4);
        ram.store64(CT + 3 * 8, 1L | (5L << 1)); // CPU 5 does not exist
        mapti(0x10, 7, 8203, 3);
        msi(0x10, 7, 4);
        mapd(0x20, 5, OUTSIDE, true); // ITT not in RAM
        msi(0x20, 0, 4);
        bound = null;
        msi(0x10, 3, 4);
        bound = gic;
        gic.redistributor(1).write(0x0, 4, 0);
        msi(0x10, 3, 4);
        InterruptCounters c = its.counters();
        assertEquals(1, c.dropped(DropReason.NO_DEVICE_ID));
        assertEquals(1, c.dropped(DropReason.DEVICE_ID_OUT_OF_RANGE));
        assertEquals(1, c.dropped(DropReason.UNMAPPED_DEVICE_ID));
        assertEquals(1, c.dropped(DropReason.EVENT_ID_OUT_OF_RANGE));
        assertEquals(1, c.dropped(DropReason.UNMAPPED_EVENT_ID));
        assertEquals(1, c.dropped(DropReason.COLLECTION_UNMAPPED));
        assertEquals(1, c.dropped(DropReason.COLLECTION_OUT_OF_RANGE));
        assertEquals(1, c.dropped(DropReason.REDISTRIBUTOR_OUT_OF_RANGE));
        assertEquals(1, c.dropped(DropReason.TABLE_MEMORY_ERROR));
        assertEquals(1, c.dropped(DropReason.NO_INTERRUPT_CONTROLLER));
        assertEquals(1, c.dropped(DropReason.LPI_DISABLED));
        assertEquals(0, c.delivered());
        assertEquals(12, c.dropped());
    }

    @Test
    void intCommandRaisesTheLpiAndIsCounted() {
        standardMapping();
        devEvent(Its.INT, 0x10, 3);
        sent++;
        assertTrue(gic.isPending(8200, 1));
        devEvent(Its.INT, 0x10, 9);
        sent++;
        assertEquals(1, its.counters().delivered());
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_EVENT_ID));
    }

    @Test
    void clearRemovesThePendingState() {
        standardMapping();
        msi(0x10, 3, 4);
        devEvent(Its.CLEAR, 0x10, 3);
        assertFalse(gic.isPending(8200, 1));
        assertEquals(0, its.commandErrors());
    }

    @Test
    void discardUnmapsTheEventAndClearsPending() {
        standardMapping();
        msi(0x10, 3, 4);
        devEvent(Its.DISCARD, 0x10, 3);
        assertFalse(gic.isPending(8200, 1));
        msi(0x10, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_EVENT_ID));
        devEvent(Its.DISCARD, 0x10, 3);
        assertEquals(1, its.commandErrors(), "discarding an unmapped event is a parameter error");
    }

    @Test
    void invMakesANewlyEnabledPendingLpiDeliverable() {
        standardMapping();
        ram.store(PROP + 8200 - 8192, 1, 0xa0);
        devEvent(Its.INV, 0x10, 3);
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8200, 1));
        assertEquals(InterruptController.SPURIOUS, gic.acknowledge(1), "disabled LPI stays pending");
        ram.store(PROP + 8200 - 8192, 1, 0xa1);
        devEvent(Its.INV, 0x10, 3);
        assertEquals(8200, gic.acknowledge(1));
    }

    @Test
    void invallReloadsTheCollectionsRedistributor() {
        standardMapping();
        ram.store(PROP + 8200 - 8192, 1, 0xa0);
        devEvent(Its.INV, 0x10, 3);
        msi(0x10, 3, 4);
        ram.store(PROP + 8200 - 8192, 1, 0xa1);
        cmd(Its.INVALL, 0, 1, 0);
        assertEquals(8200, gic.acknowledge(1));
        cmd(Its.INVALL, 0, 7, 0);
        assertEquals(1, its.commandErrors(), "INVALL of an unmapped collection");
    }

    @Test
    void moviRetargetsTheEventAndItsPendingState() {
        standardMapping();
        mapc(0, 0);
        msi(0x10, 3, 4);
        cmd(Its.MOVI | (0x10L << 32), 3, 0, 0);
        assertFalse(gic.isPending(8200, 1));
        assertTrue(gic.isPending(8200, 0));
        assertEquals(8200, gic.acknowledge(0));
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8200, 0), "later MSIs follow the new collection");
        assertFalse(gic.isPending(8200, 1));
    }

    @Test
    void movallMovesPendingLpisBetweenRedistributors() {
        standardMapping();
        msi(0x10, 3, 4);
        cmd(Its.MOVALL, 0, 1L << 16, 0L);
        assertTrue(gic.isPending(8200, 0));
        assertFalse(gic.isPending(8200, 1));
    }

    @Test
    void syncCompletesAtOnce() {
        standardMapping();
        long before = its.commandsProcessed();
        cmd(Its.SYNC, 0, 1L << 16, 0);
        assertEquals(before + 1, its.commandsProcessed());
        assertEquals(4 * 32, rd(0x090, 8));
    }

    @Test
    void mapiUsesTheEventIdAsTheLpi() {
        configure();
        mapd(7, 14, ITT, true);
        mapc(0, 0);
        cmd(Its.MAPI | (7L << 32), 8300, 0, 0);
        msi(7, 8300, 4);
        assertTrue(gic.isPending(8300, 0));
    }

    @Test
    void mapdWithValidClearUnmapsTheDevice() {
        standardMapping();
        mapd(0x10, 5, ITT, false);
        msi(0x10, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_DEVICE_ID));
    }

    @Test
    void commandsWithBadParametersAreSkippedAndProcessingContinues() {
        configure();
        mapd(600, 5, ITT, true); // DeviceID beyond the table
        mapd(1, 17, ITT, true); // more EventID bits than the ITS has
        mapti(1, 0, 8200, 0); // device not mapped
        mapd(1, 5, ITT, true);
        mapti(1, 40, 8200, 0); // EventID out of range
        mapti(1, 0, 8200, 600); // ICID out of range
        mapti(1, 0, 100, 0); // not an LPI
        cmd(Its.MAPC, 0, (1L << 63) | 600, 0); // ICID out of range
        cmd(Its.MAPC, 0, (1L << 63) | (9L << 16), 0); // no CPU 9
        mapc(0, 0);
        mapti(1, 0, 8200, 0);
        assertEquals(8, its.commandErrors());
        assertEquals(11 * 32, rd(0x090, 8));
        msi(1, 0, 4);
        assertTrue(gic.isPending(8200, 0));
    }

    @Test
    void garbageOpcodesAreIgnoredAndCounted() {
        configure();
        cmd(0xff, -1L, -1L, -1L);
        cmd(0x00, 0, 0, 0);
        cmd(0x27, 0x1234, 0, 0);
        mapd(2, 5, ITT, true);
        assertEquals(3, its.unknownCommands());
        assertEquals(4 * 32, rd(0x090, 8));
        assertEquals(0, its.commandErrors());
    }

    @Test
    void tableOutsideRamStallsTheQueueUntilRetry() {
        wr(0x100, 8, (1L << 63) | (OUTSIDE & ~0xfffL));
        wr(0x108, 8, (1L << 63) | CT);
        wr(0x080, 8, (1L << 63) | CMDQ);
        wr(0x000, 4, 1);
        mapc(0, 0);
        mapd(1, 5, ITT, true); // DTE store faults
        assertEquals(32 | 1, rd(0x090, 8), "CREADR at the faulting command, Stalled");
        assertEquals(1, its.stalls());
        assertEquals(1, rd(0x000, 4) >>> 31 ^ 1, "not quiescent");
        mapc(1, 1);
        assertEquals(32 | 1, rd(0x090, 8), "stalled: nothing more processed");
        // Software fixes the table: disable, move BASER0 into RAM, enable, retry.
        wr(0x000, 4, 0);
        wr(0x100, 8, (1L << 63) | DT);
        wr(0x000, 4, 1);
        wr(0x088, 8, writeOffset | 1);
        assertEquals(3 * 32, rd(0x090, 8));
        msi(1, 0, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_EVENT_ID), "device 1 now mapped");
    }

    @Test
    void commandQueueOutsideRamStalls() {
        wr(0x100, 8, (1L << 63) | DT);
        wr(0x080, 8, (1L << 63) | (OUTSIDE & ~0xfffL));
        wr(0x000, 4, 1);
        wr(0x088, 8, 32);
        assertEquals(1, rd(0x090, 8));
        assertEquals(1, its.stalls());
    }

    @Test
    void cwriterBeyondTheQueueProcessesNothing() {
        configure();
        ram.store64(CMDQ, Its.MAPC);
        ram.store64(CMDQ + 16, (1L << 63));
        wr(0x088, 8, 0x1000);
        assertEquals(0, rd(0x090, 8));
        assertEquals(1, its.cwriterOutOfRange());
        assertEquals(0, its.commandsProcessed());
        wr(0x088, 8, 32);
        assertEquals(32, rd(0x090, 8));
    }

    @Test
    void commandsWrittenBeforeEnableRunWhenEnabled() {
        wr(0x100, 8, (1L << 63) | DT);
        wr(0x108, 8, (1L << 63) | CT);
        wr(0x080, 8, (1L << 63) | CMDQ);
        ram.store64(CMDQ, Its.MAPC);
        ram.store64(CMDQ + 16, (1L << 63) | (1L << 16) | 4);
        wr(0x088, 8, 32);
        assertEquals(0, rd(0x090, 8), "disabled: not processed");
        wr(0x000, 4, 1);
        assertEquals(32, rd(0x090, 8));
        assertEquals(1L | (1L << 1), ram.load64(CT + 4 * 8), "CTE: valid, processor 1");
    }

    @Test
    void queueWrapsAroundModuloItsSize() {
        configure();
        for (int i = 0; i < 130; i++) {
            cmd(Its.SYNC, 0, 0, 0);
        }
        assertEquals(2 * 32, rd(0x090, 8));
        assertEquals(130, its.commandsProcessed());
    }

    @Test
    void cbaserWriteResetsTheReadPointer() {
        configure();
        cmd(Its.SYNC, 0, 0, 0);
        wr(0x000, 4, 0);
        wr(0x080, 8, (1L << 63) | CMDQ);
        assertEquals(0, rd(0x090, 8));
        assertEquals(0, rd(0x088, 8));
    }

    @Test
    void twoLevelDeviceTableWalksValidLevelOneEntries() {
        // Indirect, 4 KiB pages, one level-1 page: 512 L1 entries x 512 DTEs each.
        wr(0x100, 8, (1L << 63) | (1L << 62) | DT);
        wr(0x108, 8, (1L << 63) | CT);
        wr(0x080, 8, (1L << 63) | CMDQ);
        wr(0x000, 4, 1);
        ram.store64(DT, (1L << 63) | L2); // L1 entry 0 valid; entry 1 (DeviceIDs 512..1023) not
        mapc(0, 0);
        mapd(3, 5, ITT, true);
        mapd(600, 5, ITT, true);
        mapti(3, 1, 8210, 0);
        assertEquals(1, its.commandErrors(), "MAPD under an invalid level-1 entry");
        assertEquals(1L, ram.load64(L2 + 3 * 8) & 1, "DTE in the level-2 page");
        msi(3, 1, 4);
        assertTrue(gic.isPending(8210, 0));
        msi(600, 1, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_DEVICE_ID));
        msi(512 * 512, 1, 4);
        assertEquals(1, its.counters().dropped(DropReason.DEVICE_ID_OUT_OF_RANGE));
    }

    @Test
    void sixtyFourKilobytePagesUseHighAddressBits() {
        ItsTable t = ItsTable.of((1L << 63) | (2L << 8) | 0x0001_2345_0000L | (0x3L << 12), 8, 1 << 16);
        assertEquals(0x0003_0001_2345_0000L, t.base);
        assertEquals(65536 / 8, t.maxIds);
        assertEquals(0, ItsTable.of(DT, 8, 1 << 16).maxIds, "not valid: no IDs");
    }

    @Test
    void savedStateLetsAReboundItsResumeFromTheSameTables() {
        standardMapping();
        Object state = its.saveState();
        Its next = new Its("its", ITS_BASE, ram, ref);
        next.restoreState(state);
        its = next;
        mmio = next.region(0);
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8200, 1));
        assertEquals(3 * 32, rd(0x090, 8));
        assertEquals(rd(0x100, 8), (1L << 63) | DT | (0x0107L << 48));
        mapti(0x10, 4, 8204, 1);
        msi(0x10, 4, 4);
        assertTrue(gic.isPending(8204, 1), "the queue continues at the saved CREADR");
        assertEquals(2, next.counters().delivered());
        next.restoreState("not a state");
        assertEquals(1, rd(0x000, 4) & 1);
    }

    @Test
    void doorbellIsTheTranslaterAndDeviceIdsAreNeeded() {
        assertEquals(ITS_BASE + 0x10040, its.doorbellAddress(5));
        assertTrue(its.needsDeviceId());
        assertNotEquals("", its.description());
    }

    @Test
    void concurrentTranslaterWritesAreAllCountedAndTheTableKeepsBoth() throws InterruptedException {
        standardMapping();
        mapti(0x10, 4, 8201, 1); // same pending-table byte as LPI 8200
        Thread[] t = new Thread[2];
        for (int i = 0; i < t.length; i++) {
            final int event = 3 + i;
            t[i] = new Thread(() -> {
                MemoryTransaction tx = new MemoryTransaction();
                for (int n = 0; n < 5000; n++) {
                    tx.write(ITS_BASE + Its.TRANSLATER, 4, event);
                    tx.deviceId = 0x10;
                    tx.offset = Its.TRANSLATER;
                    mmio.access(tx);
                }
            });
            t[i].start();
        }
        for (Thread x : t) {
            x.join();
        }
        sent += 10_000;
        // Nobody acknowledges: the first write of each LPI makes it pending, the rest merge with it.
        assertEquals(10_000, its.counters().fired());
        assertEquals(2, its.counters().delivered());
        assertEquals(9_998, its.counters().dropped(DropReason.COALESCED));
        assertTrue(gic.isPending(8200, 1) && gic.isPending(8201, 1), "both pending");
        gic.saveState(); // writes the redistributor's pending bits back, as for a swap
        assertEquals(0x3, ram.load(PEND1 + 8200 / 8, 1), "both pending bits reached the table");
    }

    @Test
    void anMsiIsRecordedOnceInTheMachineLedgerAndUnmarked() {
        InterruptCounters ledger = new InterruptCounters();
        its = new Its("its", ITS_BASE, ram, ref, ledger);
        mmio = its.region(0);
        standardMapping();
        MemoryTransaction tx = new MemoryTransaction().write(ITS_BASE + Its.TRANSLATER, 4, 3).asMsi();
        tx.deviceId = 0x10;
        tx.offset = Its.TRANSLATER;
        mmio.access(tx);
        sent++;
        assertFalse(tx.msi, "accounted for here: later hops must not count it again");
        assertEquals(1, ledger.delivered());
        MemoryTransaction unmapped = new MemoryTransaction().write(ITS_BASE + Its.TRANSLATER, 4, 9).asMsi();
        unmapped.deviceId = 0x10;
        unmapped.offset = Its.TRANSLATER;
        mmio.access(unmapped);
        sent++;
        assertEquals(1, ledger.dropped(DropReason.UNMAPPED_EVENT_ID));
        msi(0x10, 3, 4); // a CPU's write to the translater is no MSI: the ITS counts it, the ledger does not
        assertEquals(2, ledger.fired());
        MemoryTransaction control = new MemoryTransaction().write(ITS_BASE + 0x10, 4, 0).asMsi();
        control.offset = 0x10;
        mmio.access(control);
        assertTrue(control.msi, "not the doorbell: left for the port to account for");
    }

    @Test
    void inspectionShowsQueueTablesAndValidEntriesWithoutChangingAnything() {
        standardMapping();
        mapti(0x10, 7, 8207, 1);
        long creadrBefore = rd(0x090, 8);
        ItsInspection in = its.inspect();
        assertTrue(in.enabled());
        assertTrue(in.quiescent());
        assertEquals(CMDQ, in.queue().base());
        assertEquals(4096, in.queue().size());
        assertEquals(4 * 32, in.queue().creadr());
        assertEquals(in.queue().creadr(), in.queue().cwriter());
        assertFalse(in.queue().stalled());
        assertEquals(0, in.queue().pending());
        assertEquals(4, in.queue().processed());
        ItsInspection.Table dt = in.tables().get(0);
        assertEquals("devices", dt.typeName());
        assertTrue(dt.valid());
        assertEquals(DT, dt.base());
        assertEquals(4096 / 8, dt.ids());
        assertEquals("collections", in.tables().get(1).typeName());
        assertEquals("unimplemented", in.tables().get(2).typeName());
        assertEquals(1, in.devices().size());
        ItsInspection.DeviceEntry d = in.devices().get(0);
        assertEquals(0x10, d.deviceId());
        assertEquals(5, d.eventIdBits());
        assertEquals(ITT, d.itt());
        assertEquals(java.util.List.of(new ItsInspection.EventEntry(3, 8200, 1), new ItsInspection.EventEntry(7, 8207, 1)),
                d.events());
        assertEquals(java.util.List.of(new ItsInspection.CollectionEntry(1, 1)), in.collections());
        assertTrue(in.problems().isEmpty());
        assertFalse(in.truncated());
        assertEquals(creadrBefore, rd(0x090, 8));
        assertEquals(0, its.counters().fired(), "inspection is not a message");
    }

    @Test
    void inspectionReportsATableOutsideRamInsteadOfThrowing() {
        wr(0x100, 8, (1L << 63) | OUTSIDE);
        ItsInspection in = its.inspect();
        assertTrue(in.devices().isEmpty());
        assertEquals(1, in.problems().size());
        assertTrue(in.problems().get(0).startsWith("Device Table"), in.problems().get(0));
        assertFalse(in.enabled());
    }
}
