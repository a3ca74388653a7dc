package org.trapdoor.hw.smmuv2;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.iommu.IommuFault.Kind;
import org.trapdoor.api.iommu.IommuInterruptSink;
import org.trapdoor.api.iommu.Iotlb;
import org.trapdoor.api.iommu.Vmsav8Walker;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * Arm SMMUv2 / MMU-500 (non-secure view): global register space 0 (sCR0, ID0–ID2, global
 * fault syndrome, TLB maintenance, SMRs and S2CRs), global space 1 (CBARs, CBFRSYNRAs, CBA2Rs)
 * and one 4 KiB page per context bank in the upper half of the frame, with AArch64 stage-1 and
 * stage-2 translation through the shared {@link Vmsav8Walker}.
 *
 * <p>Choices where the architecture leaves room:
 * <ul>
 * <li>sCR0 resets with CLIENTPD = 1 (every client bypasses until software takes over).</li>
 * <li>No nested translation (ID0.NTS = 0): CBAR type 3 faults as a context translation fault;
 * type 2 (stage 1 with stage 2 fault) behaves as type 1 since there is no stage 2 to fault.</li>
 * <li>Only AArch64 contexts (CBA2R.VA64 = 1, ID0.PTFS = 2); a VA64 = 0 context faults (TF).</li>
 * <li>No stalls: SCTLR.CFCFG is stored, but every fault terminates the transaction.</li>
 * <li>With sCR0.GFRE or SCTLR.CFRE clear the architecture answers RAZ/WI; here the transaction is
 * aborted all the same (the upstream port counts it as an IOMMU drop) — only the report differs.</li>
 * <li>An S2CR of type fault reports sGFSR.USF, like an unmatched stream with USFCFG = 1.</li>
 * </ul>
 */
public final class Smmuv2 implements Iommu {
    public static final int PAGE = 0x1000;
    public static final int MIN_SIZE = 4 * PAGE;
    public static final int MAX_SIZE = 64 * PAGE;
    static final int NUM_SMR = 32;
    static final int SID_BITS = 15;

    // sCR0
    static final long SCR0_CLIENTPD = 1, SCR0_GFRE = 1 << 1, SCR0_GFIE = 1 << 2, SCR0_USFCFG = 1 << 10;
    // sGFSR
    static final long GFSR_USF = 1 << 1, GFSR_SMCF = 1 << 2, GFSR_UCBF = 1 << 3, GFSR_MULTI = 1L << 31;
    // SCTLR
    static final long SCTLR_M = 1, SCTLR_AFFD = 1 << 3, SCTLR_CFRE = 1 << 5, SCTLR_CFIE = 1 << 6;
    // FSR
    static final long FSR_TF = 1 << 1, FSR_AFF = 1 << 2, FSR_PF = 1 << 3, FSR_EF = 1 << 4, FSR_ASF = 1 << 7,
            FSR_FAULTS = 0x1FE, FSR_MULTI = 1L << 31;
    // FSYNR0
    static final long FSYNR0_WNR = 1 << 4, FSYNR0_PTWF = 1 << 10;
    static final int S2CR_TRANSLATE = 0, S2CR_BYPASS = 1, S2CR_FAULT = 2;
    static final int CBAR_S2 = 0, CBAR_S1_BYPASS = 1, CBAR_S1_FAULT = 2, CBAR_NESTED = 3;
    private static final int RECENT_FAULTS = 64;
    private static final int UNMATCHED = -1, CONFLICT = -2;

    private final String path;
    private final PhysicalMemory memory;
    final int numCb;
    private final int cbBase;
    private final Object lock = new Object();

    final RegisterBlock regs;
    final Register scr0, id0, id1, id2, sgfar, sgfsr, sgfsynr0, sgfsynr1;
    final Register[] smr, s2cr, cbar, cbfrsynra, cba2r;
    final Register[] sctlr, tcr2, ttbr0, tcr, fsr, far, fsynr0;

    private volatile boolean clientPd = true;
    /** StreamID → matching SMR index (or UNMATCHED / CONFLICT); null while SMRs changed. */
    private volatile int[] streamMap;
    private final Iotlb tlb = new Iotlb(1024);
    private final LongAdder faults = new LongAdder();
    private final ArrayDeque<IommuFault> recent = new ArrayDeque<>();
    private long recorded;
    private final long[] raised;
    private final List<String> lines;
    private volatile IommuInterruptSink sink;
    private final Vmsav8Walker walker = new Vmsav8Walker();
    private final Vmsav8Walker.Regime regime = new Vmsav8Walker.Regime();

