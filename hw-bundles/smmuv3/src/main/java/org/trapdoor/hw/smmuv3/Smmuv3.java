package org.trapdoor.hw.smmuv3;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.iommu.IommuFault.Kind;
import org.trapdoor.api.iommu.IommuInterruptSink;
import org.trapdoor.api.iommu.Iotlb;
import org.trapdoor.api.iommu.Vmsav8Walker;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.Field;

/**
 * Arm SMMUv3 (non-secure programming interface): page 0 and page 1 registers, linear and
 * 2-level stream tables, STE and CD decode, stage-1, stage-2 and nested VMSAv8-64 translation,
 * an IOTLB and configuration cache with CFGI/TLBI invalidation, the command queue and the event
 * queue in emulated memory.
 *
 * <p>Choices where the architecture leaves room (documented in IDR values and here):
 * <ul>
 * <li>No substreams (IDR1.SSIDSIZE = 0): an STE with S1CDMax ≠ 0 is C_BAD_STE.</li>
 * <li>No stalls (IDR0.STALL_MODEL = 1), ATS or PRI: CMD_RESUME, CMD_ATC_INV, CMD_PRI_RESP and
 * STE.S2S / CD.S are illegal.</li>
 * <li>A command error stops consumption with CMDQ_CONS pointing at the bad command until
 * software makes GERRORN.CMDQ_ERR equal to GERROR.CMDQ_ERR; consumption then resumes at that
 * entry (Linux replaces it with a CMD_SYNC first) and CONS.ERR reads 0 again.</li>
 * <li>Only TTB0 is walked: stage-1 inputs outside the TTB0 range fault with F_TRANSLATION.</li>
 * <li>CFGI_STE also drops the stream's IOTLB entries (the TLB is indexed by StreamID).</li>
 * <li>Optional, off unless the node has {@code trapdoor,fault-write-data}: the named capability
 * {@link #FAULT_WDATA}, a data-capturing abort no real SMMU has (event records carry address,
 * direction and StreamID, never the data): a write that faults in translation or permission is
 * still aborted, and its event record also carries the write's data, so that software can
 * recover a message it refused to map (the 2017 thread's "let the SMMU abort and sanitise").
 * Bit 0 of the IMPLEMENTATION DEFINED register at 0x0E00 says it is there.</li>
 * </ul>
 */
public final class Smmuv3 implements Iommu {
    private static final Logger LOG = LoggerFactory.getLogger(Smmuv3.class);

    /** Page 0 and page 1. */
    public static final int FRAME_SIZE = 0x20000;
    /**
     * The data-capturing abort: in a faulting write's F_TRANSLATION / F_PERMISSION record, dw1
     * bits [31:0] (STAG and Stall, unused by an SMMU that never stalls) hold the write's low 32
     * bits, [62:61] log2 of its size and bit 63 (RES0 architecturally) says the data is valid.
     */
    public static final String FAULT_WDATA = "FAULT_WDATA";
    /** The IMPLEMENTATION DEFINED feature register and its FAULT_WDATA bit. */
    public static final int IMPDEF_FEAT = 0x0E00, IMPDEF_FEAT_WDATA = 1;
    /** dw1's data-valid bit under {@link #FAULT_WDATA}. */
    public static final long EVT_WDATA_VALID = 1L << 63;

    // ---- ID register values --------------------------------------------------------------
    static final int SIDSIZE = 16;
    static final int CMDQS = 19;
    static final int EVTQS = 19;
    /** IDR5.OAS = 5: 48-bit physical addresses. */
    static final int OAS_BITS = 48;
    static final long IDR0 = 1L << 0 // S2P
            | 1L << 1 // S1P
            | 2L << 2 // TTF: AArch64 tables only
            | 1L << 4 // COHACC
            | 1L << 9 // HYP
            | 1L << 12 // ASID16
            | 1L << 13 // MSI
            | 1L << 14 // SEV
            | 1L << 18 // VMID16
            | 2L << 21 // TTENDIAN: little-endian only
            | 1L << 24 // STALL_MODEL = 1: stalls not supported
            | 1L << 26 // TERM_MODEL = 1: faults terminate (so CD.A = 0 is illegal)
            | 1L << 27; // ST_LVL = 1: 2-level stream tables
    static final long IDR1 = SIDSIZE | 0L << 6 /* SSIDSIZE */ | 0L << 11 /* PRIQS */ | (long) EVTQS << 16
            | (long) CMDQS << 21;
    static final long IDR5 = 5 /* OAS 48 */ | 1L << 4 /* GRAN4K */ | 1L << 5 /* GRAN16K */ | 1L << 6 /* GRAN64K */;
    static final long IIDR = 0x43B; // Arm Ltd.
    static final long AIDR = 0x1; // SMMUv3.1

    // ---- Register fields -----------------------------------------------------------------
    static final int CMDQ_ERR_NONE = 0, CMDQ_ERR_ILL = 1, CMDQ_ERR_ABT = 2;
    static final long ADDR_MASK = 0x000F_FFFF_FFFF_FFFFL;

    // ---- Event IDs -----------------------------------------------------------------------
    static final int C_BAD_STREAMID = 0x02, F_STE_FETCH = 0x03, C_BAD_STE = 0x04, F_CD_FETCH = 0x09,
            C_BAD_CD = 0x0A, F_WALK_EABT = 0x0B, F_TRANSLATION = 0x10, F_ADDR_SIZE = 0x11, F_ACCESS = 0x12,
            F_PERMISSION = 0x13;
    static final int CLASS_CD = 0, CLASS_TT = 1, CLASS_IN = 2;

