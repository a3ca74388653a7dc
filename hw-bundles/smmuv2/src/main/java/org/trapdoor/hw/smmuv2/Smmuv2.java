package org.trapdoor.hw.smmuv2;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.trace.Tracing;
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

    private final Smmuv2Registers table;
    final RegisterBlock regs;
    final Register scr0, id0, id1, id2, sgfar, sgfsr, sgfsynr0, sgfsynr1;
    final Register[] smr, s2cr, cbar, cbfrsynra, cba2r;
    final Register[] sctlr, tcr2, ttbr0, tcr, fsr, far, fsynr0;

    private volatile boolean clientPd = true;
    /** StreamID → matching SMR index (or UNMATCHED / CONFLICT); null while SMRs changed. */
    private volatile int[] streamMap;
    private final Iotlb tlb = new Iotlb(1024);
    private final LongAdder faults = new LongAdder();
    private final Smmuv2Trace trace;
    private final ArrayDeque<IommuFault> recent = new ArrayDeque<>();
    private long recorded;
    private final long[] raised;
    private final List<String> lines;
    private volatile IommuInterruptSink sink;
    private final Vmsav8Walker walker = new Vmsav8Walker();
    private final Vmsav8Walker.Regime regime = new Vmsav8Walker.Regime();

    /** @param size the frame size: a power of two, half global space and half context banks */
    public Smmuv2(String path, int size, PhysicalMemory memory) {
        this(path, size, memory, Tracing.OFF);
    }

    /** @param tracing where the {@code smmuv2_*} trace points are declared (the machine's registry) */
    public Smmuv2(String path, int size, PhysicalMemory memory, Tracing tracing) {
        this.trace = new Smmuv2Trace(tracing);
        if (size < MIN_SIZE || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException(path + ": SMMUv2 frame size 0x" + Integer.toHexString(size));
        }
        this.path = path;
        this.memory = memory;
        int pages = size / 2 / PAGE;
        this.numCb = Math.min(pages, 16);
        this.cbBase = size / 2;
        long numPageNdxb = Integer.numberOfTrailingZeros(pages) - 1;
        table = new Smmuv2Registers(size, numCb,
                1L << 30 /* S1TS */ | 1L << 29 /* S2TS */ | 1L << 27 /* SMS */ | 1L << 26 /* ATOSNS */
                        | 2L << 24 /* PTFS: AArch64 only */ | (long) numCb << 16 /* NUMIRPT */ | 1L << 14 /* CTTW */
                        | (long) SID_BITS << 9 | NUM_SMR,
                numPageNdxb << 28 | 0L << 16 /* NUMS2CB */ | numCb,
                5 /* IAS 48 */ | 5L << 4 /* OAS 48 */ | 5L << 8 /* UBS */
                        | 1L << 12 | 1L << 13 | 1L << 14 /* PTFS v8 4K/16K/64K */);
        regs = table.block;
        Smmuv2Registers t = table;

        // ---- GR0: what a write does (the table is Smmuv2Registers) ----
        scr0 = t.scr0.onWrite(this::scr0Written);
        id0 = t.id0;
        id1 = t.id1;
        id2 = t.id2;
        sgfar = t.sgfar;
        sgfsr = t.sgfsr;
        t.sgfsrRestore.onWrite((p, w) -> sgfsr.set(w));
        sgfsynr0 = t.sgfsynr0;
        sgfsynr1 = t.sgfsynr1;
        t.stlbiall.onWrite((p, w) -> invalidate(tlb::invalidateAll));
        t.tlbivmid.onWrite((p, w) -> invalidate(() -> invalidateVmid((int) t.tlbivmidVmid.extract(w))));
        t.tlbiallnsnh.onWrite((p, w) -> invalidate(() -> tlb.invalidateRegime(Iotlb.REGIME_NS_EL1)));
        t.tlbiallh.onWrite((p, w) -> invalidate(() -> tlb.invalidateRegime(Iotlb.REGIME_EL2)));
        smr = t.smr;
        s2cr = t.s2cr;
        for (int i = 0; i < NUM_SMR; i++) {
            smr[i].onWrite((p, w) -> configChanged(true));
            s2cr[i].onWrite((p, w) -> configChanged(false));
        }

        // ---- GR1 ----
        cbar = t.cbar;
        cbfrsynra = t.cbfrsynra;
        cba2r = t.cba2r;
        for (int i = 0; i < numCb; i++) {
            cbar[i].onWrite((p, w) -> configChanged(false));
            cba2r[i].onWrite((p, w) -> configChanged(false));
        }

        // ---- Context banks ----
        sctlr = t.sctlr;
        tcr2 = t.tcr2;
        ttbr0 = t.ttbr0;
        tcr = t.tcr;
        fsr = t.fsr;
        far = t.far;
        fsynr0 = t.fsynr0;
        for (int i = 0; i < numCb; i++) {
            final int cb = i;
            sctlr[i].onWrite((p, w) -> configChanged(false));
            t.fsrRestore[i].onWrite((p, w) -> fsr[cb].set(w));
            t.tlbiva[i].onWrite((p, w) -> invalidate(() -> tlbiVa(cb, w, true)));
            t.tlbivaa[i].onWrite((p, w) -> invalidate(() -> tlbiVa(cb, w, false)));
            t.tlbiasid[i].onWrite((p, w) -> invalidate(() -> tlb.invalidateStage1(
                    Iotlb.REGIME_NS_EL1, Iotlb.NONE, asidTag(cb, (int) w & 0xFFFF), false, 0)));
            t.tlbiall[i].onWrite((p, w) -> invalidate(() -> tlb.invalidateVmid(vmidTag(cb))));
            t.tlbival[i].onWrite((p, w) -> invalidate(() -> tlbiVa(cb, w, true)));
            t.tlbivaal[i].onWrite((p, w) -> invalidate(() -> tlbiVa(cb, w, false)));
            t.tlbiipas2[i].onWrite((p, w) -> invalidate(() -> tlbiIpa(cb, w)));
            t.tlbiipas2l[i].onWrite((p, w) -> invalidate(() -> tlbiIpa(cb, w)));
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
            if (trace.translate.on()) {
                trace.translate.emit(tx.streamId, tx.address, tx.address, tx.write ? 1 : 0, 0);
            }
            return;
        }
        long pa = tlb.lookup(tx.streamId, tx.address, tx.write);
        if (pa >= 0) {
            if (trace.translate.on()) {
                trace.translate.emit(tx.streamId, tx.address, pa, tx.write ? 1 : 0, 1);
            }
            tx.address = pa;
            return;
        }
        synchronized (lock) {
            long out = translateSlow(tx.streamId, tx.address, tx.write);
            if (out < 0) {
                faults.increment();
                tx.fail(MemResult.ABORT);
            } else {
                if (trace.translate.on()) {
                    trace.translate.emit(tx.streamId, tx.address, out, tx.write ? 1 : 0, 2);
                }
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
        if (trace.fault.on()) {
            trace.fault.emit(f.kind().ordinal(), f.streamId(), f.address(), f.write() ? 1 : 0, f.context());
        }
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