    /** @param size the frame size: a power of two, half global space and half context banks */
    public Smmuv2(String path, int size, PhysicalMemory memory) {
        if (size < MIN_SIZE || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException(path + ": SMMUv2 frame size 0x" + Integer.toHexString(size));
        }
        this.path = path;
        this.memory = memory;
        int pages = size / 2 / PAGE;
        this.numCb = Math.min(pages, 16);
        this.cbBase = size / 2;
        regs = new RegisterBlock("smmuv2", size);
        regs.allowSizes(4, 8);
        long numPageNdxb = Integer.numberOfTrailingZeros(pages) - 1;

        // ---- GR0 ----
        scr0 = regs.reg32("sCR0", 0x000).reset(SCR0_CLIENTPD).writable(0xC03F_FFFFL).onWrite(this::scr0Written);
        regs.reg32("sCR1", 0x004);
        regs.reg32("sACR", 0x010);
        id0 = regs.reg32("ID0", 0x020).readOnly().reset(1L << 30 /* S1TS */ | 1L << 29 /* S2TS */
                | 1L << 27 /* SMS */ | 1L << 26 /* ATOSNS */ | 2L << 24 /* PTFS: AArch64 only */
                | (long) numCb << 16 /* NUMIRPT */ | 1L << 14 /* CTTW */ | (long) SID_BITS << 9 | NUM_SMR);
        id1 = regs.reg32("ID1", 0x024).readOnly().reset(numPageNdxb << 28 | 0L << 16 /* NUMS2CB */ | numCb);
        id2 = regs.reg32("ID2", 0x028).readOnly().reset(5 /* IAS 48 */ | 5L << 4 /* OAS 48 */ | 5L << 8 /* UBS */
                | 1L << 12 | 1L << 13 | 1L << 14 /* PTFS v8 4K/16K/64K */);
        for (int i = 3; i <= 7; i++) {
            regs.reg32("ID" + i, 0x020 + 4 * i).readOnly();
        }
        sgfar = regs.reg64("sGFAR", 0x040);
        sgfsr = regs.reg32("sGFSR", 0x048).readOnly().w1c(0x8000_01FFL);
        regs.reg32("sGFSRRESTORE", 0x04C).onWrite((p, w) -> this.sgfsr.set(w));
        sgfsynr0 = regs.reg32("sGFSYNR0", 0x050);
        sgfsynr1 = regs.reg32("sGFSYNR1", 0x054);
        regs.reg32("sGFSYNR2", 0x058);
        regs.reg32("STLBIALL", 0x060).writeOnly().onWrite((p, w) -> invalidate(tlb::invalidateAll));
        regs.reg32("TLBIVMID", 0x064).writeOnly().onWrite((p, w) -> invalidate(() -> invalidateVmid((int) (w & 0xFF))));
        regs.reg32("TLBIALLNSNH", 0x068).writeOnly()
                .onWrite((p, w) -> invalidate(() -> tlb.invalidateRegime(Iotlb.REGIME_NS_EL1)));
        regs.reg32("TLBIALLH", 0x06C).writeOnly().onWrite((p, w) -> invalidate(() -> tlb.invalidateRegime(Iotlb.REGIME_EL2)));
        // Maintenance completes at once: GSACTIVE never reads 1.
        regs.reg32("sTLBGSYNC", 0x070).writeOnly();
        regs.reg32("sTLBGSTATUS", 0x074).readOnly();
        smr = regs.reg32Array("SMR", 0x800, NUM_SMR);
        s2cr = regs.reg32Array("S2CR", 0xC00, NUM_SMR);
        for (int i = 0; i < NUM_SMR; i++) {
            smr[i].writable(0xFFFF_7FFFL & ~(1L << 15)).onWrite((p, w) -> configChanged(true));
            s2cr[i].writable(0x0F3F_FFFFL).onWrite((p, w) -> configChanged(false));
        }

        // ---- GR1 ----
        cbar = regs.reg32Array("CBAR", PAGE, numCb);
        cbfrsynra = regs.reg32Array("CBFRSYNRA", PAGE + 0x400, numCb);
        cba2r = regs.reg32Array("CBA2R", PAGE + 0x800, numCb);
        for (int i = 0; i < numCb; i++) {
            cbar[i].writable(0xFF0F_FFFFL).onWrite((p, w) -> configChanged(false));
            cba2r[i].writable(0x1).onWrite((p, w) -> configChanged(false));
        }

        // ---- Context banks ----
        sctlr = new Register[numCb];
        tcr2 = new Register[numCb];
        ttbr0 = new Register[numCb];
        tcr = new Register[numCb];
        fsr = new Register[numCb];
        far = new Register[numCb];
        fsynr0 = new Register[numCb];
        for (int i = 0; i < numCb; i++) {
            final int cb = i;
            int b = cbBase + i * PAGE;
            String n = "CB" + i + "_";
            sctlr[i] = regs.reg32(n + "SCTLR", b).onWrite((p, w) -> configChanged(false));
            regs.reg32(n + "ACTLR", b + 0x004);
            regs.reg32(n + "RESUME", b + 0x008).writeOnly();
            tcr2[i] = regs.reg32(n + "TCR2", b + 0x010);
            ttbr0[i] = regs.reg64(n + "TTBR0", b + 0x020);
            regs.reg64(n + "TTBR1", b + 0x028);
            tcr[i] = regs.reg32(n + "TCR", b + 0x030);
            regs.reg32(n + "CONTEXTIDR", b + 0x034);
            regs.reg32(n + "MAIR0", b + 0x038);
            regs.reg32(n + "MAIR1", b + 0x03C);
            regs.reg64(n + "PAR", b + 0x050).readOnly();
            fsr[i] = regs.reg32(n + "FSR", b + 0x058).readOnly().w1c(FSR_FAULTS | 1L << 30 | FSR_MULTI);
            regs.reg32(n + "FSRRESTORE", b + 0x05C).onWrite((p, w) -> fsr[cb].set(w));
            far[i] = regs.reg64(n + "FAR", b + 0x060);
            fsynr0[i] = regs.reg32(n + "FSYNR0", b + 0x068);
            regs.reg32(n + "FSYNR1", b + 0x06C);
            regs.reg64(n + "IPAFAR", b + 0x070);
            regs.reg64(n + "TLBIVA", b + 0x600).writeOnly().onWrite((p, w) -> invalidate(() -> tlbiVa(cb, w, true)));
            regs.reg64(n + "TLBIVAA", b + 0x608).writeOnly().onWrite((p, w) -> invalidate(() -> tlbiVa(cb, w, false)));
            regs.reg32(n + "TLBIASID", b + 0x610).writeOnly().onWrite((p, w) -> invalidate(() -> tlb.invalidateStage1(
                    Iotlb.REGIME_NS_EL1, Iotlb.NONE, asidTag(cb, (int) w & 0xFFFF), false, 0)));
            regs.reg32(n + "TLBIALL", b + 0x618).writeOnly().onWrite((p, w) -> invalidate(() -> tlb.invalidateVmid(vmidTag(cb))));
            regs.reg64(n + "TLBIVAL", b + 0x620).writeOnly().onWrite((p, w) -> invalidate(() -> tlbiVa(cb, w, true)));
            regs.reg64(n + "TLBIVAAL", b + 0x628).writeOnly().onWrite((p, w) -> invalidate(() -> tlbiVa(cb, w, false)));
            regs.reg64(n + "TLBIIPAS2", b + 0x630).writeOnly().onWrite((p, w) -> invalidate(() -> tlbiIpa(cb, w)));
            regs.reg64(n + "TLBIIPAS2L", b + 0x638).writeOnly().onWrite((p, w) -> invalidate(() -> tlbiIpa(cb, w)));
            regs.reg32(n + "TLBSYNC", b + 0x7F0).writeOnly();
            regs.reg32(n + "TLBSTATUS", b + 0x7F4).readOnly();
        }
        List<String> l = new ArrayList<>();
        l.add("global");
        for (int i = 0; i < numCb; i++) {
            l.add("context" + i);
        }
        lines = List.copyOf(l);
        raised = new long[lines.size()];
    }