    // ---- Commands ------------------------------------------------------------------------
    static final int CMD_PREFETCH_CONFIG = 0x01, CMD_PREFETCH_ADDR = 0x02, CMD_CFGI_STE = 0x03,
            CMD_CFGI_STE_RANGE = 0x04, CMD_CFGI_CD = 0x05, CMD_CFGI_CD_ALL = 0x06, CMD_TLBI_NH_ALL = 0x10,
            CMD_TLBI_NH_ASID = 0x11, CMD_TLBI_NH_VA = 0x12, CMD_TLBI_NH_VAA = 0x13, CMD_TLBI_EL2_ALL = 0x20,
            CMD_TLBI_EL2_ASID = 0x21, CMD_TLBI_EL2_VA = 0x22, CMD_TLBI_S12_VMALL = 0x28, CMD_TLBI_S2_IPA = 0x2A,
            CMD_TLBI_NSNH_ALL = 0x30, CMD_SYNC = 0x46;

    /** Interrupt outputs, in the binding's {@code interrupt-names} order. */
    static final int LINE_EVTQ = 0, LINE_PRIQ = 1, LINE_CMD_SYNC = 2, LINE_GERROR = 3;
    private static final List<String> LINES = List.of("eventq", "priq", "cmdq-sync", "gerror");
    private static final int RECENT_FAULTS = 64;

    private final String path;
    private final PhysicalMemory memory;
    private final AddressSpace system;
    private final Object lock = new Object();

    /** The register table (Smmuv3Registers.java); the behaviour of writes is hooked here. */
    final Smmuv3Registers regs = new Smmuv3Registers();

    // Hot-path state, published by register writes.
    private volatile boolean enabled;
    private volatile boolean gbpaAbort;
    private final Iotlb tlb = new Iotlb(1024);
    private final LongAdder faults = new LongAdder();
    private final Smmuv3Trace trace;

    // Slow-path state (under lock).
    private final Map<Integer, StreamConfig> configs = new HashMap<>();
    private final ArrayDeque<IommuFault> recent = new ArrayDeque<>();
    private long recorded;
    private long eventsLostDisabled;
    private long eventOverflows;
    private long commandsExecuted;
    private long syncSev;
    /** Why the last C_BAD_STE or C_BAD_CD was recorded (the shell's summary says it), or null. */
    private String lastBadConfig;
    // True while the command processor runs (under lock): its own MSI writes do not re-enter it.
    private boolean consuming;
    private final long[] raised = new long[LINES.size()];
    private volatile IommuInterruptSink sink;

    private final Vmsav8Walker s1Walker = new Vmsav8Walker();
    private final Vmsav8Walker s2Walker = new Vmsav8Walker();
    private final Vmsav8Walker tableWalker = new Vmsav8Walker();
    // The transaction being translated on the slow path, for the nested table translator.
    private StreamConfig curConfig;
    private int curSid;
    private long curIova;
    private boolean curWrite;
    private final boolean faultWriteData;
    // The write being translated on the slow path (FAULT_WDATA): its data and size.
    private long curData;
    private int curSize;
    private final Vmsav8Walker.TableTranslator nestedTables = this::stage2TableAddress;

    public Smmuv3(String path, PhysicalMemory memory, AddressSpace system) {
        this(path, memory, system, false, Tracing.OFF);
    }

    /** @param faultWriteData whether the model has the {@link #FAULT_WDATA} capability */
    public Smmuv3(String path, PhysicalMemory memory, AddressSpace system, boolean faultWriteData) {
        this(path, memory, system, faultWriteData, Tracing.OFF);
    }

    /** @param tracing where the {@code smmuv3_*} trace points are declared (the machine's registry) */
    public Smmuv3(String path, PhysicalMemory memory, AddressSpace system, Tracing tracing) {
        this(path, memory, system, false, tracing);
    }

    /**
     * @param faultWriteData whether the model has the {@link #FAULT_WDATA} capability
     * @param tracing where the {@code smmuv3_*} trace points are declared (the machine's registry)
     */
    public Smmuv3(String path, PhysicalMemory memory, AddressSpace system, boolean faultWriteData, Tracing tracing) {
        this.faultWriteData = faultWriteData;
        regs.impdefFeatures.set(faultWriteData ? IMPDEF_FEAT_WDATA : 0);
        this.trace = new Smmuv3Trace(tracing);
        this.path = path;
        this.memory = memory;
        this.system = system;
        // What a write does; the registers, their fields and access are in Smmuv3Registers.
        regs.cr0.onWrite(this::cr0Written);
        regs.gbpa.onWrite(this::gbpaWritten);
        regs.irqCtrl.onWrite((p, w) -> regs.irqCtrlAck.set(w));
        regs.gerrorn.onWrite(this::gerrornWritten);
        // Stream table and queue bases are fixed while the unit using them is enabled.
        keepWhileEnabled(regs.strtabBase, regs.cr0SmmuEn);
        keepWhileEnabled(regs.strtabBaseCfg, regs.cr0SmmuEn);
        keepWhileEnabled(regs.cmdqBase, regs.cr0CmdqEn);
        regs.cmdqProd.onWrite((p, w) -> processCommands());
        keepWhileEnabled(regs.cmdqCons, regs.cr0CmdqEn);
        keepWhileEnabled(regs.eventqBase, regs.cr0EvtqEn);
        keepWhileEnabled(regs.eventqProd, regs.cr0EvtqEn);
    }

