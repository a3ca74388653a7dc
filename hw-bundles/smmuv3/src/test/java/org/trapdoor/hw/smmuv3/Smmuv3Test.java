package org.trapdoor.hw.smmuv3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trapdoor.testkit.Lpae4kTables.AF;
import static org.trapdoor.testkit.Lpae4kTables.S1_RO;
import static org.trapdoor.testkit.Lpae4kTables.S2_R;
import static org.trapdoor.testkit.Lpae4kTables.S2_W;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.iommu.IommuFault.Kind;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.testkit.ArrayRam;
import org.trapdoor.testkit.FakeBindContext;
import org.trapdoor.testkit.Lpae4kTables;

class Smmuv3Test {
    static final long RAM = 0x4000_0000L;
    static final long CMDQ = RAM + 0x1_0000;
    static final long EVTQ = RAM + 0x2_0000;
    static final long STRTAB = RAM + 0x10_0000;
    static final long CD = RAM + 0x20_0000;
    static final int CMDQ_LOG2 = 8;
    static final int EVTQ_LOG2 = 6;

    ArrayRam ram;
    Smmuv3 smmu;
    int cmdProd;
    int evtCons;
    final List<Integer> irqs = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ram = new ArrayRam(RAM, 32 << 20);
        smmu = new Smmuv3("/smmu@9050000", ram, ram.asAddressSpace());
        smmu.connect(irqs::add);
    }

    // ---- register access through the MMIO handler ----------------------------------------
    long rd(int off, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(off, size);
        tx.offset = off;
        smmu.region(0).access(tx);
        assertTrue(tx.ok(), "read " + Integer.toHexString(off));
        return tx.data;
    }

    void wr(int off, int size, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(off, size, v);
        tx.offset = off;
        smmu.region(0).access(tx);
        assertTrue(tx.ok(), "write " + Integer.toHexString(off));
    }

    /** What Linux/Xen do at probe: queues, a linear (or given) stream table, then enable. */
    void enable(long strtabCfg) {
        wr(0x90, 8, CMDQ | CMDQ_LOG2);
        wr(0x98, 4, 0);
        wr(0x9C, 4, 0);
        wr(0xA0, 8, EVTQ | EVTQ_LOG2);
        wr(0x100A8, 4, 0);
        wr(0x100AC, 4, 0);
        wr(0x80, 8, STRTAB);
        wr(0x88, 4, strtabCfg);
        wr(0x50, 4, 0x5);
        wr(0x20, 4, 0xC); // CMDQEN | EVTQEN
        wr(0x20, 4, 0xD); // + SMMUEN
    }

    void enableLinear() {
        enable(8); // 256 StreamIDs, linear
    }

    void cmd(long dw0, long dw1) {
        long slot = CMDQ + (cmdProd & ((1 << CMDQ_LOG2) - 1)) * 16L;
        ram.store64(slot, dw0);
        ram.store64(slot + 8, dw1);
        cmdProd = (cmdProd + 1) & ((2 << CMDQ_LOG2) - 1);
        wr(0x98, 4, cmdProd);
    }

    void cfgiSte(int sid) {
        cmd(0x03 | (long) sid << 32, 1);
        cmd(0x46, 0);
    }

    void ste(long strtab, int sid, long dw0, long dw1, long dw2, long dw3) {
        long a = strtab + sid * 64L;
        ram.store64(a, dw0);
        ram.store64(a + 8, dw1);
        ram.store64(a + 16, dw2);
        ram.store64(a + 24, dw3);
    }

    static long steS1(long cdPtr) {
        return 1 | 5L << 1 | cdPtr;
    }

    /** A CD for 48-bit input, 4K granule, IPS 48, R and A set, AA64. */
    void cd(long addr, long ttb0, int asid, boolean record) {
        long dw0 = 16 /* T0SZ */ | 0L << 6 /* TG0 4K */ | 1L << 31 /* V */ | 5L << 32 /* IPS 48 */ | 1L << 41
                | (record ? 1L << 45 : 0) | 1L << 46 | (long) asid << 48;
        ram.store64(addr, dw0);
        ram.store64(addr + 8, ttb0);
    }

    /** STE DW2 for stage 2: 48-bit IPA, 4K, SL0 = 2 (level 0), PS 48, AA64, S2R. */
    static long s2dw2(int vmid, boolean record) {
        long vtcr = 16 | 2L << 6 | 0L << 14 | 5L << 16;
        return vmid | vtcr << 32 | 1L << 51 | (record ? 1L << 58 : 0);
    }

    MemoryTransaction dma(int sid, long iova, boolean write) {
        MemoryTransaction tx = write ? new MemoryTransaction().write(iova, 4, 0x1234) : new MemoryTransaction().read(iova, 4);
        tx.streamId = sid;
        smmu.translate(tx);
        return tx;
    }

    long translated(int sid, long iova, boolean write) {
        MemoryTransaction tx = dma(sid, iova, write);
        assertEquals(MemResult.OK, tx.result, "translation of 0x" + Long.toHexString(iova));
        return tx.address;
    }

    void aborted(int sid, long iova, boolean write) {
        assertEquals(MemResult.ABORT, dma(sid, iova, write).result);
    }

    /** The next event record from the event queue, consumed like a driver does. */
    long[] event() {
        long prod = rd(0x100A8, 4);
        assertNotEquals(prod & 0xFFFFF, (long) evtCons, "no event in the queue");
        long a = EVTQ + (evtCons & ((1 << EVTQ_LOG2) - 1)) * 32L;
        long[] r = { ram.load64(a), ram.load64(a + 8), ram.load64(a + 16), ram.load64(a + 24) };
        evtCons = (evtCons + 1) & ((2 << EVTQ_LOG2) - 1);
        wr(0x100AC, 4, evtCons);
        return r;
    }

    void noEvent() {
        assertEquals((long) evtCons, rd(0x100A8, 4) & 0xFFFFF, "unexpected event");
    }

    static int id(long[] e) {
        return (int) (e[0] & 0xFF);
    }

    static int sid(long[] e) {
        return (int) (e[0] >>> 32);
    }

    static boolean rnw(long[] e) {
        return (e[1] & (1L << 35)) != 0;
    }

    static boolean s2(long[] e) {
        return (e[1] & (1L << 39)) != 0;
    }

    static int cls(long[] e) {
        return (int) (e[1] >>> 40) & 3;
    }

    /** Stream 5: S1 only through a fresh 4K table; returns the tables. */
    Lpae4kTables s1Stream(int sid, int asid, boolean record) {
        Lpae4kTables pt = new Lpae4kTables(ram);
        long cd = CD + sid * 64L;
        cd(cd, pt.root, asid, record);
        ste(STRTAB, sid, steS1(cd), 0, 0, 0);
        return pt;
    }

    // ======================================================================================

    @Test
    void resetValuesMatchTheDocumentedIdRegisters() {
        long idr0 = rd(0x00, 4);
        assertEquals(1, idr0 & 1, "S2P");
        assertEquals(1, (idr0 >> 1) & 1, "S1P");
        assertEquals(2, (idr0 >> 2) & 3, "TTF AArch64");
        assertEquals(1, (idr0 >> 27) & 3, "ST_LVL 2-level");
        assertEquals(1, (idr0 >> 13) & 1, "MSI");
        long idr1 = rd(0x04, 4);
        assertEquals(16, idr1 & 0x3F, "SIDSIZE");
        assertEquals(0, (idr1 >> 6) & 0x1F, "SSIDSIZE");
        assertEquals(19, (idr1 >> 16) & 0x1F, "EVTQS");
        assertEquals(19, (idr1 >> 21) & 0x1F, "CMDQS");
        long idr5 = rd(0x14, 4);
        assertEquals(5, idr5 & 7, "OAS 48");
        assertEquals(0x70, idr5 & 0x70, "GRAN4K/16K/64K");
        assertEquals(0, rd(0x20, 4), "CR0");
        assertEquals(0, rd(0x24, 4), "CR0ACK");
        assertEquals(0x1000, rd(0x44, 4), "GBPA");
        assertEquals(0, rd(0x60, 4), "GERROR");
        wr(0x00, 4, 0);
        assertEquals(idr0, rd(0x00, 4), "IDR0 is read-only");
    }

    @Test
    void cr0AckAndIrqCtrlAckMirrorWrites() {
        wr(0x20, 4, 0x4);
        assertEquals(0x4, rd(0x24, 4));
        wr(0x50, 4, 0x7);
        assertEquals(0x5, rd(0x54, 4), "PRIQ IRQ is RES0 without PRI");
    }

    @Test
    void gbpaBypassesWhileDisabledAndAbortsOnlyAfterAnUpdate() {
        assertEquals(0x1234_5000L, translated(3, 0x1234_5000L, true));
        wr(0x44, 4, 1L << 20); // no UPDATE: ignored
        assertEquals(0x1000, rd(0x44, 4));
        assertEquals(0x1234_5000L, translated(3, 0x1234_5000L, false));
        wr(0x44, 4, 1L << 31 | 1L << 20);
        assertEquals(1L << 20, rd(0x44, 4), "UPDATE reads 0 once complete");
        aborted(3, 0x1234_5000L, false);
        assertEquals(1, smmu.faultCount());
        assertTrue(smmu.recentFaults().isEmpty(), "GBPA abort records no event");
    }

    @Test
    void bypassSteTranslatesToTheInputAndAbortSteIsSilent() {
        enableLinear();
        ste(STRTAB, 1, 1 | 4L << 1, 0, 0, 0);
        ste(STRTAB, 2, 1 | 0L << 1, 0, 0, 0);
        assertEquals(0x8000_0040L, translated(1, 0x8000_0040L, true));
        aborted(2, 0x1000, true);
        noEvent();
        assertEquals(0, smmu.recordedFaultCount());
    }

    @Test
    void invalidSteGivesCBadSte() {
        enableLinear();
        ste(STRTAB, 7, 0, 0, 0, 0);
        aborted(7, 0x1000, false);
        long[] e = event();
        assertEquals(0x04, id(e));
        assertEquals(7, sid(e));
        IommuFault f = smmu.recentFaults().get(0);
        assertEquals(Kind.BAD_STE, f.kind());
        assertEquals(7, f.streamId());
    }

    @Test
    void streamIdBeyondTheTableGivesCBadStreamId() {
        enableLinear();
        aborted(256, 0x1000, false);
        long[] e = event();
        assertEquals(0x02, id(e));
        assertEquals(256, sid(e));
    }

    @Test
    void steOutsideRamGivesFSteFetch() {
        enable(8);
        wr(0x20, 4, 0xC);
        wr(0x80, 8, 0x10_0000_0000L); // no RAM there
        wr(0x20, 4, 0xD);
        aborted(3, 0x1000, false);
        long[] e = event();
        assertEquals(0x03, id(e));
        assertEquals(0x10_0000_0000L + 3 * 64, e[3], "fetch address");
    }

    @Test
    void twoLevelStreamTableFindsTheSteThroughItsL1Descriptor() {
        enable(1L << 16 | 8L << 6 | 16); // 2-level, SPLIT 8, 2^16 StreamIDs
        long l2 = ram.alloc(256 * 64);
        int sid = 0x0305; // L1 index 3, L2 index 5
        ram.store64(STRTAB + 3 * 8, l2 | 9); // SPAN 9: 256 STEs
        ste(l2, 5, 1 | 4L << 1, 0, 0, 0);
        assertEquals(0x5000L, translated(sid, 0x5000, false));
        // SPAN 3: four STEs, so L2 index 5 is beyond it.
        ram.store64(STRTAB + 3 * 8, l2 | 3);
        cmd(0x04, 31); // CFGI_ALL
        aborted(sid, 0x5000, false);
        assertEquals(0x04, id(event()));
        // SPAN 0: the L1 descriptor is invalid.
        aborted(0x0405, 0x5000, false);
        assertEquals(0x02, id(event()));
    }

    @Test
    void stage1FourLevelWalkMapsPagesAndBlocks() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        pt.page(0x0000_1234_5678_9000L, RAM + 0x30_0000, 0);
        pt.block(0x0000_0000_4020_0000L, RAM + 0x40_0000, 2, 0);
        pt.block(0x0000_0080_0000_0000L, 0x1_0000_0000L, 1, 0);
        assertEquals(RAM + 0x30_0ABCL, translated(5, 0x0000_1234_5678_9ABCL, false));
        assertEquals(RAM + 0x40_0000 + 0x1_2344L, translated(5, 0x4020_0000L + 0x1_2344L, true));
        assertEquals(0x1_0000_0000L + 0x3456_7890L, translated(5, 0x80_0000_0000L + 0x3456_7890L, true));
        noEvent();
    }

    @Test
    void stage1With64KGranuleWalksFromLevel1() {
        enableLinear();
        // T0SZ 16 with 64K: 48-bit input starts at level 1 (bits 47:42), level 2, level 3.
        long l1 = ram.alloc(65536);
        long l2 = ram.alloc(65536);
        long l3 = ram.alloc(65536);
        long iova = 0x0000_0C00_4567_8123L;
        ram.store64(l1 + ((iova >>> 42) & 0x3F) * 8, l2 | 3);
        ram.store64(l2 + ((iova >>> 29) & 0x1FFF) * 8, l3 | 3);
        ram.store64(l3 + ((iova >>> 16) & 0x1FFF) * 8, (RAM + 0x50_0000) | AF | 3);
        long cd = CD;
        long dw0 = 16 | 1L << 6 | 1L << 31 | 5L << 32 | 1L << 41 | 1L << 45 | 1L << 46;
        ram.store64(cd, dw0);
        ram.store64(cd + 8, l1);
        ste(STRTAB, 9, steS1(cd), 0, 0, 0);
        assertEquals(RAM + 0x50_0000 + (iova & 0xFFFF), translated(9, iova, false));
    }

    @Test
    void writeToReadOnlyPageGivesFPermissionWithItsRecordFields() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        pt.page(0x10_0000, RAM + 0x30_0000, S1_RO);
        assertEquals(RAM + 0x30_0010, translated(5, 0x10_0010, false));
        aborted(5, 0x10_0010, true);
        long[] e = event();
        assertEquals(0x13, id(e));
        assertEquals(5, sid(e));
        assertFalse(rnw(e), "a write has RnW = 0");
        assertFalse(s2(e));
        assertEquals(2, cls(e), "CLASS IN");
        assertEquals(0x10_0010, e[2], "input address");
        IommuFault f = smmu.recentFaults().get(0);
        assertEquals(Kind.PERMISSION, f.kind());
        assertTrue(f.write());
        assertEquals(0x10_0010, f.address());
    }

    @Test
    void apTableMakesTheSubtreeReadOnly() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        pt.page(0x20_0000, RAM + 0x30_0000, 0);
        long l2slot = pt.slot(0x20_0000, 2);
        ram.store64(l2slot, ram.load64(l2slot) | 1L << 62);
        aborted(5, 0x20_0000, true);
        assertEquals(0x13, id(event()));
    }

    @Test
    void translationAccessAndAddressSizeFaultsAreRecordedWithR() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        aborted(5, 0x7000, false);
        long[] e = event();
        assertEquals(0x10, id(e));
        assertTrue(rnw(e));
        assertEquals(0x7000, e[2]);
        pt.raw(0x8000, 3, (RAM + 0x30_0000) | 3); // AF = 0
        aborted(5, 0x8000, false);
        assertEquals(0x12, id(event()));
        pt.page(0x9000, 0x1_0000_0000_0000L, 0); // OA bit 48: wider than 48 bits
        aborted(5, 0x9000, false);
        assertEquals(0x11, id(event()));
        assertEquals(3, smmu.faultCount());
    }

    @Test
    void faultsWithoutTheRecordBitAbortSilently() {
        enableLinear();
        s1Stream(5, 1, false);
        aborted(5, 0x7000, false);
        noEvent();
        assertEquals(1, smmu.faultCount());
    }

    @Test
    void pageTableOutsideRamGivesFWalkEabtEvenWithoutR() {
        enableLinear();
        cd(CD, 0x20_0000_0000L, 1, false);
        ste(STRTAB, 5, steS1(CD), 0, 0, 0);
        aborted(5, 0x1000, false);
        long[] e = event();
        assertEquals(0x0B, id(e));
        assertEquals(0x1000, e[2]);
    }

    @Test
    void pageTableLoopEndsInAnArchitectedFault() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        // Every level's entry 0 points back at the root table: the walk reaches level 3 and
        // finds a table descriptor there, which as a page has AF = 0.
        ram.store64(pt.root, pt.root | 3);
        aborted(5, 0x0, false);
        assertEquals(0x12, id(event()));
    }

    @Test
    void reservedDescriptorAtLevel0GivesFTranslation() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        ram.store64(pt.root, (RAM) | AF | 1); // block at level 0 is not allowed with 4K
        aborted(5, 0x0, false);
        assertEquals(0x10, id(event()));
    }

    @Test
    void badCdsGiveCBadCd() {
        enableLinear();
        Lpae4kTables pt = new Lpae4kTables(ram);
        long good = 16 | 1L << 31 | 5L << 32 | 1L << 41 | 1L << 45 | 1L << 46;
        long[] bad = { good & ~(1L << 31), good & ~(1L << 41), (good & ~0x3FL) | 10, good | 1L << 44,
            good & ~(1L << 46), good | 3L << 6, good | 1L << 43 };
        for (int i = 0; i < bad.length; i++) {
            long cd = CD + 0x1000 + i * 64L;
            ram.store64(cd, bad[i]);
            ram.store64(cd + 8, pt.root);
            ste(STRTAB, 20 + i, steS1(cd), 0, 0, 0);
            aborted(20 + i, 0x1000, false);
            long[] e = event();
            assertEquals(0x0A, id(e), "CD " + i);
            assertEquals(20 + i, sid(e));
        }
    }

    @Test
    void cdOutsideRamGivesFCdFetch() {
        enableLinear();
        ste(STRTAB, 5, steS1(0x30_0000_0000L), 0, 0, 0);
        aborted(5, 0x1000, false);
        long[] e = event();
        assertEquals(0x09, id(e));
        assertEquals(0x30_0000_0000L, e[3]);
    }

    @Test
    void illegalStesGiveCBadSte() {
        enableLinear();
        ste(STRTAB, 4, steS1(CD) | 1L << 59, 0, 0, 0); // S1CDMax without substreams
        ste(STRTAB, 6, 1 | 6L << 1, 0, s2dw2(1, true) & ~(1L << 51), 0); // S2AA64 = 0
        ste(STRTAB, 8, 1 | 6L << 1, 0, s2dw2(1, true) | 3L << (32 + 6), 0); // SL0 = 3 with 4K
        for (int sid : new int[] { 4, 6, 8 }) {
            aborted(sid, 0x1000, false);
            assertEquals(0x04, id(event()), "STE " + sid);
        }
    }

    @Test
    void stage2OnlyTranslatesAndRecordsS2FaultsWithTheIpa() {
        enableLinear();
        Lpae4kTables s2 = new Lpae4kTables(ram);
        s2.page(0x8000_0000L, RAM + 0x60_0000, S2_R | S2_W);
        s2.page(0x8000_1000L, RAM + 0x61_0000, S2_R);
        ste(STRTAB, 3, 1 | 6L << 1, 0, s2dw2(7, true), s2.root);
        assertEquals(RAM + 0x60_0123, translated(3, 0x8000_0123L, true));
        assertEquals(RAM + 0x61_0000, translated(3, 0x8000_1000L, false));
        aborted(3, 0x8000_1008L, true);
        long[] e = event();
        assertEquals(0x13, id(e));
        assertTrue(s2(e));
        assertEquals(0x8000_1008L, e[2]);
        assertEquals(0x8000_1000L, e[3], "IPA [51:12]");
        IommuFault f = smmu.recentFaults().get(0);
        assertTrue(f.stage2());
        assertEquals(0x8000_1000L, f.ipa());
    }

    @Test
    void nestedTranslationWalksStage1TablesThroughStage2() {
        enableLinear();
        // Stage 2 maps IPA 0 .. 1 GiB to RAM at RAM + 0 (a 1 GiB block); S1 tables are given as IPAs.
        Lpae4kTables s2 = new Lpae4kTables(ram);
        s2.block(0, RAM, 1, S2_R | S2_W);
        Lpae4kTables s1 = new Lpae4kTables(ram, -RAM);
        s1.page(0x5000, 0x70_0000, 0); // output IPA 0x700000 → PA RAM + 0x700000
        long cd = CD;
        cd(cd, s1.root - RAM, 3, true);
        ste(STRTAB, 11, 1 | 7L << 1 | (cd - RAM), 0, s2dw2(9, true), s2.root);
        assertEquals(RAM + 0x70_0044, translated(11, 0x5044, true));
        // Now make stage 2 refuse the S1 root table's page: the walk faults in stage 2, CLASS TT.
        Lpae4kTables s2b = new Lpae4kTables(ram);
        s2b.page(cd - RAM, cd, S2_R); // only the CD page is mapped
        ste(STRTAB, 12, 1 | 7L << 1 | (cd - RAM), 0, s2dw2(9, true), s2b.root);
        aborted(12, 0x5044, false);
        long[] e = event();
        assertEquals(0x10, id(e));
        assertTrue(s2(e));
        assertEquals(1, cls(e), "CLASS TT");
        assertEquals((s1.root - RAM) & ~0xFFFL, e[3], "IPA of the S1 table");
    }

    @Test
    void iotlbServesRepeatedTranslationsUntilTlbiNhVa() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        pt.page(0x1000, RAM + 0x30_0000, 0);
        pt.page(0x2000, RAM + 0x31_0000, 0);
        assertEquals(RAM + 0x30_0000, translated(5, 0x1000, false));
        long hits = smmu.iotlbHits();
        pt.page(0x1000, RAM + 0x32_0000, 0);
        assertEquals(RAM + 0x30_0000, translated(5, 0x1000, false), "stale until invalidated");
        assertEquals(hits + 1, smmu.iotlbHits());
        translated(5, 0x2000, false);
        cmd(0x12 | 2L << 48, 0x1000); // TLBI_NH_VA, other ASID
        assertEquals(RAM + 0x30_0000, translated(5, 0x1000, false));
        cmd(0x12 | 1L << 48, 0x1000); // TLBI_NH_VA ASID 1
        cmd(0x46, 0);
        assertEquals(RAM + 0x32_0000, translated(5, 0x1000, false));
        long misses = smmu.iotlbMisses();
        translated(5, 0x2000, false);
        assertEquals(misses, smmu.iotlbMisses(), "other page still cached");
    }

    @Test
    void tlbiNhVaDropsEveryPageOfABlock() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        pt.block(0x20_0000, RAM + 0x40_0000, 2, 0);
        translated(5, 0x20_3000, false);
        pt.block(0x20_0000, RAM + 0x60_0000, 2, 0);
        cmd(0x12 | 1L << 48, 0x20_0000);
        assertEquals(RAM + 0x60_3000, translated(5, 0x20_3000, false));
    }

    /** Changes the mapping of stream 5 / ASID 1 and checks that {@code dw0} invalidates it. */
    void checkStage1Invalidation(long dw0, long dw1) {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        pt.page(0x1000, RAM + 0x30_0000, 0);
        translated(5, 0x1000, false);
        pt.page(0x1000, RAM + 0x33_0000, 0);
        assertEquals(RAM + 0x30_0000, translated(5, 0x1000, false));
        cmd(dw0, dw1);
        assertEquals(RAM + 0x33_0000, translated(5, 0x1000, false));
    }

    @Test
    void tlbiNhAsidInvalidates() {
        checkStage1Invalidation(0x11 | 1L << 48, 0);
    }

    @Test
    void tlbiNhAllInvalidates() {
        checkStage1Invalidation(0x10, 0);
    }

    @Test
    void tlbiNsnhAllInvalidates() {
        checkStage1Invalidation(0x30, 0);
    }

    @Test
    void tlbiNhAsidForAnotherAsidKeepsTheEntry() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        pt.page(0x1000, RAM + 0x30_0000, 0);
        translated(5, 0x1000, false);
        pt.page(0x1000, RAM + 0x33_0000, 0);
        cmd(0x11 | 4L << 48, 0);
        assertEquals(RAM + 0x30_0000, translated(5, 0x1000, false));
    }

    @Test
    void tlbiEl2AllInvalidatesEl2Streams() {
        enableLinear();
        Lpae4kTables pt = new Lpae4kTables(ram);
        cd(CD, pt.root, 1, true);
        ste(STRTAB, 5, steS1(CD), 2L << 30, 0, 0); // STRW = EL2
        pt.page(0x1000, RAM + 0x30_0000, 0);
        translated(5, 0x1000, false);
        pt.page(0x1000, RAM + 0x34_0000, 0);
        cmd(0x30, 0); // NSNH_ALL does not touch EL2 entries
        assertEquals(RAM + 0x30_0000, translated(5, 0x1000, false));
        cmd(0x20, 0);
        assertEquals(RAM + 0x34_0000, translated(5, 0x1000, false));
    }

    @Test
    void tlbiS12VmallAndS2IpaInvalidateStage2Entries() {
        enableLinear();
        Lpae4kTables s2 = new Lpae4kTables(ram);
        s2.page(0x8000_0000L, RAM + 0x60_0000, S2_R | S2_W);
        ste(STRTAB, 3, 1 | 6L << 1, 0, s2dw2(7, true), s2.root);
        translated(3, 0x8000_0000L, false);
        s2.page(0x8000_0000L, RAM + 0x62_0000, S2_R | S2_W);
        cmd(0x2A | 8L << 32, 0x8000_0000L); // S2_IPA, other VMID
        assertEquals(RAM + 0x60_0000, translated(3, 0x8000_0000L, false));
        cmd(0x2A | 7L << 32, 0x8000_0000L);
        assertEquals(RAM + 0x62_0000, translated(3, 0x8000_0000L, false));
        s2.page(0x8000_0000L, RAM + 0x63_0000, S2_R | S2_W);
        cmd(0x28 | 7L << 32, 0); // S12_VMALL
        assertEquals(RAM + 0x63_0000, translated(3, 0x8000_0000L, false));
    }

    @Test
    void cfgiStePicksUpAChangedSte() {
        enableLinear();
        ste(STRTAB, 1, 1 | 4L << 1, 0, 0, 0);
        translated(1, 0x4000, true);
        ste(STRTAB, 1, 1 | 0L << 1, 0, 0, 0); // now abort
        assertEquals(0x4000, translated(1, 0x4000, true), "cached configuration until CFGI");
        cfgiSte(1);
        aborted(1, 0x4000, true);
        ste(STRTAB, 1, 1 | 4L << 1, 0, 0, 0);
        cmd(0x04, 31); // CFGI_ALL
        assertEquals(0x4000, translated(1, 0x4000, true));
    }

    @Test
    void illegalCommandStopsTheQueueUntilGerrornAcknowledges() {
        enableLinear();
        ste(STRTAB, 1, 1 | 4L << 1, 0, 0, 0);
        translated(1, 0x4000, true);
        ste(STRTAB, 1, 1, 0, 0, 0); // abort
        cmd(0xEE, 0); // garbage
        long cons = rd(0x9C, 4);
        assertEquals(1, (cons >>> 24) & 0x7F, "CMDQ_CONS.ERR = ILL");
        assertEquals(0, cons & 0xFFFFF, "CONS points at the bad command");
        assertEquals(1, rd(0x60, 4) & 1, "GERROR.CMDQ_ERR toggled");
        assertTrue(irqs.contains(3), "gerror interrupt");
        cfgiSte(1); // queued behind the error: not consumed
        assertEquals(0, rd(0x9C, 4) & 0xFFFFF);
        assertEquals(0x4000, translated(1, 0x4000, true));
        // Software replaces the bad command with a CMD_SYNC and acknowledges.
        ram.store64(CMDQ, 0x46);
        wr(0x64, 4, rd(0x60, 4));
        assertEquals(3, rd(0x9C, 4), "consumed up to PROD, ERR cleared");
        aborted(1, 0x4000, true);
    }

    @Test
    void commandFetchOutsideRamGivesCerrorAbt() {
        wr(0x90, 8, 0x50_0000_0000L | 4);
        wr(0x20, 4, 0x8);
        wr(0x98, 4, 1);
        assertEquals(2, (rd(0x9C, 4) >>> 24) & 0x7F);
        assertEquals(1, rd(0x60, 4) & 1);
    }

    @Test
    void cmdSyncSignalsByMsiWriteInterruptOrSev() {
        enableLinear();
        long msi = RAM + 0x9000;
        cmd(0x46 | 1L << 12 | 0xCAFEL << 32, msi);
        assertEquals(0xCAFE, ram.load32(msi));
        cmd(0x46 | 1L << 12, 0);
        assertTrue(irqs.contains(2), "cmdq-sync wired interrupt");
        assertEquals(2, smmu.interruptsRaised(2));
        cmd(0x46 | 2L << 12, 0);
        assertEquals(1, smmu.syncSevCount());
        cmd(0x01 | 5L << 32, 0); // PREFETCH_CFG: no-op
        assertEquals(0, rd(0x9C, 4) >>> 24);
    }

    @Test
    void eventQueueInterruptFollowsIrqCtrl() {
        enableLinear();
        ste(STRTAB, 7, 0, 0, 0, 0);
        aborted(7, 0, false);
        assertTrue(irqs.contains(0));
        wr(0x50, 4, 0x1);
        int before = irqs.size();
        cmd(0x04, 31);
        aborted(7, 0, false);
        assertEquals(before, irqs.size(), "EVTQ_IRQEN clear: no interrupt");
    }

    @Test
    void fullEventQueueSetsTheOverflowFlag() {
        enableLinear();
        wr(0x20, 4, 0x9); // EVTQ off to resize it
        wr(0xA0, 8, EVTQ | 1); // two entries
        wr(0x20, 4, 0xD);
        for (int i = 0; i < 3; i++) {
            aborted(256 + i, 0, false);
        }
        long prod = rd(0x100A8, 4);
        assertEquals(1L << 31, prod & (1L << 31), "OVFLG toggled");
        assertEquals(0b10, prod & 0xFFFFF, "queue full: wrap bit set, index 0");
        assertEquals(1, smmu.eventOverflows());
        assertEquals(3, smmu.recordedFaultCount());
        assertEquals(0x02, ram.load64(EVTQ) & 0xFF);
        assertEquals(257, ram.load64(EVTQ + 32) >>> 32);
    }

    @Test
    void stateSurvivesAHandOverToANewModel() {
        enableLinear();
        Lpae4kTables pt = s1Stream(5, 1, true);
        pt.page(0x1000, RAM + 0x30_0000, 0);
        translated(5, 0x1000, false);
        Object state = smmu.saveState();
        assertTrue(state instanceof Map<?, ?>);
        Smmuv3 next = new Smmuv3("/smmu", ram, ram.asAddressSpace());
        next.restoreState(state);
        MemoryTransaction tx = new MemoryTransaction().read(0x1000, 4);
        tx.streamId = 5;
        next.translate(tx);
        assertEquals(RAM + 0x30_0000, tx.address);
        assertTrue(next.mode().startsWith("enabled"));
        MemoryTransaction r = new MemoryTransaction().read(0x9C, 4);
        r.offset = 0x9C;
        next.region(0).access(r);
        assertEquals(rd(0x9C, 4), r.data, "CMDQ_CONS carried over");
    }

    @Test
    void driverBindsANodeWithBothPagesAndRejectsAShortOne() throws BindException {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        DtNode node = new DtNode("smmu@9050000", root);
        node.put(DtProperty.ofStrings("compatible", "arm,smmu-v3"));
        node.put(DtProperty.ofCells("reg", 0, 0x0905_0000L, 0, 0x20000));
        Smmuv3Driver driver = new Smmuv3Driver();
        assertEquals("smmuv3", driver.name());
        assertTrue(driver.compatibles().contains("arm,smmu-v3"));
        DeviceModel m = driver.create(context(node));
        assertTrue(m instanceof Smmuv3);
        assertTrue(m.region(0) != null);
        node.put(DtProperty.ofCells("reg", 0, 0x0905_0000L, 0, 0x10000));
        assertThrows(BindException.class, () -> driver.create(context(node)));
    }

    @Test
    void tlbiNhVaaInvalidatesEveryAsid() {
        checkStage1Invalidation(0x13, 0x1000);
    }

    @Test
    void eventQueueOutsideRamRaisesEvtqAbtErr() {
        enableLinear();
        wr(0x20, 4, 0x9);
        wr(0xA0, 8, 0x60_0000_0000L | 2);
        wr(0x20, 4, 0xD);
        aborted(300, 0, false);
        assertEquals(1L << 2, rd(0x60, 4) & (1L << 2), "GERROR.EVTQ_ABT_ERR");
        assertTrue(irqs.contains(3));
    }

    @Test
    void eventInterruptIsAnMsiWhenEventqIrqCfg0IsSet() {
        enableLinear();
        long doorbell = RAM + 0xA000;
        wr(0xB0, 8, doorbell);
        wr(0xB8, 4, 0x77);
        aborted(300, 0, false);
        assertEquals(0x77, ram.load32(doorbell));
        assertFalse(irqs.contains(0), "no wired interrupt when the MSI is configured");
        assertEquals(1, smmu.interruptsRaised(0));
    }

    @Test
    void eventQueueDisabledDropsRecordsButCountsThem() {
        enableLinear();
        wr(0x20, 4, 0x9); // EVTQEN off
        aborted(300, 0, false);
        noEvent();
        assertEquals(1, smmu.recordedFaultCount());
        assertEquals(Kind.BAD_STREAMID, smmu.recentFaults().get(0).kind());
    }

    @Test
    void summaryAndModeDescribeTheState() {
        assertTrue(smmu.mode().contains("disabled"));
        enable(1L << 16 | 8L << 6 | 16);
        assertTrue(smmu.mode().contains("2-level"), smmu.mode());
        assertTrue(smmu.summary().startsWith("SMMUv3 enabled"), smmu.summary());
        assertEquals(List.of("eventq", "priq", "cmdq-sync", "gerror"), smmu.interruptLines());
    }

    BindContext context(DtNode node) {
        return new FakeBindContext(node, ram.asAddressSpace(), ram).refuseRefs("the SMMU references no other model");
    }

    // ======================================================================================
    // Edges PIT found untested

    void noCommandError() {
        assertEquals(0, rd(0x60, 4) & 1, "GERROR.CMDQ_ERR");
        assertEquals(0, rd(0x9C, 4) >>> 24, "CMDQ_CONS.ERR");
    }

    @Test
    void baseAndIndexRegistersAreFixedWhileTheirUnitIsEnabled() {
        enableLinear();
        wr(0x80, 8, CD);
        wr(0x88, 4, 4);
        wr(0x90, 8, CD | 2);
        wr(0x9C, 4, 5);
        wr(0xA0, 8, CD | 3);
        wr(0x100A8, 4, 7);
        assertEquals(STRTAB, rd(0x80, 8), "STRTAB_BASE while SMMUEN");
        assertEquals(8, rd(0x88, 4), "STRTAB_BASE_CFG while SMMUEN");
        assertEquals(CMDQ | CMDQ_LOG2, rd(0x90, 8), "CMDQ_BASE while CMDQEN");
        assertEquals(0, rd(0x9C, 4), "CMDQ_CONS while CMDQEN");
        assertEquals(EVTQ | EVTQ_LOG2, rd(0xA0, 8), "EVENTQ_BASE while EVENTQEN");
        assertEquals(0, rd(0x100A8, 4), "EVENTQ_PROD while EVENTQEN");
        wr(0x20, 4, 0);
        wr(0x80, 8, CD);
        wr(0x90, 8, CD | 2);
        wr(0x9C, 4, 1);
        wr(0xA0, 8, CD | 3);
        assertEquals(CD, rd(0x80, 8));
        assertEquals(CD | 2, rd(0x90, 8));
        assertEquals(1, rd(0x9C, 4));
        assertEquals(CD | 3, rd(0xA0, 8));
    }

    @Test
    void commandsQueuedBeforeCmdqenRunWhenItIsSet() {
        wr(0x90, 8, CMDQ | CMDQ_LOG2);
        ram.store64(CMDQ, 0x46 | 1L << 12); // CMD_SYNC, CS = SIG_IRQ, wired
        ram.store64(CMDQ + 8, 0);
        wr(0x98, 4, 1);
        assertEquals(0, rd(0x9C, 4), "CMDQEN clear: nothing consumed");
        wr(0x20, 4, 0x8);
        assertEquals(1, rd(0x9C, 4));
        assertEquals(List.of(2), irqs, "the sync's interrupt");
        wr(0x20, 4, 0xC); // CMDQEN stays set: nothing new to run
        assertEquals(List.of(2), irqs);
    }

    @Test
    void everyLegalCommandIsConsumedWithoutError() {
        enableLinear();
        int[] ops = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x28, 0x2A, 0x30,
            0x46 };
        for (int op : ops) {
            cmd(op | 5L << 32 | 1L << 48, 0x1000);
            noCommandError();
        }
        assertEquals(ops.length, rd(0x9C, 4));
        assertTrue(smmu.summary().contains(ops.length + " commands"), smmu.summary());
    }

    @Test
    void cmdSyncWithTheReservedCsEncodingIsIllegal() {
        enableLinear();
        cmd(0x46 | 3L << 12, 0);
        assertEquals(1, (rd(0x9C, 4) >>> 24) & 0x7F, "CERROR_ILL");
        assertTrue(smmu.summary().contains("command queue stopped (CMDQ_ERR)"), smmu.summary());
    }

    @Test
    void theCommandQueueWrapsAndIgnoresProdBitsAboveItsSize() {
        wr(0x90, 8, CMDQ | 1); // two entries: index bit 0, wrap bit 1
        wr(0x20, 4, 0x8);
        for (int i = 0; i < 5; i++) {
            int slot = i & 1;
            ram.store64(CMDQ + slot * 16L, 0x46 | 1L << 12);
            ram.store64(CMDQ + slot * 16L + 8, 0);
            wr(0x98, 4, (i + 1) & 3);
        }
        assertEquals(1, rd(0x9C, 4), "five commands: index 1, wrap bit 0 after two laps");
        assertEquals(5, smmu.interruptsRaised(2));
        ram.store64(CMDQ + 16, 0x46 | 1L << 12);
        wr(0x98, 4, 0x4 | 2); // bit 2 is beyond this queue's pointer: PROD is index 0, wrap 1
        assertEquals(2, rd(0x9C, 4) & 3);
        assertEquals(6, smmu.interruptsRaised(2), "one command, not a run round the queue");
        noCommandError();
    }

    @Test
    void cfgiSteRangeInvalidatesExactlyItsAlignedSpan() {
        enableLinear();
        int[] sids = { 0x0F, 0x10, 0x13, 0x14 };
        for (int sid : sids) {
            ste(STRTAB, sid, 1 | 4L << 1, 0, 0, 0);
            assertEquals(0x7000, translated(sid, 0x7000, false));
            ste(STRTAB, sid, 1, 0, 0, 0); // now abort: seen only once invalidated
        }
        cmd(0x04 | 0x12L << 32, 1); // CFGI_STE_RANGE: StreamID 0x12, Range 1: 0x10..0x13
        noCommandError();
        assertEquals(0x7000, translated(0x0F, 0x7000, false));
        aborted(0x10, 0x7000, false);
        aborted(0x13, 0x7000, false);
        assertEquals(0x7000, translated(0x14, 0x7000, false));
    }

    @Test
    void cfgiSteRangeReachesTheLastStreamId() {
        enable(16);
        for (int sid = 0xFFFE; sid <= 0xFFFF; sid++) {
            ste(STRTAB, sid, 1 | 4L << 1, 0, 0, 0);
            assertEquals(0x7000, translated(sid, 0x7000, false));
            ste(STRTAB, sid, 1, 0, 0, 0);
        }
        cmd(0x04 | 0xFFFFL << 32, 0); // Range 0: 0xFFFE..0xFFFF
        aborted(0xFFFE, 0x7000, false);
        aborted(0xFFFF, 0x7000, false);
    }

    @Test
    void aChangedSteIsNotSeenUntilCfgiSteEvenForANewAddress() {
        enableLinear();
        ste(STRTAB, 1, 1, 0, 0, 0); // abort
        aborted(1, 0x4000, true);
        ste(STRTAB, 1, 1 | 4L << 1, 0, 0, 0);
        aborted(1, 0x5000, true); // the cached abort configuration, not the STE in memory
        cfgiSte(1);
        assertEquals(0x5000, translated(1, 0x5000, true));
    }

    @Test
    void tlbiEl2AsidAndVaInvalidateOnlyTheirEntries() {
        enableLinear();
        Lpae4kTables pt = new Lpae4kTables(ram);
        cd(CD, pt.root, 1, true);
        ste(STRTAB, 5, steS1(CD), 2L << 30, 0, 0); // STRW = EL2, ASID 1
        pt.page(0x1000, RAM + 0x30_0000, 0);
        pt.page(0x2000, RAM + 0x31_0000, 0);
        translated(5, 0x1000, false);
        translated(5, 0x2000, false);
        pt.page(0x1000, RAM + 0x34_0000, 0);
        pt.page(0x2000, RAM + 0x35_0000, 0);
        cmd(0x21 | 2L << 48, 0); // TLBI_EL2_ASID, another ASID
        cmd(0x22 | 1L << 48, 0x3000); // TLBI_EL2_VA, another page
        assertEquals(RAM + 0x30_0000, translated(5, 0x1000, false));
        assertEquals(RAM + 0x31_0000, translated(5, 0x2000, false));
        cmd(0x22 | 1L << 48, 0x1000);
        assertEquals(RAM + 0x34_0000, translated(5, 0x1000, false));
        assertEquals(RAM + 0x31_0000, translated(5, 0x2000, false), "only the page named");
        cmd(0x21 | 1L << 48, 0);
        assertEquals(RAM + 0x35_0000, translated(5, 0x2000, false));
        noCommandError();
    }

    @Test
    void aSyncMsiNoTargetTakesRaisesMsiCmdqAbtErr() {
        enableLinear();
        cmd(0x46 | 1L << 12 | 0x55L << 32, 0x70_0000_0000L); // nothing there
        assertEquals(1L << 4, rd(0x60, 4) & (1L << 4), "GERROR.MSI_CMDQ_ABT_ERR");
        assertTrue(irqs.contains(3), "reported on the gerror line");
        noCommandError();
    }

    @Test
    void withoutASystemAddressSpaceMsisGoToRamOnly() {
        smmu = new Smmuv3("/smmu", ram, null);
        smmu.connect(irqs::add);
        enableLinear();
        cmd(0x46 | 1L << 12 | 0xBEEFL << 32, RAM + 0x9000);
        assertEquals(0xBEEF, ram.load32(RAM + 0x9000));
        assertEquals(0, rd(0x60, 4), "no global error");
        cmd(0x46 | 1L << 12 | 0xBEEFL << 32, 0x70_0000_0000L);
        assertEquals(1L << 4, rd(0x60, 4) & (1L << 4), "GERROR.MSI_CMDQ_ABT_ERR");
    }

    @Test
    void aStreamWithIdZeroBypassingToAddressZeroIsServedFromTheIotlb() {
        enableLinear();
        ste(STRTAB, 0, 1 | 4L << 1, 0, 0, 0);
        assertEquals(0, translated(0, 0, true));
        long hits = smmu.iotlbHits();
        long misses = smmu.iotlbMisses();
        assertEquals(0, translated(0, 0, false));
        assertEquals(hits + 1, smmu.iotlbHits(), "bypass translations are cached too");
        assertEquals(misses, smmu.iotlbMisses());
        assertEquals(0, smmu.faultCount());
    }

    @Test
    void twoLevelStreamTableSpanLimitsTheLevelTwoTable() {
        enable(1L << 16 | 8L << 6 | 16); // 2-level, SPLIT 8
        long l2 = ram.alloc(256 * 64);
        ram.store64(STRTAB + 3 * 8, l2 | 9); // SPAN 9: 256 STEs
        ste(l2, 0x45, 1 | 4L << 1, 0, 0, 0);
        assertEquals(0x5000L, translated(0x0345, 0x5000, false), "L2 index 0x45 inside SPAN 9");
        ram.store64(STRTAB + 4 * 8, l2 | 3); // SPAN 3: four STEs
        ste(l2, 3, 1 | 4L << 1, 0, 0, 0);
        assertEquals(0x5000L, translated(0x0403, 0x5000, false), "the last STE of SPAN 3");
        ste(l2, 4, 1 | 4L << 1, 0, 0, 0);
        aborted(0x0404, 0x5000, false);
        assertEquals(0x04, id(event()), "index 4 is past SPAN 3: C_BAD_STE");
    }

    @Test
    void aLevelOneDescriptorOutsideRamGivesFSteFetch() {
        enable(8);
        wr(0x20, 4, 0xC);
        wr(0x80, 8, 0x10_0000_0000L);
        wr(0x88, 4, 1L << 16 | 6L << 6 | 16);
        wr(0x20, 4, 0xD);
        aborted(0x85, 0x1000, false);
        long[] e = event();
        assertEquals(0x03, id(e));
        assertEquals(0x10_0000_0000L + 2 * 8, e[3], "the level-1 descriptor's address");
    }

    @Test
    void stage2OnlyStesIgnoreTheirStage1Fields() {
        enableLinear();
        Lpae4kTables s2 = new Lpae4kTables(ram);
        s2.page(0x8000_0000L, RAM + 0x60_0000, S2_R | S2_W);
        ste(STRTAB, 3, 1 | 6L << 1 | 1L << 59, 0, s2dw2(7, true), s2.root); // S1CDMax set, Config S2 only
        assertEquals(RAM + 0x60_0000, translated(3, 0x8000_0000L, false));
    }

    @Test
    void illegalStesAndCdsSayWhyInTheSummary() {
        enableLinear();
        Lpae4kTables pt = new Lpae4kTables(ram);
        ste(STRTAB, 4, steS1(CD) | 1L << 59, 0, 0, 0);
        assertReason(4, "C_BAD_STE for StreamID 0x4: S1CDMax 1 with no substream support");
        ste(STRTAB, 6, 1 | 6L << 1, 0, s2dw2(1, true) & ~(1L << 51), pt.root);
        assertReason(6, "S2AA64 = 0");
        ste(STRTAB, 7, 1 | 6L << 1, 0, s2dw2(1, true) | 1L << 52, pt.root);
        assertReason(7, "S2ENDI = 1");
        ste(STRTAB, 8, 1 | 6L << 1, 0, s2dw2(1, true) | 1L << 57, pt.root);
        assertReason(8, "S2S = 1");
        ste(STRTAB, 9, 1 | 6L << 1, 0, s2dw2(1, true) | 3L << (32 + 14), pt.root);
        assertReason(9, "S2TG reserved");
        ste(STRTAB, 10, 1 | 6L << 1, 0, s2dw2(1, true) | 3L << (32 + 6), pt.root);
        assertReason(10, "stage 2: start level");
        ste(STRTAB, 11, 1 | 5L << 1, 1L << 30, 0, 0); // STRW 1
        assertReason(11, "STRW 1 with Config 5");
        ste(STRTAB, 12, steS1(0x1_0000_0000_0000L), 0, 0, 0);
        assertReason(12, "S1ContextPtr wider than the OAS");
        long good = 16 | 1L << 31 | 5L << 32 | 1L << 41 | 1L << 45 | 1L << 46;
        ram.store64(CD + 0x1000, good | 3L << 6);
        ram.store64(CD + 0x1008, pt.root);
        ste(STRTAB, 13, steS1(CD + 0x1000), 0, 0, 0);
        assertReason(13, "C_BAD_CD for StreamID 0xd: TG0 reserved");
    }

    void assertReason(int sid, String why) {
        aborted(sid, 0x1000, false);
        event();
        assertTrue(smmu.summary().contains("; last " ) && smmu.summary().contains(why), smmu.summary());
    }

    @Test
    void cdInputSizeIsSixteenTo39BitsOfT0sz() {
        enableLinear();
        Lpae4kTables pt = new Lpae4kTables(ram);
        long good = 1L << 31 | 5L << 32 | 1L << 41 | 1L << 45 | 1L << 46;
        int[] t0sz = { 15, 16, 39, 40 };
        int[] expected = { 0x0A, 0x10, 0x10, 0x0A }; // C_BAD_CD, or a walk of an empty table
        for (int i = 0; i < t0sz.length; i++) {
            long cd = CD + 0x1000 + i * 64L;
            ram.store64(cd, good | t0sz[i]);
            ram.store64(cd + 8, pt.root);
            ste(STRTAB, 30 + i, steS1(cd), 0, 0, 0);
            aborted(30 + i, 0x1000, false);
            assertEquals(expected[i], id(event()), "T0SZ " + t0sz[i]);
        }
    }

    @Test
    void aSixteenKilobyteGranuleCdIsLegal() {
        enableLinear();
        Lpae4kTables pt = new Lpae4kTables(ram);
        ram.store64(CD, 16 | 2L << 6 | 1L << 31 | 5L << 32 | 1L << 41 | 1L << 45 | 1L << 46);
        ram.store64(CD + 8, pt.root);
        ste(STRTAB, 5, steS1(CD), 0, 0, 0);
        aborted(5, 0x1000, false);
        assertEquals(0x10, id(event()), "F_TRANSLATION in an empty table, not C_BAD_CD");
    }

    @Test
    void stage1OutputSizeFollowsTheCdsIps() {
        enableLinear();
        int[] bits = { 32, 36, 40, 42, 44, 48 };
        for (int ips = 0; ips < bits.length; ips++) {
            Lpae4kTables pt = new Lpae4kTables(ram);
            long top = (1L << bits[ips]) - 0x1000;
            pt.page(0x1000, top, 0);
            if (bits[ips] < 48) {
                pt.page(0x2000, 1L << bits[ips], 0);
            }
            long cd = CD + 0x1000 + ips * 64L;
            ram.store64(cd, 16 | 1L << 31 | (long) ips << 32 | 1L << 41 | 1L << 45 | 1L << 46);
            ram.store64(cd + 8, pt.root);
            ste(STRTAB, 40 + ips, steS1(cd), 0, 0, 0);
            assertEquals(top, translated(40 + ips, 0x1000, false), "IPS " + ips);
            if (bits[ips] < 48) {
                aborted(40 + ips, 0x2000, false);
                assertEquals(0x11, id(event()), "F_ADDR_SIZE beyond " + bits[ips] + " bits");
            }
        }
    }

    @Test
    void stage2OutputSizeFollowsVtcrPs() {
        enableLinear();
        Lpae4kTables s2 = new Lpae4kTables(ram);
        s2.page(0x8000_0000L, 1L << 32, S2_R | S2_W);
        s2.page(0x8000_1000L, (1L << 40) - 0x1000, S2_R | S2_W);
        s2.page(0x8000_2000L, 1L << 40, S2_R | S2_W);
        ste(STRTAB, 3, 1 | 6L << 1, 0, s2dw2(7, true), s2.root); // PS 48 bits
        assertEquals(1L << 32, translated(3, 0x8000_0000L, false));
        long ps40 = s2dw2(7, true) & ~(7L << (32 + 16)) | 2L << (32 + 16);
        ste(STRTAB, 4, 1 | 6L << 1, 0, ps40, s2.root);
        assertEquals((1L << 40) - 0x1000, translated(4, 0x8000_1000L, false));
        aborted(4, 0x8000_2000L, false);
        assertEquals(0x11, id(event()), "F_ADDR_SIZE beyond 40 bits");
    }

    @Test
    void stage2AccessFlagFaultsUnlessAffdAndRecordsOnlyWithS2r() {
        enableLinear();
        Lpae4kTables s2 = new Lpae4kTables(ram);
        s2.raw(0x8000_0000L, 3, (RAM + 0x60_0000) | S2_R | S2_W | Lpae4kTables.PAGE); // AF clear
        ste(STRTAB, 3, 1 | 6L << 1, 0, s2dw2(7, true), s2.root);
        aborted(3, 0x8000_0000L, false);
        assertEquals(0x12, id(event()), "F_ACCESS");
        ste(STRTAB, 4, 1 | 6L << 1, 0, s2dw2(7, true) | 1L << 53, s2.root); // S2AFFD
        assertEquals(RAM + 0x60_0000, translated(4, 0x8000_0000L, false));
        ste(STRTAB, 5, 1 | 6L << 1, 0, s2dw2(7, false), s2.root); // S2R clear
        aborted(5, 0x8000_0000L, false);
        noEvent();
    }

    @Test
    void aStage2WriteOnlyPageIsNotReadableFromTheIotlb() {
        enableLinear();
        Lpae4kTables s2 = new Lpae4kTables(ram);
        s2.page(0x8000_0000L, RAM + 0x60_0000, S2_W);
        ste(STRTAB, 3, 1 | 6L << 1, 0, s2dw2(7, true), s2.root);
        assertEquals(RAM + 0x60_0000, translated(3, 0x8000_0000L, true));
        aborted(3, 0x8000_0000L, false);
        assertEquals(0x13, id(event()), "F_PERMISSION for the read after a cached write");
    }

    @Test
    void aNestedStreamWhoseCdStage2DoesNotMapFaultsInStage2WithClassCd() {
        enableLinear();
        Lpae4kTables s2 = new Lpae4kTables(ram); // maps nothing
        ste(STRTAB, 11, 1 | 7L << 1 | 0x20_0000, 0, s2dw2(9, true), s2.root);
        aborted(11, 0x5044, false);
        long[] e = event();
        assertEquals(0x10, id(e));
        assertTrue(s2(e));
        assertEquals(0, cls(e), "CLASS CD");
        assertEquals(0x20_0000, e[3], "the CD's IPA");
        noEvent();
    }

    @Test
    void aNestedStage2FaultOnAStage1TableIsTheOnlyEvent() {
        enableLinear();
        Lpae4kTables s1 = new Lpae4kTables(ram, -RAM);
        s1.page(0x5000, 0x70_0000, 0);
        cd(CD, s1.root - RAM, 3, true);
        Lpae4kTables s2 = new Lpae4kTables(ram);
        s2.page(CD - RAM, CD, S2_R); // only the CD page is mapped
        ste(STRTAB, 12, 1 | 7L << 1 | (CD - RAM), 0, s2dw2(9, true), s2.root);
        aborted(12, 0x5044, false);
        assertEquals(0x10, id(event()));
        noEvent();
        assertEquals(1, smmu.recordedFaultCount());
    }

    @Test
    void aSecondOverflowAfterTheAcknowledgementTogglesOvflgBack() {
        enableLinear();
        wr(0x20, 4, 0x9);
        wr(0xA0, 8, EVTQ | 1); // two entries
        wr(0x20, 4, 0xD);
        for (int i = 0; i < 3; i++) {
            aborted(256 + i, 0, false);
        }
        long prod = rd(0x100A8, 4);
        assertEquals(1L << 31, prod & (1L << 31), "first overflow");
        wr(0x100AC, 4, (prod & 0xFFFFF) | 1L << 31); // consume both, acknowledge the overflow
        for (int i = 0; i < 3; i++) {
            aborted(256 + i, 0, false);
        }
        assertEquals(0, rd(0x100A8, 4) & (1L << 31), "second overflow toggles OVFLG again");
        assertEquals(2, smmu.eventOverflows());
    }

    @Test
    void restoringStateIntoALiveSmmuDropsItsCachedConfigurationsAndTranslations() {
        enableLinear();
        ste(STRTAB, 1, 1 | 4L << 1, 0, 0, 0);
        assertEquals(0x4000, translated(1, 0x4000, true));
        Object state = smmu.saveState();
        ste(STRTAB, 1, 1, 0, 0, 0); // abort
        smmu.restoreState(state);
        aborted(1, 0x4000, true);
        aborted(1, 0x5000, true);
    }

    @Test
    void modeNamesTheBypassPolicyTheTableAndTheQueues() {
        assertEquals("disabled, GBPA bypass", smmu.mode());
        wr(0x44, 4, 1L << 31 | 1L << 20);
        assertEquals("disabled, GBPA abort", smmu.mode());
        enableLinear();
        assertEquals("enabled, linear stream table (2^8), cmdq on, evtq on", smmu.mode());
        wr(0x20, 4, 0x1);
        assertEquals("enabled, linear stream table (2^8), cmdq off, evtq off", smmu.mode());
        assertFalse(smmu.summary().contains("command queue stopped"), smmu.summary());
        assertFalse(smmu.summary().contains("; last "), smmu.summary());
    }

    @Test
    void interruptCountsExistOnlyForItsFourLines() {
        assertEquals(0, smmu.interruptsRaised(-1));
        assertEquals(0, smmu.interruptsRaised(4));
        assertEquals("SMMUv3 /smmu@9050000", smmu.toString());
    }

    @Test
    void recordsLostWithTheEventQueueOffAreCountedInTheSummary() {
        enableLinear();
        wr(0x20, 4, 0x9);
        aborted(300, 0, false);
        aborted(301, 0, false);
        assertTrue(smmu.summary().contains("2 events (0 overflowed, 2 with evtq off)"), smmu.summary());
    }

    @Test
    void acknowledgingCmdqErrClearsConsErrEvenWhileTheQueueIsOff() {
        enableLinear();
        cmd(0xEE, 0);
        assertEquals(1, (rd(0x9C, 4) >>> 24) & 0x7F);
        wr(0x20, 4, 0x5); // CMDQEN off
        wr(0x64, 4, rd(0x60, 4));
        assertEquals(0, rd(0x9C, 4), "ERR cleared, CONS still at the bad command");
        wr(0x64, 4, rd(0x60, 4)); // a second write of the same value acknowledges nothing new
        assertEquals(0, rd(0x9C, 4));
    }
}