    // ======================================================================================
    // Registers
    // ======================================================================================

    private void scr0Written(long previous, long written) {
        clientPd = (written & SCR0_CLIENTPD) != 0;
        configChanged(false);
    }

    /** SMR/S2CR/CBAR/SCTLR changes: drop cached translations and bypasses (slow path). */
    private void configChanged(boolean smrs) {
        synchronized (lock) {
            if (smrs) {
                streamMap = null;
            }
            tlb.invalidateAll();
        }
    }

    private void invalidate(Runnable r) {
        synchronized (lock) {
            r.run();
        }
    }

    /** TLB tags: a context bank's ASIDs and VMID are private to it, so the bank is part of the tag. */
    private static int asidTag(int cb, int asid) {
        return cb << 16 | asid;
    }

    private int vmidTag(int cb) {
        return cb << 16 | (int) (cbar[cb].value() & 0xFF);
    }

    private void invalidateVmid(int vmid) {
        for (int cb = 0; cb < numCb; cb++) {
            if ((cbar[cb].value() & 0xFF) == vmid) {
                tlb.invalidateVmid(vmidTag(cb));
            }
        }
    }

    /** TLBIVA(L): VA[55:12] in [43:0], ASID in [63:48]; TLBIVAA(L) ignores the ASID. */
    private void tlbiVa(int cb, long value, boolean byAsid) {
        long va = (value & 0xFFF_FFFF_FFFFL) << 12;
        if (byAsid) {
            tlb.invalidateStage1(Iotlb.REGIME_NS_EL1, Iotlb.NONE, asidTag(cb, (int) (value >>> 48) & 0xFFFF), true, va);
        } else {
            tlb.invalidateStage1(Iotlb.REGIME_NS_EL1, vmidTag(cb), Iotlb.NONE, true, va);
        }
    }