    // ======================================================================================
    // Registers
    // ======================================================================================

    /** Writes to a base/index register are ignored while the unit that uses it is enabled. */
    private static void keepWhileEnabled(Register r, Field enable) {
        r.onWrite((previous, written) -> {
            if (enable.isSet()) {
                r.set(previous);
            }
        });
    }

    private void cr0Written(long previous, long written) {
        regs.cr0ack.set(written);
        enabled = regs.cr0SmmuEn.isSetIn(written);
        if (regs.cr0CmdqEn.isSetIn(written) && !regs.cr0CmdqEn.isSetIn(previous)) {
            processCommands();
        }
    }

    /** GBPA: fields take effect only with UPDATE = 1, and the update completes at once. */
    private void gbpaWritten(long previous, long written) {
        if (!regs.gbpaUpdate.isSetIn(written)) {
            regs.gbpa.set(previous);
            return;
        }
        regs.gbpa.set(written & ~regs.gbpaUpdate.mask());
        gbpaAbort = regs.gbpaAbort.isSetIn(written);
    }

    private void gerrornWritten(long previous, long written) {
        // Acknowledging CMDQ_ERR lets the command queue move again.
        long cmdqErr = regs.gerrorCmdqErr.mask();
        if (((regs.gerror.value() ^ written) & cmdqErr) == 0 && ((regs.gerror.value() ^ previous) & cmdqErr) != 0) {
            synchronized (lock) {
                regs.cmdqCons.set(regs.cmdqCons.value() & 0xF_FFFF);
            }
            processCommands();
        }
    }

    /** A global error is active while its GERROR bit differs from GERRORN's. */
    private boolean gerrorActive(Field error) {
        return ((regs.gerror.value() ^ regs.gerrorn.value()) & error.mask()) != 0;
    }

    /** Makes a global error active (toggles its GERROR bit unless already active) and signals it. */
    private void raiseGlobalError(Field error) {
        if (gerrorActive(error)) {
            return;
        }
        regs.gerror.set(regs.gerror.value() ^ error.mask());
        if (regs.irqCtrlGerrorEn.isSet() && error != regs.gerrorMsiGerrorAbtErr) {
            signal(LINE_GERROR, regs.gerrorIrqCfg0.value(), regs.gerrorIrqCfg1.value(), regs.gerrorMsiGerrorAbtErr);
        }
    }

    /** An interrupt: an MSI write when its IRQ_CFG0 address is set, else the wired line. */
    private void signal(int line, long msiAddress, long msiData, Field msiAbortError) {
        raised[line]++;
        if (msiAddress != 0) {
            if (!msiWrite(msiAddress, msiData)) {
                raiseGlobalError(msiAbortError);
            }
            return;
        }
        IommuInterruptSink s = sink;
        if (s != null) {
            s.raise(line);
        }
    }

    private boolean msiWrite(long address, long data) {
        if (system != null) {
            return system.write(address, 4, data & 0xFFFF_FFFFL) == MemResult.OK;
        }
        if (!memory.isRam(address, 4)) {
            return false;
        }
        memory.store32(address, (int) data);
        return true;
    }

    // ======================================================================================
    // Queues
    // ======================================================================================

    private static int log2Size(Register base, int max) {
        return (int) Math.min(base.value() & 0x1F, max);
    }

    private static long queueBase(Register base) {
        return base.value() & 0x000F_FFFF_FFFF_FFE0L;
    }

    /** Index + wrap bits of a queue pointer. */
    private static long ptr(long reg, int log2) {
        return reg & ((1L << (log2 + 1)) - 1);
    }

    private static long next(long p, int log2) {
        return (p + 1) & ((1L << (log2 + 1)) - 1);
    }

    /**
     * Consumes commands from CMDQ_CONS up to CMDQ_PROD while the queue is enabled and error-free.
     * A command's own MSI write may land on this SMMU's registers (a CMD_SYNC whose MSI address
     * is CMDQ_PROD, GERRORN or CR0): the command processor is not re-entered, it sees the new
     * values before its next command, as hardware's single consumer does. One call consumes at
     * most one lap of the pointer space (2 x the queue's entries): every outside CMDQ_PROD write
     * kicks the processor again afterwards, so only a queue fed by its own MSI writes waits for
     * the next outside write instead of running forever.
     */
    void processCommands() {
        synchronized (lock) {
            if (consuming) {
                return;
            }
            consuming = true;
            try {
                consumeCommands();
            } finally {
                consuming = false;
            }
        }
    }

    private void consumeCommands() {
        int log2 = log2Size(regs.cmdqBase, CMDQS);
        long base = queueBase(regs.cmdqBase);
        long cons = ptr(regs.cmdqCons.value(), log2);
        for (long budget = 2L << log2; budget > 0; budget--) {
            if (!regs.cr0CmdqEn.isSet() || gerrorActive(regs.gerrorCmdqErr)
                    || cons == ptr(regs.cmdqProd.value(), log2)) {
                return;
            }
            long entry = base + (cons & ((1L << log2) - 1)) * 16;
            long dw0;
            long dw1;
            try {
                dw0 = memory.load64(entry);
                dw1 = memory.load64(entry + 8);
            } catch (MemoryAccessException e) {
                commandError(cons, CMDQ_ERR_ABT);
                return;
            }
            boolean ok = execute(dw0, dw1);
            if (trace.command.on()) {
                trace.command.emit(dw0 & 0xff, dw0, dw1, ok ? 1 : 0);
            }
            if (!ok) {
                commandError(cons, CMDQ_ERR_ILL);
                return;
            }
            commandsExecuted++;
            cons = next(cons, log2);
            regs.cmdqCons.set(cons);
        }
    }

