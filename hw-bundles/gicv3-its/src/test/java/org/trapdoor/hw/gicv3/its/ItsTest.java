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
    /** Where {@link #cmd} writes commands (the rig at physical address 0 moves it). */
    long cmdq = CMDQ;

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
        long a = cmdq + writeOffset;
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

    // ---------------------------------------------------------------- table limits (flat 4 KiB: 512 IDs)

    /** The DTE of {@code dev} as the flat device table holds it. */
    long dte(int dev) {
        return ram.load64(DT + dev * 8L);
    }

    @Test
    void mapdTakesTheLastDeviceIdOfTheTableAndRefusesTheFirstBeyondIt() {
        configure();
        mapd(511, 5, ITT, true);
        assertEquals(0, its.commandErrors());
        assertEquals(1L | (4L << 1) | ((ITT >>> 8) << 6), dte(511), "DTE: Valid, Size = bits - 1, ITT_addr");
        mapd(512, 5, ITT, true);
        assertEquals(1, its.commandErrors(), "DeviceID 512 is beyond a 512-entry table");
        assertEquals(0, ram.load64(DT + 512 * 8L), "nothing written past the table");
    }

    @Test
    void mapdTakesSixteenEventIdBitsAndRefusesSeventeen() {
        configure();
        mapd(1, 16, ITT, true);
        assertEquals(0, its.commandErrors());
        mapd(2, 17, ITT, true);
        assertEquals(1, its.commandErrors(), "Size beyond GITS_TYPER.ID_bits");
        assertEquals(0, dte(2));
    }

    @Test
    void mapcTakesTheLastCollectionAndTheLastRedistributorAndRefusesTheNext() {
        configure();
        mapc(511, 1);
        assertEquals(0, its.commandErrors());
        assertEquals(1L | (1L << 1), ram.load64(CT + 511 * 8L));
        mapc(512, 0);
        assertEquals(1, its.commandErrors(), "ICID 512 is beyond the collection table");
        mapc(5, 2);
        assertEquals(2, its.commandErrors(), "RDbase 2: the GIC has two redistributors");
        assertEquals(0, ram.load64(CT + 5 * 8L));
    }

    @Test
    void maptiChecksTheCollectionLimitAndTheLpiRange() {
        configure();
        mapd(0x10, 5, ITT, true);
        mapti(0x10, 0, 8192, 511);
        mapti(0x10, 1, 65535, 0);
        assertEquals(0, its.commandErrors(), "ICID 511, the first and last LPI are accepted");
        mapti(0x10, 3, 8191, 0);
        mapti(0x10, 4, 65536, 0);
        mapti(0x10, 5, 8192, 512);
        mapti(0x10, 32, 8192, 0);
        assertEquals(4, its.commandErrors(), "an SPI INTID, an LPI beyond 16 ID bits, ICID 512, EventID 32 of 32");
        for (int e = 3; e < 6; e++) {
            assertEquals(0, ram.load64(ITT + e * 8L), "no ITE for event " + e);
        }
    }

    @Test
    void commandsOnTheLastDeviceIdWorkAndOnTheFirstBeyondTheTableAreErrors() {
        configure();
        mapd(511, 5, ITT, true);
        mapc(1, 1);
        mapti(511, 3, 8200, 1);
        devEvent(Its.INT, 511, 3);
        sent++;
        assertTrue(gic.isPending(8200, 1), "INT on DeviceID 511");
        assertEquals(0, its.commandErrors());
        // A valid-looking DTE just past the table: the limit, not the memory, must refuse 512.
        ram.store64(DT + 512 * 8L, dte(511));
        devEvent(Its.CLEAR, 512, 3);
        assertEquals(1, its.commandErrors(), "CLEAR on DeviceID 512 finds no DTE");
        msi(512, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.DEVICE_ID_OUT_OF_RANGE));
    }

    @Test
    void invallAndMoviReachTheLastCollectionAndRefuseTheFirstBeyondIt() {
        standardMapping();
        mapc(511, 0);
        cmd(Its.INVALL, 0, 511, 0);
        assertEquals(0, its.commandErrors());
        ram.store64(CT + 512 * 8L, 1L); // a valid-looking CTE just past the table
        cmd(Its.INVALL, 0, 512, 0);
        assertEquals(1, its.commandErrors(), "INVALL of ICID 512");
        cmd(Its.MOVI | (0x10L << 32), 3, 512, 0);
        assertEquals(2, its.commandErrors(), "MOVI to ICID 512");
        cmd(Its.MOVI | (0x10L << 32), 3, 511, 0);
        assertEquals(2, its.commandErrors());
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8200, 0), "moved to collection 511 on CPU 0");
    }

    @Test
    void movallRefusesARedistributorTheGicDoesNotHave() {
        standardMapping();
        cmd(Its.MOVALL, 0, 1L << 16, 0);
        assertEquals(0, its.commandErrors());
        cmd(Its.MOVALL, 0, 2L << 16, 0);
        cmd(Its.MOVALL, 0, 0, 2L << 16);
        assertEquals(2, its.commandErrors());
    }

    // ---------------------------------------------------------------- translation cache

    @Test
    void theFirstMsiOfAnEventIsACacheMissAndTheNextAHit() {
        standardMapping();
        msi(0x10, 3, 4);
        assertEquals(1, its.cacheMisses());
        assertEquals(0, its.cacheHits());
        take(8200, 1);
        msi(0x10, 3, 4);
        assertEquals(1, its.cacheMisses());
        assertEquals(1, its.cacheHits());
    }

    @Test
    void reEnablingTheItsStartsWithAnEmptyCache() {
        standardMapping();
        msi(0x10, 3, 4);
        take(8200, 1);
        wr(0x000, 4, 0);
        wr(0x000, 4, 1);
        msi(0x10, 3, 4);
        assertEquals(2, its.cacheMisses(), "the translation is looked up in the tables again");
    }

    @Test
    void aBaserWriteWhileDisabledDropsCachedTranslations() {
        standardMapping();
        msi(0x10, 3, 4);
        take(8200, 1);
        wr(0x000, 4, 0);
        // A second device table where DeviceID 0x10's event 3 is LPI 8300, then the ITS back on.
        long dt2 = L2;
        long itt2 = L2 + 0x1000;
        ram.store64(dt2 + 0x10 * 8L, 1L | (4L << 1) | ((itt2 >>> 8) << 6));
        ram.store64(itt2 + 3 * 8L, 1L | (8300L << 1) | (1L << 33));
        wr(0x100, 8, (1L << 63) | dt2);
        wr(0x000, 4, 1);
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8300, 1), "the new table's LPI");
        assertFalse(gic.isPending(8200, 1));
    }

    @Test
    void restoringStateIntoALiveItsDropsItsCachedTranslations() {
        standardMapping();
        msi(0x10, 3, 4);
        take(8200, 1);
        ItsState saved = (ItsState) its.saveState();
        long dt2 = L2;
        long itt2 = L2 + 0x1000;
        ram.store64(dt2 + 0x10 * 8L, 1L | (4L << 1) | ((itt2 >>> 8) << 6));
        ram.store64(itt2 + 3 * 8L, 1L | (8300L << 1) | (1L << 33));
        long[] b = saved.baser().clone();
        b[0] = (1L << 63) | dt2;
        // A swap copies the old model's state again after the drain: into a model that served meanwhile.
        its.restoreState(new ItsState(saved.ctlr(), saved.cbaser(), saved.cwriter(), saved.creadr(), b));
        msi(0x10, 3, 4);
        assertTrue(gic.isPending(8300, 1), "the restored tables, not a cached translation");
    }

    @Test
    void restoredStateKeepsTheCommandQueuePointersAndTheEnable() {
        standardMapping();
        Object state = its.saveState();
        Its next = new Its("its", ITS_BASE, ram, ref);
        next.restoreState(state);
        its = next;
        mmio = next.region(0);
        assertEquals(3 * 32, rd(0x088, 8), "CWRITER");
        assertEquals(3 * 32, rd(0x090, 8), "CREADR");
        assertEquals((1L << 63) | CMDQ, rd(0x080, 8), "CBASER");
        assertEquals(1, rd(0x000, 4) & 1, "Enabled");
        assertEquals((1L << 63) | CT | (0x0407L << 48), rd(0x108, 8), "BASER1");
    }

    // ---------------------------------------------------------------- tables at physical address 0

    /** A fresh GIC (two CPUs) and ITS on 1 MiB of RAM at physical address 0; commands at 0x40000. */
    void rigAtAddressZero() {
        ram = new ArrayRam(0, 0x100000);
        gic = new Gicv3("gic", 256, new long[] {0, 1}, ram);
        bound = gic;
        for (int i = 0; i < 0x2000; i++) {
            ram.store(0x10000 + i, 1, 0xa1);
        }
        gic.distributor().write(0x0, 4, 0x2);
        for (int cpu = 0; cpu < 2; cpu++) {
            gic.redistributor(cpu).write(0x70, 8, 0x10000 | 15);
            gic.redistributor(cpu).write(0x78, 8, 0x20000 + cpu * 0x10000L);
            gic.redistributor(cpu).write(0x0, 4, 1);
        }
        its = new Its("its", ITS_BASE, ram, ref);
        mmio = its.region(0);
        cmdq = 0x40000;
        writeOffset = 0;
    }

    @Test
    void aDeviceTableAtPhysicalAddressZeroHoldsDeviceIdZero() {
        rigAtAddressZero();
        wr(0x100, 8, 1L << 63); // flat Device Table at PA 0: DeviceID 0's DTE is at 0
        wr(0x108, 8, (1L << 63) | 0x60000);
        wr(0x080, 8, (1L << 63) | cmdq);
        wr(0x000, 4, 1);
        mapd(0, 5, 0x70000, true);
        mapc(1, 1);
        mapti(0, 3, 8200, 1);
        devEvent(Its.INV, 0, 3);
        assertEquals(0, its.commandErrors());
        assertEquals(1L | (4L << 1) | ((0x70000L >>> 8) << 6), ram.load64(0), "DTE of DeviceID 0 at PA 0");
        msi(0, 3, 4);
        assertTrue(gic.isPending(8200, 1), "DeviceID 0 is a DeviceID like any other");
        assertEquals(0, its.inspect().devices().get(0).deviceId());
    }

    @Test
    void aCollectionTableAtPhysicalAddressZeroHoldsCollectionZero() {
        rigAtAddressZero();
        wr(0x100, 8, (1L << 63) | 0x50000);
        wr(0x108, 8, 1L << 63); // flat Collection Table at PA 0: ICID 0's CTE is at 0
        wr(0x080, 8, (1L << 63) | cmdq);
        wr(0x000, 4, 1);
        mapc(0, 1);
        mapd(5, 5, 0x70000, true);
        mapti(5, 1, 8201, 0);
        cmd(Its.INVALL, 0, 0, 0);
        assertEquals(0, its.commandErrors());
        assertEquals(1L | (1L << 1), ram.load64(0), "CTE of ICID 0 at PA 0");
        msi(5, 1, 4);
        assertTrue(gic.isPending(8201, 1));
        assertEquals(java.util.List.of(new ItsInspection.CollectionEntry(0, 1)), its.inspect().collections());
    }

    // ---------------------------------------------------------------- entries with Valid clear

    @Test
    void entriesWithValidClearAreUnmappedWhateverTheirOtherBitsHold() {
        standardMapping();
        // Tables are not zeroed for the ITS: entries with V = 0 but stale fields left in them.
        ram.store64(DT + 2 * 8L, (4L << 1) | ((ITT >>> 8) << 6)); // DTE of DeviceID 2
        ram.store64(CT + 4 * 8L, 1L << 1); // CTE of ICID 4, processor 1
        ram.store64(ITT + 9 * 8L, (8209L << 1) | (1L << 33)); // ITE of (0x10, 9), collection 1
        mapti(2, 0, 8202, 1);
        assertEquals(1, its.commandErrors(), "MAPTI on a DeviceID whose DTE has V = 0");
        devEvent(Its.CLEAR, 0x10, 9);
        assertEquals(2, its.commandErrors(), "CLEAR of an event whose ITE has V = 0");
        mapti(0x10, 4, 8204, 4);
        assertEquals(2, its.commandErrors(), "MAPTI checks only the ICID's range");
        devEvent(Its.INV, 0x10, 4);
        assertEquals(3, its.commandErrors(), "INV through a CTE with V = 0");
        cmd(Its.INVALL, 0, 4, 0);
        assertEquals(4, its.commandErrors(), "INVALL of a collection whose CTE has V = 0");
        msi(2, 0, 4);
        msi(0x10, 9, 4);
        msi(0x10, 4, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_DEVICE_ID));
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_EVENT_ID));
        assertEquals(1, its.counters().dropped(DropReason.COLLECTION_UNMAPPED));
    }

    @Test
    void mapdAndMapcWithValidClearAndEveryOtherFieldZeroUnmap() {
        configure();
        mapc(0, 0);
        mapd(0, 5, ITT, true);
        mapti(0, 0, 8210, 0);
        mapd(1, 5, ITT + 0x100, true);
        mapti(1, 0, 8211, 0);
        cmd(Its.MAPD, 4, 0, 0); // DeviceID 0, V = 0, ITT_addr 0
        msi(0, 0, 4);
        assertEquals(1, its.counters().dropped(DropReason.UNMAPPED_DEVICE_ID), "not a DTE with its ITT at 0");
        cmd(Its.MAPC, 0, 0, 0); // ICID 0, V = 0, RDbase 0
        msi(1, 0, 4);
        assertEquals(1, its.counters().dropped(DropReason.COLLECTION_UNMAPPED), "not a collection on CPU 0");
        assertEquals(0, its.commandErrors());
    }

    // ---------------------------------------------------------------- command queue edges

    @Test
    void anInvalidCommandQueueRunsNothingAndDoesNotStall() {
        wr(0x100, 8, (1L << 63) | DT);
        wr(0x108, 8, (1L << 63) | CT);
        wr(0x000, 4, 1); // CBASER never written: all zero, Valid clear
        wr(0x088, 8, 32);
        assertEquals(0, rd(0x090, 8), "CREADR: not read, not stalled");
        assertEquals(0, its.stalls());
        assertEquals(0, its.commandsProcessed());
    }

    @Test
    void aRestoredReadPointerBeyondTheRestoredQueueRestartsAtItsStart() {
        ram.store64(CMDQ, Its.MAPC);
        ram.store64(CMDQ + 16, (1L << 63) | (1L << 16) | 2);
        ram.store64(CMDQ + 0x1000, Its.MAPC); // just past the one-page queue
        ram.store64(CMDQ + 0x1000 + 16, (1L << 63) | (1L << 16) | 3);
        long[] b = new long[8];
        b[0] = (1L << 63) | DT;
        b[1] = (1L << 63) | CT;
        its.restoreState(new ItsState(1, (1L << 63) | CMDQ, 0, 0x1000, b));
        wr(0x088, 8, 32);
        assertEquals(32, rd(0x090, 8));
        assertEquals(1L | (1L << 1), ram.load64(CT + 2 * 8L), "the command at the queue's start ran");
        assertEquals(0, ram.load64(CT + 3 * 8L), "nothing beyond the queue ran");
    }

    @Test
    void aStalledQueueWaitsForRetryEvenWhenTheCauseIsGone() {
        wr(0x100, 8, (1L << 63) | (OUTSIDE & ~0xfffL));
        wr(0x108, 8, (1L << 63) | CT);
        wr(0x080, 8, (1L << 63) | CMDQ);
        wr(0x000, 4, 1);
        mapd(1, 5, ITT, true); // the DTE store faults
        assertEquals(1, rd(0x090, 8), "stalled at the first command");
        wr(0x000, 4, 0);
        wr(0x100, 8, (1L << 63) | DT);
        wr(0x000, 4, 1);
        wr(0x088, 8, writeOffset);
        assertEquals(1, rd(0x090, 8), "a CWRITER write without Retry does not restart it");
        assertEquals(0, rd(0x000, 4) >>> 31, "not quiescent");
        wr(0x088, 8, writeOffset | 1);
        assertEquals(32, rd(0x090, 8));
        assertEquals(32, rd(0x088, 8), "Retry is not kept in CWRITER");
        assertEquals(1L << 31 | 1, rd(0x000, 4), "enabled and quiescent again");
    }

    @Test
    void theTranslationFrameStartsAt64KiBAndReadsAsZero() {
        assertEquals(0, rd(Its.TRANSLATION_FRAME, 4));
        wr(Its.TRANSLATION_FRAME, 4, -1L);
        assertEquals(0, rd(Its.TRANSLATION_FRAME, 4));
        assertEquals(0x3B, its.controlFrame().read(0xFFE8, 4), "GITS_PIDR2 is the control frame's last page");
    }

    // ---------------------------------------------------------------- table limits under a translation

    @Test
    void shrinkingTheCollectionTableTakesAnIcidBeyondItOutOfRange() {
        wr(0x100, 8, (1L << 63) | DT);
        wr(0x108, 8, (1L << 63) | CT | 1); // two pages: 1024 ICIDs
        wr(0x080, 8, (1L << 63) | CMDQ);
        wr(0x000, 4, 1);
        mapd(0x10, 5, ITT, true);
        mapc(512, 1);
        mapti(0x10, 4, 8204, 512);
        msi(0x10, 4, 4);
        take(8204, 1);
        wr(0x000, 4, 0);
        wr(0x108, 8, (1L << 63) | CT); // one page: 512 ICIDs, the CTE of 512 stays in memory past it
        wr(0x000, 4, 1);
        msi(0x10, 4, 4);
        assertEquals(1, its.counters().dropped(DropReason.COLLECTION_OUT_OF_RANGE));
        assertFalse(gic.isPending(8204, 1));
    }

    @Test
    void aCollectionOnARedistributorTheReboundGicLacksIsDroppedByTheIts() {
        standardMapping(); // collection 1 on CPU 1
        msi(0x10, 3, 4);
        take(8200, 1);
        mapc(2, 1);
        mapti(0x10, 5, 8205, 2);
        Gicv3 oneCpu = new Gicv3("gic", 256, new long[] {0}, ram);
        bound = oneCpu;
        msi(0x10, 3, 4); // cached before the swap
        msi(0x10, 5, 4); // walked after it
        assertEquals(2, its.counters().dropped(DropReason.REDISTRIBUTOR_OUT_OF_RANGE));
        assertEquals(0, oneCpu.counters().fired(), "the ITS sends nothing to a redistributor that is not there");
    }

    @Test
    void aCachedTranslationNeedsTheGicToo() {
        standardMapping();
        msi(0x10, 3, 4);
        take(8200, 1);
        bound = null;
        msi(0x10, 3, 4);
        assertEquals(1, its.cacheHits());
        assertEquals(1, its.counters().dropped(DropReason.NO_INTERRUPT_CONTROLLER));
    }

    @Test
    void commandsThatActOnTheGicAreErrorsWhileItIsUnbound() {
        standardMapping();
        bound = null;
        devEvent(Its.INV, 0x10, 3);
        cmd(Its.INVALL, 0, 1, 0);
        cmd(Its.MOVALL, 0, 1L << 16, 0);
        assertEquals(3, its.commandErrors());
    }

    @Test
    void anInvalidLevelOneEntryUnmapsTheCollectionsBehindIt() {
        wr(0x100, 8, (1L << 63) | DT);
        wr(0x108, 8, (1L << 63) | (1L << 62) | CT); // indirect; level-1 entry 0 not valid
        wr(0x080, 8, (1L << 63) | CMDQ);
        wr(0x000, 4, 1);
        mapc(1, 1);
        assertEquals(1, its.commandErrors(), "MAPC: nowhere to put the CTE");
        mapd(0x10, 5, ITT, true);
        mapti(0x10, 3, 8200, 1);
        msi(0x10, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.COLLECTION_UNMAPPED));
    }

    @Test
    void eachLevelOneEntryNamesItsOwnLevelTwoPage() {
        wr(0x100, 8, (1L << 63) | (1L << 62) | DT);
        wr(0x108, 8, (1L << 63) | CT);
        wr(0x080, 8, (1L << 63) | CMDQ);
        wr(0x000, 4, 1);
        ram.store64(DT, (1L << 63) | L2);
        ram.store64(DT + 8, (1L << 63) | (L2 + 0x1000)); // DeviceIDs 512..1023, an odd 4 KiB page
        mapc(1, 1);
        mapd(600, 5, ITT, true);
        mapti(600, 2, 8202, 1);
        assertEquals(0, its.commandErrors());
        assertEquals(1L, ram.load64(L2 + 0x1000 + (600 - 512) * 8L) & 1, "DTE of 600 in the second level-2 page");
        assertEquals(0, ram.load64(L2 + (600 - 512) * 8L), "not in the first");
        msi(600, 2, 4);
        assertTrue(gic.isPending(8202, 1));
    }

    // ---------------------------------------------------------------- pINTIDs

    @Test
    void maptiTakesTheFirstAndLastLpiAndRefusesTheSpuriousId() {
        configure();
        mapd(1, 5, ITT, true);
        mapc(0, 0);
        mapti(1, 0, 8192, 0);
        mapti(1, 1, 0xFFFF, 0);
        assertEquals(0, its.commandErrors());
        // 1023 means "no doorbell" only to GICv4's VMAPTI (QEMU's process_mapti took it once and
        // was fixed to refuse it, as here).
        mapti(1, 2, 1023, 0);
        mapti(1, 3, 0x10000, 0);
        mapti(1, 4, 8191, 0);
        assertEquals(3, its.commandErrors());
        assertEquals(0, ram.load64(ITT + 2 * 8L), "no ITE for INTID 1023");
        msi(1, 0, 4);
        assertTrue(gic.isPending(8192, 0));
    }

    @Test
    void anIteNamingANonLpiIsDroppedEveryTimeNeverCachedAsAnotherLpi() {
        standardMapping();
        // Written behind the ITS's back: 0x10000 + 8200 would be LPI 8200 if cut to 16 bits.
        ram.store64(ITT + 6 * 8L, 1L | ((0x10000L + 8200) << 1) | (1L << 33));
        ram.store64(ITT + 7 * 8L, 1L | (8191L << 1) | (1L << 33));
        for (int i = 0; i < 2; i++) {
            msi(0x10, 6, 4);
            msi(0x10, 7, 4);
        }
        assertEquals(4, its.counters().dropped(DropReason.LPI_OUT_OF_RANGE));
        assertFalse(gic.isPending(8200, 1));
        assertEquals(0, its.cacheHits());
    }

    // ---------------------------------------------------------------- translation cache

    @Test
    void aDevicesThirtyTwoVectorsStayCachedTogether() {
        standardMapping();
        for (int e = 0; e < 32; e++) {
            mapti(0x10, e, 8224 + e, 1);
        }
        for (int round = 0; round < 2; round++) {
            for (int e = 0; e < 32; e++) {
                msi(0x10, e, 4);
                take(8224 + e, 1);
            }
        }
        assertEquals(32, its.cacheMisses(), "one table walk per vector");
        assertEquals(32, its.cacheHits(), "the second round from the cache");
    }

    @Test
    void aReboundItsTranslatesDeviceIdZeroEventZeroFromTheTables() {
        configure();
        mapd(0, 5, ITT, true);
        mapc(1, 1);
        mapti(0, 0, 8200, 1);
        Its next = new Its("its", ITS_BASE, ram, ref);
        next.restoreState(its.saveState());
        its = next;
        mmio = next.region(0);
        msi(0, 0, 4);
        assertTrue(gic.isPending(8200, 1), "not an empty cache slot read as a translation");
        msi(0, 0, 4);
        assertEquals(1, its.cacheHits());
    }

    @Test
    void restoringADisabledStateLeavesTheItsDisabled() {
        standardMapping();
        ItsState s = (ItsState) its.saveState();
        its.restoreState(new ItsState(0, s.cbaser(), s.cwriter(), s.creadr(), s.baser()));
        assertEquals(1L << 31, rd(0x000, 4), "disabled, quiescent");
        msi(0x10, 3, 4);
        assertEquals(1, its.counters().dropped(DropReason.ITS_DISABLED));
    }

    // ---------------------------------------------------------------- BASER decoding

    @Test
    void aBaserDecodesToItsTableAndAZeroBaserToNone() {
        assertEquals(0, ItsTable.of(0, 8, 1L << 40).maxIds, "all zero: Valid clear");
        ItsTable flat = ItsTable.of((1L << 63) | (1L << 8) | 0x4000_4000L | 2, 8, 1L << 40);
        assertEquals(3 * 16384 / 8, flat.maxIds, "three 16 KiB pages of 8-byte entries");
        assertEquals(0x4000_4000L, flat.base);
        ItsTable twoLevel = ItsTable.of((1L << 63) | (1L << 62) | 0x4000_0000L | 1, 8, 1L << 40);
        assertEquals((2 * 4096 / 8) * (4096 / 8), twoLevel.maxIds,
                "level-1 entries of two pages, each naming a page of 512 entries");
        assertEquals(1L << 16, ItsTable.of((1L << 63) | (1L << 62) | 0x4000_0000L, 8, 1L << 16).maxIds,
                "capped at the ID width");
    }

    // ---------------------------------------------------------------- inspection

    @Test
    void inspectionDecodesEveryBaserField() {
        wr(0x100, 8, (1L << 63) | (1L << 62) | (1L << 8) | 0x4000_4000L | 2); // indirect, 16 KiB pages, 3 pages
        ItsInspection in = its.inspect();
        ItsInspection.Table dt = in.tables().get(0);
        assertEquals(0, dt.index());
        assertEquals(1, dt.type());
        assertTrue(dt.valid());
        assertTrue(dt.indirect());
        assertEquals(0x4000_4000L, dt.base());
        assertEquals(16384, dt.pageSize());
        assertEquals(3, dt.pages());
        assertEquals(8, dt.entrySize());
        assertEquals(1L << 16, dt.ids());
        ItsInspection.Table ct = in.tables().get(1);
        assertEquals(4, ct.type());
        assertFalse(ct.valid());
        assertFalse(ct.indirect());
        assertEquals(0, ct.base());
        assertEquals(0, ct.pageSize());
        assertEquals(1, ct.pages());
        assertEquals(0, ct.ids());
        ItsInspection.Table none = in.tables().get(7);
        assertEquals(7, none.index());
        assertEquals(0, none.baser());
        assertFalse(none.valid());
        assertFalse(in.queue().valid(), "CBASER all zero");
        assertEquals(8, in.tables().size());
    }

    @Test
    void inspectionWalksOnlyTheTablesAndIttsAsConfigured() {
        standardMapping();
        ram.store64(DT + 512 * 8L, 1L | (4L << 1) | ((ITT >>> 8) << 6)); // valid-looking, past the table
        ram.store64(ITT + 32 * 8L, 1L | (8299L << 1) | (1L << 33)); // past the 32-event ITT
        ram.store64(CT + 512 * 8L, 1L); // past the collection table
        ItsInspection in = its.inspect();
        assertEquals(1, in.devices().size());
        assertEquals(java.util.List.of(new ItsInspection.EventEntry(3, 8200, 1)), in.devices().get(0).events());
        assertEquals(java.util.List.of(new ItsInspection.CollectionEntry(1, 1)), in.collections());
    }

    @Test
    void inspectionOfADisabledItsShowsTheTablesItsBasersName() {
        standardMapping();
        wr(0x000, 4, 0);
        wr(0x100, 8, (1L << 63) | L2); // an empty Device Table
        ItsInspection in = its.inspect();
        assertFalse(in.enabled());
        assertEquals(L2, in.tables().get(0).base());
        assertTrue(in.devices().isEmpty(), "the table BASER0 names now, which the ITS will use once enabled");
    }

    @Test
    void inspectionReportsALevelOneTableOutsideRam() {
        wr(0x100, 8, (1L << 63) | (1L << 62) | (OUTSIDE & ~0xfffL));
        ItsInspection in = its.inspect();
        assertEquals(1, in.problems().size(), "reported once, not per DeviceID");
        assertTrue(in.problems().get(0).startsWith("Device Table"), in.problems().get(0));
    }

    @Test
    void inspectionStopsAtItsBudgetOfEntryLoadsAndSaysSo() {
        // Sixteen devices with 2^16 events each share one ITT: 16 x (1 + 65536) loads, 16 more
        // than the budget, so the walk ends 16 events before the last device's end.
        configure();
        for (int d = 0; d < 16; d++) {
            ram.store64(DT + d * 8L, 1L | (15L << 1) | ((ITT >>> 8) << 6));
        }
        int lastRead = 65536 - 16 - 1;
        ram.store64(ITT + lastRead * 8L, 1L | (8200L << 1));
        ram.store64(ITT + (lastRead + 1) * 8L, 1L | (8201L << 1));
        ItsInspection in = its.inspect();
        assertTrue(in.truncated());
        assertEquals(16, in.devices().size());
        assertEquals(2, in.devices().get(14).events().size(), "device 14 walked to its end");
        assertEquals(java.util.List.of(new ItsInspection.EventEntry(lastRead, 8200, 0)),
                in.devices().get(15).events(), "device 15 walked up to the budget");
        assertTrue(in.collections().isEmpty(), "no budget left for the collections");
        assertEquals(Its.INSPECT_BUDGET, 16 * (1 + 65536) - 16);
    }

    @Test
    void summaryNamesTheStateTheQueueAndTheCache() {
        standardMapping();
        msi(0x10, 3, 4);
        String s = its.summary();
        assertTrue(s.startsWith("ITS enabled, CREADR 0x60 CWRITER 0x60, 3 commands (0 bad, 0 unknown), "
                + "translation cache 0 hits 1 misses; "), s);
        wr(0x000, 4, 0);
        assertTrue(its.summary().startsWith("ITS disabled, CREADR 0x60 CWRITER"), its.summary());
    }
}