    private void tlbiIpa(int cb, long value) {
        tlb.invalidateIpa(vmidTag(cb), (value & 0xF_FFFF_FFFFL) << 12);
    }

    /** Builds the StreamID → SMR map; more than one match is a conflict. */
    private int[] buildStreamMap() {
        int[] map = new int[1 << SID_BITS];
        Arrays.fill(map, UNMATCHED);
        for (int i = 0; i < NUM_SMR; i++) {
            long v = smr[i].value();
            if ((v & (1L << 31)) == 0) {
                continue;
            }
            int id = (int) (v & 0x7FFF);
            int mask = (int) (v >>> 16) & 0x7FFF;
            for (int sid = 0; sid < map.length; sid++) {
                if (((sid ^ id) & ~mask) == 0) {
                    map[sid] = map[sid] == UNMATCHED ? i : CONFLICT;
                }
            }
        }
        return map;
    }

    // ======================================================================================
    // Translation
    // ======================================================================================

    @Override
    public void translate(MemoryTransaction tx) {
        if (clientPd) {
            return;
        }
        long pa = tlb.lookup(tx.streamId, tx.address, tx.write);
        if (pa >= 0) {
            tx.address = pa;
            return;
        }
        synchronized (lock) {
            long out = translateSlow(tx.streamId, tx.address, tx.write);
            if (out < 0) {
                faults.increment();
                tx.fail(MemResult.ABORT);
            } else {
                tx.address = out;
            }
        }
    }

    private long translateSlow(int sid, long ia, boolean write) {
        int[] map = streamMap;
        if (map == null) {
            map = buildStreamMap();
            streamMap = map;
        }
        int m = sid >= 0 && sid < map.length ? map[sid] : UNMATCHED;
        if (m == CONFLICT) {
            globalFault(GFSR_SMCF, Kind.STREAM_MATCH_CONFLICT, sid, ia, write);
            return -1;
        }
        if (m == UNMATCHED) {
            if ((scr0.value() & SCR0_USFCFG) != 0) {
                globalFault(GFSR_USF, Kind.UNIDENTIFIED_STREAM, sid, ia, write);
                return -1;
            }
            return bypass(sid, ia);
        }
        long s2 = s2cr[m].value();
        int type = (int) (s2 >>> 16) & 3;
        if (type == S2CR_BYPASS) {
            return bypass(sid, ia);
        }
        if (type != S2CR_TRANSLATE) {
            globalFault(GFSR_USF, Kind.UNIDENTIFIED_STREAM, sid, ia, write);
            return -1;
        }
        int cb = (int) (s2 & 0xFF);
        if (cb >= numCb) {
            globalFault(GFSR_UCBF, Kind.UNIMPLEMENTED_CONTEXT_BANK, sid, ia, write);
            return -1;
        }
        return translateContext(cb, sid, ia, write);
    }

    private long bypass(int sid, long ia) {
        tlb.insert(sid, ia, ia, true, true, Iotlb.REGIME_BYPASS, Iotlb.NONE, Iotlb.NONE, 0, 0, 0);
        return ia;
    }