    private void commandError(long cons, int err) {
        regs.cmdqCons.set(cons | (long) err << 24);
        LOG.debug("{}: command queue error {} at index 0x{}", path, err, Long.toHexString(cons));
        raiseGlobalError(regs.gerrorCmdqErr);
    }

    /** Executes one command; false when it is illegal (unknown opcode or reserved encoding). */
    private boolean execute(long dw0, long dw1) {
        int op = (int) (dw0 & 0xFF);
        int sid = (int) (dw0 >>> 32);
        int vmid = (int) (dw0 >>> 32) & 0xFFFF;
        int asid = (int) (dw0 >>> 48) & 0xFFFF;
        switch (op) {
            case CMD_PREFETCH_CONFIG:
            case CMD_PREFETCH_ADDR:
                // Prefetching is a hint; nothing is cached ahead of use.
                return true;
            case CMD_CFGI_STE:
            case CMD_CFGI_CD:
            case CMD_CFGI_CD_ALL:
                invalidateConfig(sid);
                return true;
            case CMD_CFGI_STE_RANGE: {
                int range = (int) (dw1 & 0x1F);
                if (range == 31) {
                    configs.clear();
                    tlb.invalidateAll();
                    return true;
                }
                long span = 1L << (range + 1);
                long first = (sid & 0xFFFF_FFFFL) & -span;
                configs.keySet().removeIf(s -> (s & 0xFFFF_FFFFL) >= first && (s & 0xFFFF_FFFFL) < first + span);
                for (long s = first; s < first + span && s <= 0xFFFF; s++) {
                    tlb.invalidateStream((int) s);
                }
                return true;
            }
            case CMD_TLBI_NH_ALL:
                tlb.invalidateStage1(Iotlb.REGIME_NS_EL1, vmid, Iotlb.NONE, false, 0);
                return true;
            case CMD_TLBI_NH_ASID:
                tlb.invalidateStage1(Iotlb.REGIME_NS_EL1, vmid, asid, false, 0);
                return true;
            case CMD_TLBI_NH_VA:
                tlb.invalidateStage1(Iotlb.REGIME_NS_EL1, vmid, asid, true, dw1 & 0x000F_FFFF_FFFF_F000L);
                return true;
            case CMD_TLBI_NH_VAA:
                tlb.invalidateStage1(Iotlb.REGIME_NS_EL1, vmid, Iotlb.NONE, true, dw1 & 0x000F_FFFF_FFFF_F000L);
                return true;
            case CMD_TLBI_EL2_ALL:
                tlb.invalidateRegime(Iotlb.REGIME_EL2);
                return true;
            case CMD_TLBI_EL2_ASID:
                tlb.invalidateStage1(Iotlb.REGIME_EL2, Iotlb.NONE, asid, false, 0);
                return true;
            case CMD_TLBI_EL2_VA:
                tlb.invalidateStage1(Iotlb.REGIME_EL2, Iotlb.NONE, asid, true, dw1 & 0x000F_FFFF_FFFF_F000L);
                return true;
            case CMD_TLBI_S12_VMALL:
                tlb.invalidateVmid(vmid);
                return true;
            case CMD_TLBI_S2_IPA:
                tlb.invalidateIpa(vmid, dw1 & 0x000F_FFFF_FFFF_F000L);
                return true;
            case CMD_TLBI_NSNH_ALL:
                tlb.invalidateRegime(Iotlb.REGIME_NS_EL1);
                return true;
            case CMD_SYNC:
                return sync(dw0, dw1);
            default:
                return false;
        }
    }

    private void invalidateConfig(int sid) {
        configs.remove(sid);
        tlb.invalidateStream(sid);
    }

    /** CMD_SYNC: every earlier command has completed; signal per CS. */
    private boolean sync(long dw0, long dw1) {
        int cs = (int) (dw0 >>> 12) & 3;
        switch (cs) {
            case 0:
                return true;
            case 1: {
                long msiAddress = dw1 & 0x000F_FFFF_FFFF_FFFCL;
                signal(LINE_CMD_SYNC, msiAddress, dw0 >>> 32, regs.gerrorMsiCmdqAbtErr);
                return true;
            }
            case 2:
                syncSev++;
                return true;
            default:
                return false;
        }
    }

