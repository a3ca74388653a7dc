package org.trapdoor.hw.smmuv2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trapdoor.testkit.Lpae4kTables.S1_RO;
import static org.trapdoor.testkit.Lpae4kTables.S2_R;
import static org.trapdoor.testkit.Lpae4kTables.S2_W;

import java.util.ArrayList;
import java.util.List;

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
import org.trapdoor.testkit.ArrayRam;
import org.trapdoor.testkit.FakeBindContext;
import org.trapdoor.testkit.Lpae4kTables;

class Smmuv2Test {
    static final long RAM = 0x8000_0000L;
    static final int SIZE = 0x10000;
    static final int CB0 = SIZE / 2;
    static final int GR1 = 0x1000;

    ArrayRam ram;
    Smmuv2 smmu;
    final List<Integer> irqs = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ram = new ArrayRam(RAM, 16 << 20);
        smmu = new Smmuv2("/iommu@fd800000", SIZE, ram);
        smmu.connect(irqs::add);
    }

    long rd(int off, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(off, size);
        tx.offset = off;
        smmu.region(0).access(tx);
        assertTrue(tx.ok());
        return tx.data;
    }

    void wr(int off, int size, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(off, size, v);
        tx.offset = off;
        smmu.region(0).access(tx);
        assertTrue(tx.ok());
    }

    static int cb(int n, int reg) {
        return CB0 + n * 0x1000 + reg;
    }

    /** Linux's reset: clear CLIENTPD, report and interrupt on global faults, fault unmatched streams. */
    void enable(boolean faultUnmatched) {
        wr(0x000, 4, Smmuv2.SCR0_GFRE | Smmuv2.SCR0_GFIE | (faultUnmatched ? Smmuv2.SCR0_USFCFG : 0));
    }

    void smr(int n, int id, int mask) {
        wr(0x800 + 4 * n, 4, 1L << 31 | (long) mask << 16 | id);
    }

    void s2cr(int n, int type, int cbndx) {
        wr(0xC00 + 4 * n, 4, (long) type << 16 | cbndx);
    }

    /** A stage-1 AArch64 context bank: 48-bit VA, 4K, PASIZE 48, 16-bit ASID. */
    Lpae4kTables stage1Context(int n, int asid, boolean cfie) {
        Lpae4kTables pt = new Lpae4kTables(ram);
        wr(GR1 + 4 * n, 4, 1L << 16 | 3); // CBAR: S1 with S2 bypass, VMID 3
        wr(GR1 + 0x800 + 4 * n, 4, 1); // CBA2R.VA64
        wr(cb(n, 0x010), 4, 5 | 1 << 4); // TCR2: PASIZE 48, AS
        wr(cb(n, 0x020), 8, pt.root | (long) asid << 48);
        wr(cb(n, 0x030), 4, 16); // TCR: T0SZ 16, TG0 4K
        wr(cb(n, 0x000), 4, Smmuv2.SCTLR_M | Smmuv2.SCTLR_CFRE | (cfie ? Smmuv2.SCTLR_CFIE : 0));
        return pt;
    }

    /** A stage-2 context bank: 40-bit IPA starting at level 1 (SL0 = 1), PS 48, VMID {@code vmid}. */
    Lpae4kTables stage2Context(int n, int vmid) {
        Lpae4kTables pt = new Lpae4kTables(ram);
        long l1 = pt.table(0, 1);
        wr(GR1 + 4 * n, 4, 0L << 16 | vmid);
        wr(GR1 + 0x800 + 4 * n, 4, 1);
        wr(cb(n, 0x020), 8, l1);
        wr(cb(n, 0x030), 4, 24 | 1 << 6 | 5 << 16); // T0SZ 24, SL0 1, PS 48
        wr(cb(n, 0x000), 4, Smmuv2.SCTLR_M | Smmuv2.SCTLR_CFRE | Smmuv2.SCTLR_CFIE);
        return pt;
    }

    MemoryTransaction dma(int sid, long iova, boolean write) {
        MemoryTransaction tx = write ? new MemoryTransaction().write(iova, 4, 1) : new MemoryTransaction().read(iova, 4);
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

    @Test
    void resetValuesMatchTheDocumentedIdRegisters() {
        assertEquals(1, rd(0x000, 4), "sCR0.CLIENTPD");
        long id0 = rd(0x020, 4);
        assertEquals(1, (id0 >> 30) & 1, "S1TS");
        assertEquals(1, (id0 >> 29) & 1, "S2TS");
        assertEquals(0, (id0 >> 28) & 1, "NTS");
        assertEquals(1, (id0 >> 27) & 1, "SMS");
        assertEquals(15, (id0 >> 9) & 0xF, "NUMSIDB");
        assertEquals(32, id0 & 0xFF, "NUMSMRG");
        long id1 = rd(0x024, 4);
        assertEquals(0, id1 >>> 31, "PAGESIZE 4K");
        assertEquals(2, (id1 >> 28) & 7, "NUMPAGENDXB: 8 pages of context banks");
        assertEquals(8, id1 & 0xFF, "NUMCB");
        long id2 = rd(0x028, 4);
        assertEquals(5, id2 & 0xF, "IAS 48");
        assertEquals(5, (id2 >> 4) & 0xF, "OAS 48");
        assertEquals(0x7000, id2 & 0x7000, "PTFS 4K/16K/64K");
        wr(0x020, 4, 0);
        assertEquals(id0, rd(0x020, 4), "ID0 read-only");
    }

    @Test
    void clientPdBypassesEveryStream() {
        assertEquals(0x1234_5000L, translated(9, 0x1234_5000L, true));
        assertEquals(0, smmu.recordedFaultCount());
    }

    @Test
    void unmatchedStreamBypassesOrFaultsPerUsfcfg() {
        enable(false);
        assertEquals(0x4000, translated(0x42, 0x4000, false));
        enable(true);
        aborted(0x42, 0x4008, true);
        assertEquals(Smmuv2.GFSR_USF, rd(0x048, 4));
        assertEquals(0x42, rd(0x054, 4), "sGFSYNR1 StreamID");
        assertEquals(0x4008, rd(0x040, 8), "sGFAR");
        assertEquals(2, rd(0x050, 4), "sGFSYNR0.WNR");
        assertEquals(List.of(0), irqs, "global fault interrupt");
        aborted(0x43, 0x5000, false);
        assertEquals(Smmuv2.GFSR_USF | Smmuv2.GFSR_MULTI, rd(0x048, 4));
        assertEquals(0x42, rd(0x054, 4), "first fault's syndrome kept");
        wr(0x048, 4, rd(0x048, 4));
        assertEquals(0, rd(0x048, 4), "sGFSR is write-1-to-clear");
        assertEquals(Kind.UNIDENTIFIED_STREAM, smmu.recentFaults().get(0).kind());
    }

    @Test
    void smrMatchesWithMaskAndS2crPicksTheAction() {
        enable(true);
        smr(0, 0x100, 0x00F);
        s2cr(0, Smmuv2.S2CR_BYPASS, 0);
        assertEquals(0x7000, translated(0x105, 0x7000, false));
        assertEquals(0x7000, translated(0x10F, 0x7000, false));
        aborted(0x115, 0x7000, false);
        assertEquals(Smmuv2.GFSR_USF, rd(0x048, 4));
        wr(0x048, 4, -1L);
        s2cr(0, Smmuv2.S2CR_FAULT, 0);
        aborted(0x105, 0x7000, false);
        assertEquals(Smmuv2.GFSR_USF, rd(0x048, 4));
        wr(0x048, 4, -1L);
        smr(1, 0x104, 0x000); // overlaps SMR0 for 0x104
        aborted(0x104, 0x7000, false);
        assertEquals(Smmuv2.GFSR_SMCF, rd(0x048, 4));
        wr(0x048, 4, -1L);
        s2cr(2, Smmuv2.S2CR_TRANSLATE, 12); // only 8 context banks
        smr(2, 0x200, 0);
        aborted(0x200, 0x7000, false);
        assertEquals(Smmuv2.GFSR_UCBF, rd(0x048, 4));
    }

    @Test
    void stage1ContextTranslatesAndIotlbHits() {
        enable(true);
        Lpae4kTables pt = stage1Context(2, 5, true);
        pt.page(0x1000, RAM + 0x30_0000, 0);
        pt.block(0x4000_0000L, 0x1_0000_0000L, 1, 0);
        smr(0, 0x10, 0);
        s2cr(0, Smmuv2.S2CR_TRANSLATE, 2);
        assertEquals(RAM + 0x30_0123, translated(0x10, 0x1123, true));
        assertEquals(0x1_0000_0000L + 0x12_3456, translated(0x10, 0x4012_3456L, true));
        long hits = smmu.iotlbHits();
        assertEquals(RAM + 0x30_0123, translated(0x10, 0x1123, true));
        assertEquals(hits + 1, smmu.iotlbHits());
    }

    @Test
    void contextFaultLatchesFsrFarFsynr0AndRaisesTheContextInterrupt() {
        enable(true);
        Lpae4kTables pt = stage1Context(1, 5, true);
        pt.page(0x1000, RAM + 0x30_0000, S1_RO);
        smr(3, 0x77, 0);
        s2cr(3, Smmuv2.S2CR_TRANSLATE, 1);
        aborted(0x77, 0x9abc, false);
        assertEquals(Smmuv2.FSR_TF, rd(cb(1, 0x058), 4));
        assertEquals(0x9abc, rd(cb(1, 0x060), 8));
        assertEquals(3, rd(cb(1, 0x068), 4) & 3, "PLVL 3");
        assertEquals(0, rd(cb(1, 0x068), 4) & Smmuv2.FSYNR0_WNR);
        assertEquals(0x77, rd(GR1 + 0x400 + 4, 4), "CBFRSYNRA1");
        assertEquals(List.of(2), irqs, "context1 is interrupt line 2");
        assertEquals(1, smmu.interruptsRaised(2));
        wr(cb(1, 0x058), 4, Smmuv2.FSR_TF);
        assertEquals(0, rd(cb(1, 0x058), 4), "FSR is write-1-to-clear");
        aborted(0x77, 0x1000, true);
        assertEquals(Smmuv2.FSR_PF, rd(cb(1, 0x058), 4));
        assertEquals(Smmuv2.FSYNR0_WNR, rd(cb(1, 0x068), 4) & Smmuv2.FSYNR0_WNR);
        aborted(0x77, 0x2000, false);
        assertEquals(Smmuv2.FSR_PF | Smmuv2.FSR_MULTI, rd(cb(1, 0x058), 4));
        IommuFault f = smmu.recentFaults().get(1);
        assertEquals(Kind.PERMISSION, f.kind());
        assertEquals(1, f.context());
        assertTrue(f.write());
    }

    @Test
    void noContextInterruptWithoutCfie() {
        enable(true);
        stage1Context(0, 1, false);
        smr(0, 1, 0);
        s2cr(0, Smmuv2.S2CR_TRANSLATE, 0);
        aborted(1, 0x1000, false);
        assertEquals(Smmuv2.FSR_TF, rd(cb(0, 0x058), 4));
        assertTrue(irqs.isEmpty());
    }

    @Test
    void tableOutsideRamGivesExternalFault() {
        enable(true);
        stage1Context(0, 1, true);
        wr(cb(0, 0x020), 8, 0x40_0000_0000L);
        smr(0, 1, 0);
        s2cr(0, Smmuv2.S2CR_TRANSLATE, 0);
        aborted(1, 0x1000, false);
        assertEquals(Smmuv2.FSR_EF, rd(cb(0, 0x058), 4));
        assertEquals(Kind.WALK_EABT, smmu.recentFaults().get(0).kind());
    }

    @Test
    void mmuDisabledContextBypasses() {
        enable(true);
        stage1Context(0, 1, true);
        wr(cb(0, 0x000), 4, 0);
        smr(0, 1, 0);
        s2cr(0, Smmuv2.S2CR_TRANSLATE, 0);
        assertEquals(0x5555_0000L, translated(1, 0x5555_0000L, true));
    }

    @Test
    void stage2ContextChecksS2ap() {
        enable(true);
        Lpae4kTables pt = stage2Context(4, 9);
        pt.page(0x1000, RAM + 0x30_0000, S2_R);
        pt.page(0x2000, RAM + 0x31_0000, S2_W);
        smr(0, 0x20, 0);
        s2cr(0, Smmuv2.S2CR_TRANSLATE, 4);
        assertEquals(RAM + 0x30_0010, translated(0x20, 0x1010, false));
        aborted(0x20, 0x1010, true);
        assertEquals(Smmuv2.FSR_PF, rd(cb(4, 0x058), 4));
        assertTrue(smmu.recentFaults().get(0).stage2());
        assertEquals(RAM + 0x31_0000, translated(0x20, 0x2000, true));
        aborted(0x20, 0x2000, false);
    }

    /** Caches a translation of context {@code n}, remaps it, and returns the stream to use. */
    int cacheThenRemap(int n, Lpae4kTables pt, long va) {
        pt.page(va, RAM + 0x30_0000, 0);
        smr(0, 0x10, 0);
        s2cr(0, Smmuv2.S2CR_TRANSLATE, n);
        assertEquals(RAM + 0x30_0000, translated(0x10, va, false));
        pt.page(va, RAM + 0x35_0000, 0);
        assertEquals(RAM + 0x30_0000, translated(0x10, va, false), "stale until invalidated");
        return 0x10;
    }

    @Test
    void contextTlbiVaAsidAndAllInvalidate() {
        enable(true);
        Lpae4kTables pt = stage1Context(2, 5, true);
        int sid = cacheThenRemap(2, pt, 0x3000);
        wr(cb(2, 0x600), 8, 0x3L | 6L << 48); // TLBIVA for ASID 6: no effect
        assertEquals(RAM + 0x30_0000, translated(sid, 0x3000, false));
        wr(cb(2, 0x600), 8, 0x3L | 5L << 48);
        assertEquals(RAM + 0x35_0000, translated(sid, 0x3000, false));
        pt.page(0x3000, RAM + 0x36_0000, 0);
        wr(cb(2, 0x610), 4, 5); // TLBIASID
        assertEquals(RAM + 0x36_0000, translated(sid, 0x3000, false));
        pt.page(0x3000, RAM + 0x37_0000, 0);
        wr(cb(2, 0x618), 4, 0); // TLBIALL
        assertEquals(RAM + 0x37_0000, translated(sid, 0x3000, false));
    }

    @Test
    void globalTlbiVmidAndAllNsnhInvalidate() {
        enable(true);
        Lpae4kTables pt = stage1Context(2, 5, true); // VMID 3
        int sid = cacheThenRemap(2, pt, 0x3000);
        wr(0x064, 4, 4); // TLBIVMID 4: other VMID
        assertEquals(RAM + 0x30_0000, translated(sid, 0x3000, false));
        wr(0x064, 4, 3);
        assertEquals(RAM + 0x35_0000, translated(sid, 0x3000, false));
        pt.page(0x3000, RAM + 0x36_0000, 0);
        wr(0x068, 4, 0); // TLBIALLNSNH
        assertEquals(RAM + 0x36_0000, translated(sid, 0x3000, false));
        wr(0x070, 4, 0); // sTLBGSYNC
        assertEquals(0, rd(0x074, 4), "GSACTIVE clear");
    }

    @Test
    void tlbiIpas2InvalidatesStage2Entries() {
        enable(true);
        Lpae4kTables pt = stage2Context(1, 9);
        pt.page(0x5000, RAM + 0x30_0000, S2_R | S2_W);
        smr(0, 0x10, 0);
        s2cr(0, Smmuv2.S2CR_TRANSLATE, 1);
        translated(0x10, 0x5000, false);
        pt.page(0x5000, RAM + 0x38_0000, S2_R | S2_W);
        wr(cb(1, 0x630), 8, 0x6);
        assertEquals(RAM + 0x30_0000, translated(0x10, 0x5000, false));
        wr(cb(1, 0x630), 8, 0x5);
        assertEquals(RAM + 0x38_0000, translated(0x10, 0x5000, false));
    }

    @Test
    void stateSurvivesAHandOverToANewModel() {
        enable(true);
        Lpae4kTables pt = stage1Context(2, 5, true);
        pt.page(0x1000, RAM + 0x30_0000, 0);
        smr(0, 0x10, 0);
        s2cr(0, Smmuv2.S2CR_TRANSLATE, 2);
        Smmuv2 next = new Smmuv2("/iommu", SIZE, ram);
        next.restoreState(smmu.saveState());
        MemoryTransaction tx = new MemoryTransaction().read(0x1000, 4);
        tx.streamId = 0x10;
        next.translate(tx);
        assertEquals(RAM + 0x30_0000, tx.address);
        assertTrue(next.mode().startsWith("enabled"));
    }

    @Test
    void driverBindsMmu500AndRejectsAnOddFrame() throws BindException {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        DtNode node = new DtNode("iommu@fd800000", root);
        node.put(DtProperty.ofStrings("compatible", "arm,mmu-500", "arm,smmu-v2"));
        node.put(DtProperty.ofCells("reg", 0, 0xFD80_0000L, 0, 0x20000));
        Smmuv2Driver driver = new Smmuv2Driver();
        assertEquals("smmuv2", driver.name());
        assertEquals(List.of("arm,mmu-500", "arm,smmu-v2"), driver.compatibles());
        Smmuv2 m = (Smmuv2) driver.create(context(node));
        assertEquals(16, m.numCb);
        node.put(DtProperty.ofCells("reg", 0, 0xFD80_0000L, 0, 0x18000));
        assertThrows(BindException.class, () -> driver.create(context(node)));
    }

    BindContext context(DtNode node) {
        return new FakeBindContext(node, ram.asAddressSpace(), ram).refuseRefs("the SMMU references no other model");
    }
}