    private long translateContext(int cb, int sid, long ia, boolean write) {
        long ctl = sctlr[cb].value();
        if ((ctl & SCTLR_M) == 0) {
            // MMU disabled for this bank: the stage it would apply is bypassed.
            tlb.insert(sid, ia, ia, true, true, Iotlb.REGIME_NS_EL1, Iotlb.NONE, vmidTag(cb), 0, 0, 0);
            return ia;
        }
        int cbType = (int) (cbar[cb].value() >>> 16) & 3;
        if ((cba2r[cb].value() & 1) == 0 || cbType == CBAR_NESTED) {
            contextFault(cb, FSR_TF, Kind.TRANSLATION, sid, ia, write, 0, false);
            return -1;
        }
        boolean stage2 = cbType == CBAR_S2;
        long t = tcr[cb].value();
        long ttbr = ttbr0[cb].value();
        Vmsav8Walker.Regime r = regime;
        r.stage2 = stage2;
        r.accessFlagFaultDisabled = !stage2 && (ctl & SCTLR_AFFD) != 0;
        r.granuleShift = granule((int) (t >>> 14) & 3);
        r.inputBits = 64 - (int) (t & 0x3F);
        r.ttb = ttbr & 0x0000_FFFF_FFFF_FFF0L;
        int asid = 0;
        if (stage2) {
            // TCR holds VTCR fields: SL0 [7:6], PS [18:16].
            r.startLevel = r.granuleShift < 0 ? -1 : Vmsav8Walker.Regime.stage2StartLevel(r.granuleShift, (int) (t >>> 6) & 3);
            r.outputBits = physicalBits((int) (t >>> 16) & 7);
        } else {
            if ((t & (1L << 7)) != 0) { // EPD0
                contextFault(cb, FSR_TF, Kind.TRANSLATION, sid, ia, write, 0, false);
                return -1;
            }
            r.startLevel = r.granuleShift < 0 ? -1 : Vmsav8Walker.Regime.stage1StartLevel(r.granuleShift, r.inputBits);
            r.outputBits = physicalBits((int) tcr2[cb].value() & 7);
            asid = (tcr2[cb].value() & (1 << 4)) != 0 ? (int) (ttbr >>> 48) & 0xFFFF : (int) (ttbr >>> 48) & 0xFF;
        }
        if (r.granuleShift < 0 || r.check() != null) {
            // A context the walker cannot use: translation fault at the start level.
            contextFault(cb, FSR_TF, Kind.TRANSLATION, sid, ia, write, 0, stage2);
            return -1;
        }
        int f = walker.walk(memory, r, ia, write);
        switch (f) {
            case Vmsav8Walker.OK:
                break;
            case Vmsav8Walker.TRANSLATION:
                contextFault(cb, FSR_TF, Kind.TRANSLATION, sid, ia, write, walker.level, stage2);
                return -1;
            case Vmsav8Walker.ACCESS:
                contextFault(cb, FSR_AFF, Kind.ACCESS, sid, ia, write, walker.level, stage2);
                return -1;
            case Vmsav8Walker.PERMISSION:
                contextFault(cb, FSR_PF, Kind.PERMISSION, sid, ia, write, walker.level, stage2);
                return -1;
            case Vmsav8Walker.ADDR_SIZE:
                contextFault(cb, FSR_ASF, Kind.ADDR_SIZE, sid, ia, write, walker.level, stage2);
                return -1;
            default:
                contextFault(cb, FSR_EF, Kind.WALK_EABT, sid, ia, write, walker.level | FSYNR0_PTWF, stage2);
                return -1;
        }
        long pa = walker.outputAddress;
        if (stage2) {
            tlb.insert(sid, ia, pa, walker.readable, walker.writable, Iotlb.REGIME_NS_EL1, Iotlb.NONE, vmidTag(cb), 0,
                    ia, walker.leafShift);
        } else {
            tlb.insert(sid, ia, pa, walker.readable, walker.writable, Iotlb.REGIME_NS_EL1, asidTag(cb, asid),
                    vmidTag(cb), walker.leafShift, 0, 0);
        }
        return pa;
    }

    /** TCR.TG0 for AArch64 contexts: 0 = 4K, 1 = 64K, 2 = 16K. */
    private static int granule(int tg) {
        switch (tg) {
            case 0: return 12;
            case 1: return 16;
            case 2: return 14;
            default: return -1;
        }
    }

    private static int physicalBits(int ps) {
        switch (ps) {
            case 0: return 32;
            case 1: return 36;
            case 2: return 40;
            case 3: return 42;
            case 4: return 44;
            default: return 48;
        }
    }