    /**
     * Writes a 32-byte event record; a disabled queue drops it, a full one sets the overflow
     * flag (PROD.OVFLG differs from CONS.OVACKFLG until software acknowledges).
     */
    private void recordEvent(IommuFault f, long dw0, long dw1, long dw2, long dw3) {
        recorded++;
        if (recent.size() == RECENT_FAULTS) {
            recent.removeFirst();
        }
        recent.addLast(f);
        if (trace.event.on()) {
            trace.event.emit(dw0 & 0xff, dw0 >>> 32, dw2, queueOutcome());
        }
        if (!regs.cr0EvtqEn.isSet()) {
            eventsLostDisabled++;
            return;
        }
        int log2 = log2Size(regs.eventqBase, EVTQS);
        long prodReg = regs.eventqProd.value();
        long prod = ptr(prodReg, log2);
        long cons = ptr(regs.eventqCons.value(), log2);
        long idxMask = (1L << log2) - 1;
        if ((prod & idxMask) == (cons & idxMask) && prod != cons) {
            eventOverflows++;
            if (((prodReg ^ regs.eventqCons.value()) & regs.eventqConsOvackflg.mask()) == 0) {
                regs.eventqProd.set(prodReg ^ regs.eventqProdOvflg.mask());
            }
            return;
        }
        long entry = queueBase(regs.eventqBase) + (prod & idxMask) * 32;
        if (!memory.isRam(entry, 32)) {
            raiseGlobalError(regs.gerrorEvtqAbtErr);
            return;
        }
        memory.store64(entry, dw0);
        memory.store64(entry + 8, dw1);
        memory.store64(entry + 16, dw2);
        memory.store64(entry + 24, dw3);
        regs.eventqProd.set((prodReg & regs.eventqProdOvflg.mask()) | next(prod, log2));
        if (regs.irqCtrlEvtqEn.isSet()) {
            signal(LINE_EVTQ, regs.eventqIrqCfg0.value(), regs.eventqIrqCfg1.value(), regs.gerrorMsiEvtqAbtErr);
        }
    }

    /** What {@link #recordEvent} is about to do with a record (0 written, 1 disabled, 2 full, 3 not RAM). */
    private int queueOutcome() {
        if (!regs.cr0EvtqEn.isSet()) {
            return 1;
        }
        int log2 = log2Size(regs.eventqBase, EVTQS);
        long prod = ptr(regs.eventqProd.value(), log2);
        long cons = ptr(regs.eventqCons.value(), log2);
        long idxMask = (1L << log2) - 1;
        if ((prod & idxMask) == (cons & idxMask) && prod != cons) {
            return 2;
        }
        return memory.isRam(queueBase(regs.eventqBase) + (prod & idxMask) * 32, 32) ? 0 : 3;
    }

    /** Configuration errors and fetch faults: always recorded. */
    private void configEvent(int id, Kind kind, int sid, long fetchAddress) {
        long dw3 = (id == F_STE_FETCH || id == F_CD_FETCH) ? fetchAddress & 0x000F_FFFF_FFFF_FFF8L : 0;
        recordEvent(new IommuFault(kind, id, sid, 0, false, false, dw3, -1),
                id | (long) sid << 32, 0, 0, dw3);
    }

    /** Translation faults: RnW, S2, CLASS, input address and IPA. */
    private void walkEvent(int id, Kind kind, int sid, long iova, boolean write, boolean s2, long ipa, int cls) {
        long dw1 = (write ? 0 : 1L << 35) | (s2 ? 1L << 39 : 0) | (long) cls << 40;
        if (faultWriteData && write && (kind == Kind.TRANSLATION || kind == Kind.PERMISSION)) {
            dw1 |= EVT_WDATA_VALID | (long) (Integer.numberOfTrailingZeros(Math.max(1, curSize)) & 3) << 61
                    | (curData & 0xffff_ffffL);
        }
        long dw3 = s2 ? ipa & 0x000F_FFFF_FFFF_F000L : 0;
        recordEvent(new IommuFault(kind, id, sid, iova, write, s2, dw3, -1),
                id | (long) sid << 32, dw1, iova, dw3);
    }

    // ======================================================================================
    // Translation
    // ======================================================================================

    @Override
    public void translate(MemoryTransaction tx) {
        if (!enabled) {
            // SMMUEN = 0: GBPA decides for every stream.
            if (gbpaAbort) {
                faults.increment();
                if (trace.fault.on()) {
                    trace.fault.emit(tx.streamId, tx.address, tx.write ? 1 : 0, 0);
                }
                tx.fail(MemResult.ABORT);
            } else if (trace.translate.on()) {
                trace.translate.emit(tx.streamId, tx.address, tx.address, tx.write ? 1 : 0, Smmuv3Trace.GBPA);
            }
            return;
        }
        long pa = tlb.lookup(tx.streamId, tx.address, tx.write);
        if (pa >= 0) {
            if (trace.translate.on()) {
                trace.translate.emit(tx.streamId, tx.address, pa, tx.write ? 1 : 0, Smmuv3Trace.TLB);
            }
            tx.address = pa;
            return;
        }
        synchronized (lock) {
            curData = tx.data;
            curSize = tx.size;
            long out = translateSlow(tx.streamId, tx.address, tx.write);
            if (out < 0) {
                faults.increment();
                if (trace.fault.on()) {
                    trace.fault.emit(tx.streamId, tx.address, tx.write ? 1 : 0, 1);
                }
                tx.fail(MemResult.ABORT);
            } else {
                if (trace.translate.on()) {
                    trace.translate.emit(tx.streamId, tx.address, out, tx.write ? 1 : 0, Smmuv3Trace.WALK);
                }
                tx.address = out;
            }
        }
    }

    /** Configuration fetch and table walk; returns the output address or -1 after a fault. */
    private long translateSlow(int sid, long iova, boolean write) {
        curSid = sid;
        curIova = iova;
        curWrite = write;
        StreamConfig cfg = config(sid);
        if (cfg == null || cfg.abort) {
            return -1;
        }
        if (cfg.bypass) {
            tlb.insert(sid, iova, iova, true, true, Iotlb.REGIME_BYPASS, Iotlb.NONE, Iotlb.NONE, 0, 0, 0);
            return iova;
        }
        long ipa = iova;
        boolean readable = true;
        boolean writable = true;
        int s1Shift = 0;
        if (cfg.s1 != null) {
            curConfig = cfg;
            if (cfg.epd0) {
                stageFault(Vmsav8Walker.TRANSLATION, cfg.cdRecord, sid, iova, write, false, 0, CLASS_IN);
                return -1;
            }
            int f = s1Walker.walk(memory, cfg.s1, iova, write, cfg.s2 != null ? nestedTables : null);
            if (f == Vmsav8Walker.TABLE_STAGE2) {
                return -1; // stage 2 recorded its own fault
            }
            if (f != Vmsav8Walker.OK) {
                stageFault(f, cfg.cdRecord, sid, iova, write, false, 0, CLASS_IN);
                return -1;
            }
            ipa = s1Walker.outputAddress;
            readable = s1Walker.readable;
            writable = s1Walker.writable;
            s1Shift = s1Walker.leafShift;
        }
        long pa = ipa;
        int s2Shift = 0;
        if (cfg.s2 != null) {
            int f = s2Walker.walk(memory, cfg.s2, ipa, write);
            if (f != Vmsav8Walker.OK) {
                stageFault(f, cfg.s2Record, sid, iova, write, true, ipa, CLASS_IN);
                return -1;
            }
            pa = s2Walker.outputAddress;
            readable &= s2Walker.readable;
            writable &= s2Walker.writable;
            s2Shift = s2Walker.leafShift;
        }
        tlb.insert(sid, iova, pa, readable, writable, cfg.regime, cfg.s1 != null ? cfg.asid : Iotlb.NONE,
                cfg.s2 != null ? cfg.vmid : Iotlb.NONE, s1Shift, cfg.s2 != null ? ipa : 0, s2Shift);
        return pa;
    }

    /** Nested: a stage-1 table (or CD) address is an IPA; translate it through stage 2 for a read. */
    private long stage2TableAddress(long tableIpa) {
        StreamConfig cfg = curConfig;
        int f = tableWalker.walk(memory, cfg.s2, tableIpa, false);
        if (f != Vmsav8Walker.OK) {
            stageFault(f, cfg.s2Record, curSid, curIova, curWrite, true, tableIpa, CLASS_TT);
            return -1;
        }
        return tableWalker.outputAddress;
    }

    /** Maps a walk fault to its event; translation-class faults are recorded only with R set. */
    private void stageFault(int f, boolean record, int sid, long iova, boolean write, boolean s2, long ipa, int cls) {
        switch (f) {
            case Vmsav8Walker.EXTERNAL_ABORT:
                walkEvent(F_WALK_EABT, Kind.WALK_EABT, sid, iova, write, s2, ipa, cls);
                return;
            case Vmsav8Walker.TRANSLATION:
                if (record) {
                    walkEvent(F_TRANSLATION, Kind.TRANSLATION, sid, iova, write, s2, ipa, cls);
                }
                return;
            case Vmsav8Walker.ADDR_SIZE:
                if (record) {
                    walkEvent(F_ADDR_SIZE, Kind.ADDR_SIZE, sid, iova, write, s2, ipa, cls);
                }
                return;
            case Vmsav8Walker.ACCESS:
                if (record) {
                    walkEvent(F_ACCESS, Kind.ACCESS, sid, iova, write, s2, ipa, cls);
                }
                return;
            case Vmsav8Walker.PERMISSION:
                if (record) {
                    walkEvent(F_PERMISSION, Kind.PERMISSION, sid, iova, write, s2, ipa, cls);
                }
                return;
            default:
                return;
        }
    }

    // ======================================================================================
    // Stream table and context descriptors
    // ======================================================================================

    /** A decoded STE (and CD): what the configuration cache holds per StreamID. */
    static final class StreamConfig {
        boolean abort;
        boolean bypass;
        int regime = Iotlb.REGIME_NS_EL1;
        Vmsav8Walker.Regime s1;
        Vmsav8Walker.Regime s2;
        boolean cdRecord;
        boolean s2Record;
        /** CD.EPD0: TTB0 walks disabled, every stage-1 input faults. */
        boolean epd0;
        int asid;
        int vmid;
    }

    /** The cached configuration of {@code sid}, fetching and decoding it on a miss; null after a fault. */
    private StreamConfig config(int sid) {
        StreamConfig c = configs.get(sid);
        if (c == null) {
            c = decodeStream(sid);
            if (c != null) {
                configs.put(sid, c);
            }
        }
        return c;
    }