    /**
     * A context fault: the first one latches FSR, FAR, FSYNR0 and CBFRSYNRA; a fault while one is
     * outstanding only sets FSR.MULTI. The context interrupt is raised when SCTLR.CFIE is set.
     */
    private void contextFault(int cb, long fsrBit, Kind kind, int sid, long ia, boolean write, long syndrome,
            boolean stage2) {
        long cur = fsr[cb].value();
        if ((cur & FSR_FAULTS) != 0) {
            fsr[cb].set(cur | FSR_MULTI);
        } else {
            fsr[cb].set(cur | fsrBit);
            far[cb].set(ia);
            fsynr0[cb].set((syndrome & 0x403) | (write ? FSYNR0_WNR : 0));
            cbfrsynra[cb].set(sid & 0xFFFF);
        }
        record(new IommuFault(kind, (int) fsrBit, sid, ia, write, stage2, stage2 ? ia : 0, cb));
        if ((sctlr[cb].value() & SCTLR_CFIE) != 0) {
            raise(1 + cb);
        }
    }

    /** A global fault: latched in sGFSR/sGFAR/sGFSYNR0/1 (MULTI if one is outstanding). */
    private void globalFault(long bit, Kind kind, int sid, long ia, boolean write) {
        long cur = sgfsr.value();
        if ((cur & 0x1FF) != 0) {
            sgfsr.set(cur | GFSR_MULTI);
        } else {
            sgfsr.set(cur | bit);
            sgfar.set(ia);
            sgfsynr0.set(write ? 1 << 1 : 0);
            sgfsynr1.set(sid & 0xFFFF);
        }
        record(new IommuFault(kind, (int) bit, sid, ia, write, false, 0, -1));
        if ((scr0.value() & SCR0_GFIE) != 0) {
            raise(0);
        }
    }

    private void record(IommuFault f) {
        recorded++;
        if (recent.size() == RECENT_FAULTS) {
            recent.removeFirst();
        }
        recent.addLast(f);
    }

    private void raise(int line) {
        raised[line]++;
        IommuInterruptSink s = sink;
        if (s != null) {
            s.raise(line);
        }
    }

    // ======================================================================================
    // DeviceModel / Iommu
    // ======================================================================================

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? regs : null;
    }

    @Override
    public Object saveState() {
        Map<String, Long> state = new LinkedHashMap<>();
        for (Register r : regs.registers()) {
            state.put(r.name(), r.value());
        }
        return state;
    }

    @Override
    public void restoreState(Object state) {
        if (!(state instanceof Map<?, ?> map)) {
            return;
        }
        synchronized (lock) {
            for (Register r : regs.registers()) {
                Object v = map.get(r.name());
                if (v instanceof Long value && !r.name().startsWith("ID")) {
                    r.set(value);
                }
            }
            clientPd = (scr0.value() & SCR0_CLIENTPD) != 0;
            streamMap = null;
            tlb.invalidateAll();
        }
    }

    @Override
    public String mode() {
        if (clientPd) {
            return "CLIENTPD: all streams bypass";
        }
        int valid = 0;
        for (Register r : smr) {
            if ((r.value() & (1L << 31)) != 0) {
                valid++;
            }
        }
        return String.format("enabled, %d/%d SMRs valid, unmatched streams %s, %d context banks", valid, NUM_SMR,
                (scr0.value() & SCR0_USFCFG) != 0 ? "fault" : "bypass", numCb);
    }

    @Override
    public String summary() {
        synchronized (lock) {
            return String.format("SMMUv2 %s; IOTLB %d/%d entries, %d hits, %d misses; %d faults, %d recorded",
                    mode(), tlb.occupancy(), tlb.capacity(), tlb.hits(), tlb.misses(), faults.sum(), recorded);
        }
    }

    @Override
    public long iotlbHits() {
        return tlb.hits();
    }

    @Override
    public long iotlbMisses() {
        return tlb.misses();
    }

    @Override
    public long faultCount() {
        return faults.sum();
    }

    @Override
    public List<IommuFault> recentFaults() {
        synchronized (lock) {
            return List.copyOf(recent);
        }
    }

    @Override
    public long recordedFaultCount() {
        synchronized (lock) {
            return recorded;
        }
    }

    @Override
    public List<String> interruptLines() {
        return lines;
    }

    @Override
    public long interruptsRaised(int line) {
        synchronized (lock) {
            return line >= 0 && line < raised.length ? raised[line] : 0;
        }
    }

    @Override
    public void connect(IommuInterruptSink s) {
        sink = s;
    }

    @Override
    public String toString() {
        return "SMMUv2 " + path;
    }
}