    private StreamConfig decodeStream(int sid) {
        long cfgReg = regs.strtabBaseCfg.value();
        int log2 = (int) Math.min(cfgReg & 0x3F, SIDSIZE);
        if (sid < 0 || sid >= (1 << log2)) {
            configEvent(C_BAD_STREAMID, Kind.BAD_STREAMID, sid, 0);
            return null;
        }
        long base = regs.strtabBase.value() & 0x000F_FFFF_FFFF_FFC0L;
        long ste;
        if (((cfgReg >>> 16) & 3) == 1) {
            int split = (int) Math.max(6, Math.min((cfgReg >>> 6) & 0x1F, 10));
            long l1 = base + (long) (sid >>> split) * 8;
            if (!memory.isRam(l1, 8)) {
                configEvent(F_STE_FETCH, Kind.STE_FETCH, sid, l1);
                return null;
            }
            long desc = memory.load64(l1);
            int span = (int) Math.min(desc & 0x1F, split + 1);
            if (span == 0) {
                configEvent(C_BAD_STREAMID, Kind.BAD_STREAMID, sid, 0);
                return null;
            }
            int l2Index = sid & ((1 << split) - 1);
            if (l2Index >= (1 << (span - 1))) {
                configEvent(C_BAD_STE, Kind.BAD_STE, sid, 0);
                return null;
            }
            ste = (desc & 0x000F_FFFF_FFFF_FFC0L) + (long) l2Index * 64;
        } else {
            ste = base + (long) sid * 64;
        }
        if (!memory.isRam(ste, 64)) {
            configEvent(F_STE_FETCH, Kind.STE_FETCH, sid, ste);
            return null;
        }
        long dw0 = memory.load64(ste);
        long dw1 = memory.load64(ste + 8);
        long dw2 = memory.load64(ste + 16);
        long dw3 = memory.load64(ste + 24);
        String bad = null;
        StreamConfig c = new StreamConfig();
        int config = (int) (dw0 >>> 1) & 7;
        int strw = (int) (dw1 >>> 30) & 3;
        if ((dw0 & 1) == 0) {
            bad = "V = 0";
        } else if ((config & 4) == 0) {
            c.abort = true; // Config 0b0xx: terminate silently.
            return c;
        } else if (config == 4) {
            c.bypass = true;
            return c;
        } else if (strw == 1 || strw == 3 || (strw == 2 && config != 5)) {
            bad = "STRW " + strw + " with Config " + config;
        }
        if (bad == null && (config & 2) != 0) {
            bad = decodeStage2(c, dw2, dw3);
        }
        if (bad == null && (config & 1) != 0) {
            if ((dw0 >>> 59) != 0) {
                bad = "S1CDMax " + (dw0 >>> 59) + " with no substream support";
            } else if (((dw0 & 0x000F_FFFF_FFFF_FFC0L) >>> OAS_BITS) != 0) {
                bad = "S1ContextPtr wider than the OAS";
            }
        }
        if (bad != null) {
            badConfig("C_BAD_STE", sid, bad);
            configEvent(C_BAD_STE, Kind.BAD_STE, sid, 0);
            return null;
        }
        c.regime = strw == 2 ? Iotlb.REGIME_EL2 : Iotlb.REGIME_NS_EL1;
        if ((config & 1) != 0 && !decodeCd(c, sid, dw0 & 0x000F_FFFF_FFFF_FFC0L)) {
            return null;
        }
        return c;
    }

    /** Keeps why a stream's STE or CD is illegal: the event record cannot say, the summary does. */
    private void badConfig(String event, int sid, String why) {
        lastBadConfig = String.format("%s for StreamID 0x%x: %s", event, sid, why);
        LOG.debug("{}: {}", path, lastBadConfig);
    }

    /** STE DW2/DW3 stage-2 fields; returns why they are illegal, or null. */
    private static String decodeStage2(StreamConfig c, long dw2, long dw3) {
        long vtcr = (dw2 >>> 32) & 0x7FFFF;
        if ((dw2 & (1L << 51)) == 0) {
            return "S2AA64 = 0 (AArch32 tables not supported)";
        }
        if ((dw2 & (1L << 52)) != 0) {
            return "S2ENDI = 1 (big-endian tables not supported)";
        }
        if ((dw2 & (1L << 57)) != 0) {
            return "S2S = 1 without stall support";
        }
        int tg = (int) (vtcr >>> 14) & 3;
        Vmsav8Walker.Regime r = new Vmsav8Walker.Regime();
        r.stage2 = true;
        r.granuleShift = granule(tg, true);
        if (r.granuleShift == NO_GRANULE) {
            return "S2TG reserved";
        }
        r.inputBits = 64 - (int) (vtcr & 0x3F);
        r.startLevel = Vmsav8Walker.Regime.stage2StartLevel(r.granuleShift, (int) (vtcr >>> 6) & 3);
        r.outputBits = Math.min(physicalBits((int) (vtcr >>> 16) & 7), OAS_BITS);
        r.ttb = dw3 & 0x000F_FFFF_FFFF_FFF0L;
        r.accessFlagFaultDisabled = (dw2 & (1L << 53)) != 0;
        String why = r.check();
        if (why != null) {
            return "stage 2: " + why;
        }
        c.s2 = r;
        c.vmid = (int) (dw2 & 0xFFFF);
        c.s2Record = (dw2 & (1L << 58)) != 0;
        return null;
    }

    /** What {@link #granule} returns for the reserved TG encoding. */
    private static final int NO_GRANULE = -1;

    /** TG encodings: STE S2TG and CD TG0 are 0 = 4K, 1 = 64K, 2 = 16K; 3 is reserved. */
    private static int granule(int tg, boolean stage2) {
        switch (tg) {
            case 0: return 12;
            case 1: return 16;
            case 2: return 14;
            default: return NO_GRANULE;
        }
    }

    /** IPS/PS encodings. */
    private static int physicalBits(int ps) {
        switch (ps) {
            case 0: return 32;
            case 1: return 36;
            case 2: return 40;
            case 3: return 42;
            case 4: return 44;
            default: return 48; // 48, 52 and reserved encodings: capped to the 48-bit OAS
        }
    }

    /** Fetches and decodes CD 0 at {@code cdPointer} (an IPA when stage 2 is enabled). */
    private boolean decodeCd(StreamConfig c, int sid, long cdPointer) {
        long cd = cdPointer;
        if (c.s2 != null) {
            int f = tableWalker.walk(memory, c.s2, cdPointer, false);
            if (f != Vmsav8Walker.OK) {
                stageFault(f, c.s2Record, sid, curIova, curWrite, true, cdPointer, CLASS_CD);
                return false;
            }
            cd = tableWalker.outputAddress;
        }
        if (!memory.isRam(cd, 64)) {
            configEvent(F_CD_FETCH, Kind.CD_FETCH, sid, cd);
            return false;
        }
        long dw0 = memory.load64(cd);
        long dw1 = memory.load64(cd + 8);
        String bad = null;
        int t0sz = (int) (dw0 & 0x3F);
        int tg0 = (int) (dw0 >>> 6) & 3;
        long ttb0 = dw1 & 0x000F_FFFF_FFFF_FFF0L;
        if ((dw0 & (1L << 31)) == 0) {
            bad = "V = 0";
        } else if ((dw0 & (1L << 41)) == 0) {
            bad = "AA64 = 0";
        } else if ((dw0 & (1L << 46)) == 0) {
            bad = "A = 0 (faults must abort: no stall support)";
        } else if ((dw0 & (1L << 44)) != 0) {
            bad = "S = 1 without stall support";
        } else if ((dw0 & (3L << 42)) != 0) {
            bad = "HA/HD set without HTTU";
        } else if ((dw0 & (1L << 15)) != 0) {
            bad = "ENDI = 1";
        } else if (t0sz < 16 || t0sz > 39) {
            bad = "T0SZ " + t0sz + " outside 16..39";
        } else if (granule(tg0, false) == NO_GRANULE) {
            bad = "TG0 reserved";
        } else if ((ttb0 >>> OAS_BITS) != 0) {
            bad = "TTB0 wider than the OAS";
        }
        Vmsav8Walker.Regime r = new Vmsav8Walker.Regime();
        if (bad == null) {
            r.granuleShift = granule(tg0, false);
            r.inputBits = 64 - t0sz;
            r.startLevel = Vmsav8Walker.Regime.stage1StartLevel(r.granuleShift, r.inputBits);
            r.outputBits = Math.min(physicalBits((int) (dw0 >>> 32) & 7), OAS_BITS);
            r.ttb = ttb0;
            r.accessFlagFaultDisabled = (dw0 & (1L << 35)) != 0;
            bad = r.check();
        }
        if (bad != null) {
            badConfig("C_BAD_CD", sid, bad);
            configEvent(C_BAD_CD, Kind.BAD_CD, sid, 0);
            return false;
        }
        c.epd0 = (dw0 & (1L << 14)) != 0;
        c.s1 = r;
        c.asid = (int) (dw0 >>> 48) & 0xFFFF;
        c.cdRecord = (dw0 & (1L << 45)) != 0;
        return true;
    }

    // ======================================================================================
    // DeviceModel / Iommu
    // ======================================================================================

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? regs.block : null;
    }

    @Override
    public Object saveState() {
        Map<String, Long> state = new LinkedHashMap<>();
        for (Register r : regs.block.registers()) {
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
            for (Register r : regs.block.registers()) {
                Object v = map.get(r.name());
                if (v instanceof Long value && !r.name().startsWith("IDR") && !r.name().endsWith("IDR")) {
                    r.set(value);
                }
            }
            enabled = regs.cr0SmmuEn.isSet();
            gbpaAbort = regs.gbpaAbort.isSet();
            configs.clear();
            tlb.invalidateAll();
        }
    }

    @Override
    public String mode() {
        long cfg = regs.strtabBaseCfg.value();
        String table = ((cfg >>> 16) & 3) == 1 ? "2-level" : "linear";
        if (!enabled) {
            return "disabled, GBPA " + (gbpaAbort ? "abort" : "bypass");
        }
        return String.format("enabled, %s stream table (2^%d), cmdq %s, evtq %s", table, Math.min(cfg & 0x3F, SIDSIZE),
                regs.cr0CmdqEn.isSet() ? "on" : "off", regs.cr0EvtqEn.isSet() ? "on" : "off");
    }

    @Override
    public String summary() {
        synchronized (lock) {
            return String.format("SMMUv3 %s; IOTLB %d/%d entries, %d hits, %d misses; %d faults, %d events (%d overflowed, %d with evtq off); %d commands%s%s",
                    mode(), tlb.occupancy(), tlb.capacity(), tlb.hits(), tlb.misses(), faults.sum(), recorded,
                    eventOverflows, eventsLostDisabled, commandsExecuted,
                    gerrorActive(regs.gerrorCmdqErr) ? ", command queue stopped (CMDQ_ERR)" : "",
                    lastBadConfig == null ? "" : "; last " + lastBadConfig);
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

    /** Event records lost because the event queue was full. */
    public long eventOverflows() {
        synchronized (lock) {
            return eventOverflows;
        }
    }

    /** CMD_SYNCs completed with CS = SEV. */
    public long syncSevCount() {
        synchronized (lock) {
            return syncSev;
        }
    }

    @Override
    public List<String> interruptLines() {
        return LINES;
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
        return "SMMUv3 " + path;
    }
}
