package org.trapdoor.guest.iommu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.iommu.IommuFault.Kind;
import org.trapdoor.guest.printk.BootLog;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * The kernel's driver for one {@code arm,smmu-v3} node, in the order of Linux's
 * {@code arm-smmu-v3.c}:
 * <ol>
 * <li>probe ({@code arm_smmu_device_hw_probe}): IDR0 (stage 1, AArch64 tables, 2-level stream
 *     tables, MSI, stall model, HYP), IDR1 (SIDSIZE, queue sizes, ATTR_TYPES_OVR), IDR5 (OAS,
 *     4 KiB granule); the node's {@code dma-coherent} with IDR0.MSI means CMD_SYNC completion by
 *     MSI polling ({@code ARM_SMMU_OPT_MSIPOLL});</li>
 * <li>queues ({@code arm_smmu_init_queues}): the command queue of
 *     min(IDR1.CMDQS, {@code CMDQ_MAX_SZ_SHIFT}) entries, the event queue of min(IDR1.EVTQS,
 *     {@code EVTQ_MAX_SZ_SHIFT}), each halved while it cannot be allocated;</li>
 * <li>stream table ({@code arm_smmu_init_strtab}): two-level whenever IDR0 offers it (and
 *     SIDSIZE is beyond one level-2 table), its level-1 table covering all of SIDSIZE and its
 *     256-STE level-2 tables allocated as masters are added ({@code arm_smmu_init_l2_strtab}),
 *     every STE aborting ({@code disable_bypass}); else linear over all of SIDSIZE;</li>
 * <li>reset ({@code arm_smmu_device_reset}): GBPA.ABORT only when the SMMU is found enabled,
 *     then SMMUEN off; CR1, CR2 (PTM, RECINVSID), STRTAB_BASE(_CFG), CMDQ base and indexes,
 *     CMDQEN; CFGI_ALL, TLBI_EL2_ALL with HYP, TLBI_NSNH_ALL, each with a CMD_SYNC; EVTQ base and
 *     indexes, EVTQEN; interrupts ({@code arm_smmu_setup_irqs}: IRQ_CTRL off, the MSI address
 *     registers cleared, IRQ_CTRL with the event queue and global error interrupts); SMMUEN —
 *     every CR0 and IRQ_CTRL write confirmed through its ACK register within a bounded poll;</li>
 * <li>attach: a context descriptor (ASID, T0SZ 16, 4 KiB granule, inner-shareable WBWA walks,
 *     IPS from the OAS, R and A set, TTB0, MAIR) and an STE of Config S1 pointing at it
 *     ({@code arm_smmu_make_cdtable_ste}: S1DSS SSID0, S1STALLD only when the SMMU can stall),
 *     written with the valid word last and invalidated with CFGI_STE + SYNC around it; a bypass
 *     STE ({@code arm_smmu_make_bypass_ste}) sets SHCFG only when IDR1.ATTR_TYPES_OVR says the
 *     SMMU honours it.</li>
 * </ol>
 * A command that stops the queue (CMDQ_CONS.ERR) is reported as an error naming the command and
 * skipped as Linux does (replaced by a CMD_SYNC, GERRORN acknowledged), so the queue moves on.
 */
public final class ArmSmmuv3 implements IommuOps {
    // Page 0
    static final int IDR0 = 0x00, IDR1 = 0x04, IDR5 = 0x14, CR0 = 0x20, CR0ACK = 0x24, CR1 = 0x28, CR2 = 0x2C,
            GBPA = 0x44, IRQ_CTRL = 0x50, IRQ_CTRLACK = 0x54, GERROR = 0x60, GERRORN = 0x64,
            GERROR_IRQ_CFG0 = 0x68, STRTAB_BASE = 0x80, STRTAB_BASE_CFG = 0x88, CMDQ_BASE = 0x90, CMDQ_PROD = 0x98,
            CMDQ_CONS = 0x9C, EVTQ_BASE = 0xA0, EVTQ_IRQ_CFG0 = 0xB0;
    // Page 1
    static final int EVTQ_PROD = 0x100A8, EVTQ_CONS = 0x100AC;

    static final int IDR0_ST_LVL_2LVL = 1, IDR0_MSI = 1 << 13, IDR0_HYP = 1 << 9, IDR0_COHACC = 1 << 4;
    static final int IDR0_STALL_MODEL_STALL = 0, IDR0_STALL_MODEL_FORCE = 2;
    static final int IDR1_ATTR_TYPES_OVR = 1 << 27;
    static final int CR0_SMMUEN = 1, CR0_EVTQEN = 1 << 2, CR0_CMDQEN = 1 << 3;
    static final int GBPA_ABORT = 1 << 20, GBPA_UPDATE = 1 << 31;
    static final int IRQ_CTRL_GERROR_IRQEN = 1, IRQ_CTRL_EVTQ_IRQEN = 1 << 2;
    static final int GERROR_CMDQ_ERR = 1;
    /** CR1: tables and queues inner-shareable, write-back cacheable. */
    static final int CR1_VALUE = 3 << 10 | 1 << 8 | 1 << 6 | 3 << 4 | 1 << 2 | 1;
    /** CR2: PTM | RECINVSID. */
    static final int CR2_VALUE = 1 << 2 | 1 << 1;
    static final long Q_BASE_RA = 1L << 62;
    static final long ADDR_MASK = 0x000F_FFFF_FFFF_FFC0L;

    static final int CMD_CFGI_STE = 0x03, CMD_CFGI_ALL = 0x04, CMD_CFGI_CD = 0x05, CMD_TLBI_NH_ASID = 0x11,
            CMD_TLBI_NH_VA = 0x12, CMD_TLBI_EL2_ALL = 0x20, CMD_TLBI_NSNH_ALL = 0x30, CMD_SYNC = 0x46;
    /** CMD_SYNC completion signals: an MSI write, or a wake-up event. */
    static final long SYNC_CS_IRQ = 1L << 12, SYNC_CS_SEV = 2L << 12;
    /** CMD_SYNC's MSI: inner shareable, outer/inner write-back (ARM_SMMU_SH_ISH, ARM_SMMU_MEMATTR_OIWB). */
    static final long SYNC_MSH_ISH = 3L << 22, SYNC_MSIATTR_OIWB = 0xFL << 24;

    static final int STE_CFG_ABORT = 0, STE_CFG_BYPASS = 4, STE_CFG_S1 = 5;
    static final long STE_1_S1DSS_SSID0 = 2, STE_1_S1STALLD = 1L << 27, STE_1_SHCFG_INCOMING = 1L << 44;
    static final int STE_BYTES = 64, CD_BYTES = 64;
    /** Linux's STRTAB_SPLIT: 256 STEs per level-2 table. */
    static final int SPLIT = 8;
    /** {@code STRTAB_MAX_L1_ENTRIES}. */
    static final int MAX_L1_ENTRIES = 1 << 17;
    /** {@code CMDQ_MAX_SZ_SHIFT}, {@code EVTQ_MAX_SZ_SHIFT}: 4 MiB queues with 4 KiB pages. */
    static final int CMDQ_MAX_SZ_SHIFT = 22 - 4, EVTQ_MAX_SZ_SHIFT = 22 - 5;
    /** {@code CMDQ_BATCH_ENTRIES}: a command queue must hold more than one batch. */
    static final int CMDQ_BATCH_ENTRIES = 64;
    /** The largest block {@code dma_alloc_coherent} gives without CMA: a linear stream table beyond it fails. */
    static final long MAX_ALLOC = 4L << 20;
    static final int POLL_LIMIT = 100_000;
    static final String[] CMDQ_ERRORS = {"none", "CERROR_ILL", "CERROR_ABT", "CERROR_ATC_INV_SYNC"};

    private final DtNode node;
    private final Mmio mmio;
    private final PageAllocator pages;
    private final BootLog log;
    private long base;
    private int sidBits;
    private int oasEncoding;
    private boolean hyp;
    private boolean msiPoll;
    private boolean stalls;
    private boolean attrTypesOverride;
    private boolean twoLevel;
    /** Two-level: level-1 entries; linear: STEs. */
    private int strtabEntries;
    private long strtab;
    private long cmdq;
    private int cmdqLog2;
    private long evtq;
    private int evtqLog2;
    private int cmdqProd;
    private int nextAsid = 1;
    private final Map<Integer, Long> cds = new HashMap<>();

    public ArmSmmuv3(DtNode node, Mmio mmio, PageAllocator pages, BootLog log) {
        this.node = node;
        this.mmio = mmio;
        this.pages = pages;
        this.log = log;
    }

    @Override
    public String kind() {
        return "SMMUv3";
    }

    @Override
    public String node() {
        return node.path();
    }

    private int read(int off) {
        return mmio.read32(base + off);
    }

    private void write(int off, int v) {
        mmio.write32(base + off, v);
    }

    @Override
    public synchronized void init() {
        List<RegEntry> reg = node.reg();
        if (reg.isEmpty()) {
            throw new IllegalStateException(node.path() + ": no reg");
        }
        base = reg.get(0).address();
        int idr0 = read(IDR0);
        int idr1 = read(IDR1);
        int idr5 = read(IDR5);
        if (idr0 == -1 && idr1 == -1) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: no SMMU answers (IDR0 reads all-ones)", base));
        }
        if ((idr0 & 2) == 0) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: no stage-1 translation (IDR0 0x%08x)", base, idr0));
        }
        if (((idr0 >>> 2) & 3) != 2 && ((idr0 >>> 2) & 3) != 3) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: AArch64 table format unsupported", base));
        }
        if ((idr5 & (1 << 4)) == 0) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: no 4K granule (IDR5 0x%08x)", base, idr5));
        }
        hyp = (idr0 & IDR0_HYP) != 0;
        // ARM_SMMU_FEAT_COHERENCY comes from the firmware (dma-coherent); MSI polling needs it.
        boolean coherent = node.has("dma-coherent");
        if (coherent != ((idr0 & IDR0_COHACC) != 0)) {
            log.warn("SMMUv3@0x%x: IDR0.COHACC overridden by FW configuration (%s)", base, coherent);
        }
        msiPoll = msiPolling(idr0, coherent);
        stalls = stalls(idr0);
        attrTypesOverride = (idr1 & IDR1_ATTR_TYPES_OVR) != 0;
        sidBits = idr1 & 0x3F;
        oasEncoding = Math.min(idr5 & 7, 5);
        // A linear table when SIDSIZE fits one level-2 table anyway.
        twoLevel = ((idr0 >>> 27) & 3) == IDR0_ST_LVL_2LVL && sidBits > SPLIT;
        cmdqLog2 = Math.min(CMDQ_MAX_SZ_SHIFT, (idr1 >>> 21) & 0x1F);
        if (cmdqLog2 <= Integer.numberOfTrailingZeros(CMDQ_BATCH_ENTRIES)) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: command queue size <= %d entries not supported",
                    base, CMDQ_BATCH_ENTRIES));
        }
        evtqLog2 = Math.min(EVTQ_MAX_SZ_SHIFT, (idr1 >>> 16) & 0x1F);
        cmdqLog2 = allocateQueue(true, cmdqLog2, 16);
        evtqLog2 = allocateQueue(false, evtqLog2, 32);
        allocateStreamTable();
        reset();
        log.info("SMMUv3@0x%x: %d-bit SIDs, OAS enc %d, %s stream table @0x%x, CMD_SYNC by %s", base, sidBits,
                oasEncoding, twoLevel ? String.format("2-level (%d level-1 entries)", strtabEntries)
                        : String.format("linear (%d STEs)", strtabEntries),
                strtab, msiPoll ? "MSI polling" : "SEV");
    }

    /** {@code ARM_SMMU_OPT_MSIPOLL}: IDR0.MSI and a coherent SMMU (the firmware's {@code dma-coherent}). */
    static boolean msiPolling(int idr0, boolean coherent) {
        return (idr0 & IDR0_MSI) != 0 && coherent;
    }

    /** {@code ARM_SMMU_FEAT_STALLS}: IDR0.STALL_MODEL says stalls are supported (0b00) or forced (0b10). */
    static boolean stalls(int idr0) {
        int model = (idr0 >>> 24) & 3;
        return model == IDR0_STALL_MODEL_STALL || model == IDR0_STALL_MODEL_FORCE;
    }

    /**
     * Word 1 of a stage-1 STE for a PCI function ({@code arm_smmu_make_cdtable_ste}): S1DSS
     * SSID0, write-back inner-shareable CD fetches, S1STALLD when the SMMU can stall (a PCI
     * function never stalls), STRW NS-EL1 (the kernel runs at EL1, no E2H).
     */
    static long cdTableSteWord1(boolean stalls) {
        return STE_1_S1DSS_SSID0
                | 1L << 2 // S1CIR: write-back
                | 1L << 4 // S1COR
                | 3L << 6 // S1CSH: inner shareable
                | (stalls ? STE_1_S1STALLD : 0)
                | 0L << 30; // STRW: NS-EL1
    }

    /** Word 1 of a bypass STE ({@code arm_smmu_make_bypass_ste}): SHCFG = incoming only with IDR1.ATTR_TYPES_OVR. */
    static long bypassSteWord1(boolean attrTypesOverride) {
        return attrTypesOverride ? STE_1_SHCFG_INCOMING : 0;
    }

    /**
     * {@code arm_smmu_init_one_queue}: a queue of 2^{@code log2} entries of {@code entryBytes},
     * naturally aligned; halved while RAM cannot give it, down to one page.
     */
    private int allocateQueue(boolean commands, int log2, int entryBytes) {
        while (true) {
            long bytes = (long) entryBytes << log2;
            try {
                long q = pages.allocate(bytes, Math.max(32, bytes));
                if (commands) {
                    cmdq = q;
                } else {
                    evtq = q;
                }
                log.info("SMMUv3@0x%x: allocated %d entries for %s", base, 1L << log2, commands ? "cmdq" : "evtq");
                return log2;
            } catch (IllegalStateException e) {
                if (bytes < PageAllocator.PAGE || log2 == 0) {
                    throw new IllegalStateException(String.format("SMMUv3@0x%x: failed to allocate queue (0x%x bytes) for %s",
                            base, bytes, commands ? "cmdq" : "evtq"), e);
                }
                log2--;
            }
        }
    }

    /** {@code arm_smmu_init_strtab_2lvl} or {@code arm_smmu_init_strtab_linear}. */
    private void allocateStreamTable() {
        if (twoLevel) {
            long lastL1 = (1L << sidBits) - 1 >>> SPLIT;
            strtabEntries = (int) Math.min(lastL1 + 1, MAX_L1_ENTRIES);
            if (strtabEntries <= lastL1) {
                log.warn("SMMUv3@0x%x: 2-level strtab only covers %d/%d bits of SID", base,
                        Integer.numberOfTrailingZeros(strtabEntries) + SPLIT, sidBits);
            }
            // Level-1 descriptors start invalid (zeroed): no level-2 table yet.
            strtab = pages.allocate(8L * strtabEntries, 64);
        } else {
            long bytes = (long) STE_BYTES << sidBits;
            if (bytes > MAX_ALLOC) {
                throw new IllegalStateException(String.format(
                        "SMMUv3@0x%x: failed to allocate linear stream table (%d bytes for %d SID bits)", base, bytes, sidBits));
            }
            strtabEntries = 1 << sidBits;
            strtab = pages.allocate(bytes, 64);
            for (int sid = 0; sid < strtabEntries; sid++) {
                writeAbortSte(strtab + (long) sid * STE_BYTES);
            }
        }
    }

    /** An STE that aborts every transaction, so that unattached streams fail ({@code disable_bypass}). */
    private void writeAbortSte(long ste) {
        pages.store(ste, 8, 1L | (long) STE_CFG_ABORT << 1);
    }

    /** {@code arm_smmu_device_reset}. */
    private void reset() {
        if ((read(CR0) & CR0_SMMUEN) != 0) {
            log.warn("SMMUv3@0x%x: SMMU currently enabled! Resetting...", base);
            updateGbpa(GBPA_ABORT, 0);
        }
        writeSync(CR0, CR0ACK, 0);
        write(CR1, CR1_VALUE);
        write(CR2, CR2_VALUE);
        // arm_smmu_write_strtab
        mmio.write64(base + STRTAB_BASE, Q_BASE_RA | (strtab & ADDR_MASK));
        int log2size = twoLevel ? Integer.numberOfTrailingZeros(strtabEntries) + SPLIT : sidBits;
        write(STRTAB_BASE_CFG, (twoLevel ? 1 << 16 | SPLIT << 6 : 0) | log2size);
        mmio.write64(base + CMDQ_BASE, Q_BASE_RA | (cmdq & 0x000F_FFFF_FFFF_FFE0L) | cmdqLog2);
        write(CMDQ_PROD, 0);
        write(CMDQ_CONS, 0);
        cmdqProd = 0;
        writeSync(CR0, CR0ACK, CR0_CMDQEN);
        submit(List.of(new long[] {CMD_CFGI_ALL, 31}), true);
        if (hyp) {
            submit(List.of(new long[] {CMD_TLBI_EL2_ALL, 0}), true);
        }
        submit(List.of(new long[] {CMD_TLBI_NSNH_ALL, 0}), true);
        mmio.write64(base + EVTQ_BASE, Q_BASE_RA | (evtq & 0x000F_FFFF_FFFF_FFE0L) | evtqLog2);
        write(EVTQ_PROD, 0);
        write(EVTQ_CONS, 0);
        writeSync(CR0, CR0ACK, CR0_CMDQEN | CR0_EVTQEN);
        setupIrqs();
        writeSync(CR0, CR0ACK, CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN);
    }

    /**
     * {@code arm_smmu_setup_irqs}: interrupts off, the MSI address registers cleared
     * ({@code arm_smmu_setup_msis}: the node has no {@code msi-parent}, so no platform MSIs and the
     * wired lines are used), then the event queue and global error interrupts on.
     */
    private void setupIrqs() {
        writeSync(IRQ_CTRL, IRQ_CTRLACK, 0);
        mmio.write64(base + GERROR_IRQ_CFG0, 0);
        mmio.write64(base + EVTQ_IRQ_CFG0, 0);
        if ((read(IDR0) & IDR0_MSI) != 0) {
            log.info("SMMUv3@0x%x: msi_domain absent - falling back to wired irqs", base);
        }
        writeSync(IRQ_CTRL, IRQ_CTRLACK, IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
    }

    /** Writes a control register and waits for its ACK register to agree ({@code arm_smmu_write_reg_sync}). */
    private void writeSync(int reg, int ack, int value) {
        write(reg, value);
        for (int i = 0; i < POLL_LIMIT; i++) {
            if (read(ack) == value) {
                return;
            }
        }
        throw new IllegalStateException(String.format("SMMUv3@0x%x: register 0x%x = 0x%x not acknowledged (0x%x)", base,
                reg, value, read(ack)));
    }

    /** {@code arm_smmu_update_gbpa}: wait out UPDATE, write the new value with UPDATE, wait again. */
    private void updateGbpa(int set, int clear) {
        pollGbpa();
        write(GBPA, (read(GBPA) & ~clear | set) | GBPA_UPDATE);
        pollGbpa();
    }

    private void pollGbpa() {
        for (int i = 0; i < POLL_LIMIT; i++) {
            if ((read(GBPA) & GBPA_UPDATE) == 0) {
                return;
            }
        }
        throw new IllegalStateException(String.format("SMMUv3@0x%x: GBPA update timed out", base));
    }

    // ---- command queue -------------------------------------------------------------------

    private int qIndexMask(int log2) {
        return (1 << (log2 + 1)) - 1;
    }

    /**
     * Writes {@code commands} (each {dw0, dw1}) at PROD, publishes PROD, and with {@code sync}
     * adds a CMD_SYNC and waits (bounded) for it ({@code arm_smmu_cmdq_issue_cmdlist}): with MSI
     * polling the CMD_SYNC asks the SMMU to write 0 over its own first word in the queue and the
     * driver polls that word ({@code __arm_smmu_cmdq_poll_until_msi}); otherwise it signals SEV
     * and the driver polls CONS ({@code __arm_smmu_cmdq_poll_until_consumed}).
     *
     * @throws IllegalStateException when the SMMU reports a command error or does not complete
     */
    synchronized void submit(List<long[]> commands, boolean sync) {
        int size = 1 << cmdqLog2;
        long syncSlot = -1;
        for (long[] c : commands) {
            writeCommand(c[0], c[1], size);
        }
        if (sync) {
            syncSlot = cmdq + 16L * (cmdqProd & (size - 1));
            // arm_smmu_cmdq_build_sync_cmd: MSI data 0, to the CMD_SYNC's own slot.
            long dw0 = CMD_SYNC | (msiPoll ? SYNC_CS_IRQ : SYNC_CS_SEV) | SYNC_MSH_ISH | SYNC_MSIATTR_OIWB;
            writeCommand(dw0, msiPoll ? syncSlot & 0x000F_FFFF_FFFF_FFFCL : 0, size);
        }
        write(CMDQ_PROD, cmdqProd);
        if (!sync) {
            checkError();
            return;
        }
        for (int i = 0; i < POLL_LIMIT; i++) {
            checkError();
            if (msiPoll ? mmio.read32(syncSlot) == 0 : (read(CMDQ_CONS) & qIndexMask(cmdqLog2)) == cmdqProd) {
                return;
            }
        }
        throw new IllegalStateException(String.format("SMMUv3@0x%x: CMD_SYNC timeout (PROD 0x%x, CONS 0x%x)", base,
                cmdqProd, read(CMDQ_CONS)));
    }

    private void writeCommand(long dw0, long dw1, int size) {
        // Wait for a free slot: full when indexes match with different wrap bits.
        for (int i = 0; isFull(); i++) {
            if (i >= POLL_LIMIT) {
                throw new IllegalStateException(String.format("SMMUv3@0x%x: command queue full", base));
            }
            checkError();
        }
        long entry = cmdq + 16L * (cmdqProd & (size - 1));
        pages.store(entry, 8, dw0);
        pages.store(entry + 8, 8, dw1);
        cmdqProd = (cmdqProd + 1) & qIndexMask(cmdqLog2);
    }

    /** Submits one raw command followed by a CMD_SYNC (diagnostics: shows how the SMMU answers it). */
    public void submitRaw(long dw0, long dw1) {
        submit(List.of(new long[] {dw0, dw1}), true);
    }

    private boolean isFull() {
        int cons = read(CMDQ_CONS) & qIndexMask(cmdqLog2);
        int idx = (1 << cmdqLog2) - 1;
        return (cons & idx) == (cmdqProd & idx) && cons != cmdqProd;
    }

    /**
     * {@code arm_smmu_cmdq_skip_err}: with GERROR.CMDQ_ERR active, names the command CONS points
     * at, replaces it with a CMD_SYNC, acknowledges the error and throws.
     */
    private void checkError() {
        int gerror = read(GERROR);
        int gerrorn = read(GERRORN);
        if (((gerror ^ gerrorn) & GERROR_CMDQ_ERR) == 0) {
            return;
        }
        int cons = read(CMDQ_CONS);
        int err = (cons >>> 24) & 0x7F;
        long entry = cmdq + 16L * (cons & ((1 << cmdqLog2) - 1));
        long bad = mmio.read64(entry);
        // A CMD_SYNC built without an MSI address: CS = SEV.
        pages.store(entry, 8, CMD_SYNC | SYNC_CS_SEV | SYNC_MSH_ISH | SYNC_MSIATTR_OIWB);
        pages.store(entry + 8, 8, 0);
        write(GERRORN, gerrorn ^ GERROR_CMDQ_ERR);
        String name = err < CMDQ_ERRORS.length ? CMDQ_ERRORS[err] : "unknown (" + err + ")";
        log.warn("SMMUv3@0x%x: CMDQ error (cons 0x%08x): %s; skipping command 0x%016x", base, cons, name, bad);
        throw new IllegalStateException(String.format("SMMUv3@0x%x: command queue error %s at index 0x%x (command 0x%x)",
                base, name, cons & 0xFFFFF, bad));
    }

    // ---- stream table and context descriptors ------------------------------------------

    /**
     * {@code arm_smmu_init_sid_strtab}: the STE of {@code sid}; in a two-level table its level-2
     * table is allocated (256 aborting STEs) and its level-1 descriptor written on first use
     * ({@code arm_smmu_init_l2_strtab}).
     */
    private long steAddress(int sid) {
        if (!twoLevel) {
            return strtab + (long) sid * STE_BYTES;
        }
        long l1 = strtab + 8L * (sid >>> SPLIT);
        long desc = mmio.read64(l1);
        if ((desc & 0x1F) == 0) {
            long l2 = pages.allocate((long) STE_BYTES << SPLIT, (long) STE_BYTES << SPLIT);
            for (int i = 0; i < 1 << SPLIT; i++) {
                writeAbortSte(l2 + (long) i * STE_BYTES);
            }
            // arm_smmu_write_strtab_l1_desc: SPAN = SPLIT + 1, the level-2 table's 2^SPLIT STEs.
            desc = (l2 & ADDR_MASK) | (SPLIT + 1);
            pages.store(l1, 8, desc);
            log.info("SMMUv3@0x%x: level-2 stream table @0x%x for StreamIDs 0x%x..0x%x", base, l2,
                    sid & ~((1 << SPLIT) - 1), sid | ((1 << SPLIT) - 1));
        }
        return (desc & ADDR_MASK) + (long) (sid & ((1 << SPLIT) - 1)) * STE_BYTES;
    }

    /** {@code arm_smmu_sid_in_range}, and one domain per stream. */
    private void checkStream(int streamId) {
        long sid = Integer.toUnsignedLong(streamId);
        boolean inRange = twoLevel ? sid >>> SPLIT < strtabEntries : sid < strtabEntries;
        if (!inRange) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: StreamID 0x%x outside the stream table (%d SID bits)",
                    base, streamId, sidBits));
        }
        if (cds.containsKey(streamId)) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: StreamID 0x%x is already attached", base,
                    streamId));
        }
    }

    /**
     * {@code arm_smmu_make_bypass_ste}: Config bypass; SHCFG = incoming only when the SMMU honours
     * attribute overrides (IDR1.ATTR_TYPES_OVR); written with the valid word last, then CFGI_STE + SYNC.
     */
    @Override
    public synchronized void bypass(int streamId) {
        checkStream(streamId);
        long ste = steAddress(streamId);
        pages.store(ste + 8, 8, bypassSteWord1(attrTypesOverride));
        pages.store(ste + 16, 8, 0);
        pages.store(ste + 24, 8, 0);
        pages.store(ste, 8, 1L | (long) STE_CFG_BYPASS << 1);
        submit(List.of(new long[] {CMD_CFGI_STE | (long) streamId << 32, 1}), true);
        cds.put(streamId, -1L);
    }

    @Override
    public synchronized Context attach(int streamId, IoPgtableArm table) {
        checkStream(streamId);
        int asid = nextAsid++;
        long cd = pages.allocate(CD_BYTES, 64);
        writeCd(streamId, cd, asid, table.root());
        writeSte(streamId, cd);
        cds.put(streamId, cd);
        return new Context(streamId, asid, -1);
    }

    /** {@code arm_smmu_make_s1_cd}: TTB0 and MAIR first, then word 0 with V, then CFGI_CD + SYNC. */
    private void writeCd(int sid, long cd, int asid, long ttb0) {
        pages.store(cd + 8, 8, ttb0 & 0x000F_FFFF_FFFF_FFF0L);
        pages.store(cd + 24, 8, IoPgtableArm.MAIR);
        long dw0 = IoPgtableArm.T0SZ // T0SZ
                | 0L << 6 // TG0: 4 KiB
                | 1L << 8 // IRGN0: write-back, write-allocate
                | 1L << 10 // ORGN0
                | 3L << 12 // SH0: inner shareable
                | 1L << 30 // EPD1: no TTB1 walks
                | 1L << 31 // V
                | (long) oasEncoding << 32 // IPS
                | 1L << 41 // AA64
                | 1L << 45 // R: record faults
                | 1L << 46 // A: abort on fault
                | 1L << 47 // ASET: shared ASID set
                | (long) asid << 48;
        pages.store(cd, 8, dw0);
        submit(List.of(new long[] {CMD_CFGI_CD | (long) sid << 32, 1}), true);
    }

    /** STE words 1–3 first, then word 0 with V and Config S1; CFGI_STE + SYNC around it. */
    private void writeSte(int sid, long cd) {
        long ste = steAddress(sid);
        pages.store(ste + 8, 8, cdTableSteWord1(stalls));
        pages.store(ste + 16, 8, 0);
        pages.store(ste + 24, 8, 0);
        submit(List.of(new long[] {CMD_CFGI_STE | (long) sid << 32, 1}), true);
        long dw0 = 1L | (long) STE_CFG_S1 << 1 | 0L << 4 /* S1Fmt linear */ | (cd & ADDR_MASK) | 0L << 59;
        pages.store(ste, 8, dw0);
        submit(List.of(new long[] {CMD_CFGI_STE | (long) sid << 32, 1}), true);
    }

    /** The STE address of an attached stream, or -1 (diagnostics). */
    public synchronized long ste(int streamId) {
        return cds.containsKey(streamId) ? steAddress(streamId) : -1;
    }

    /** The CD address of a stream attached to a DMA domain, or -1 (diagnostics). */
    public synchronized long cd(int streamId) {
        Long c = cds.get(streamId);
        return c == null ? -1 : c;
    }

    @Override
    public void flush(Context c, long iova, long size) {
        List<long[]> cmds = new ArrayList<>();
        if (size > 64 * IovaAllocator.PAGE) {
            cmds.add(new long[] {CMD_TLBI_NH_ASID | (long) c.asid() << 48, 0});
        } else {
            for (long off = 0; off < size; off += IovaAllocator.PAGE) {
                // LEAF = 1: only leaf entries changed.
                cmds.add(new long[] {CMD_TLBI_NH_VA | (long) c.asid() << 48, ((iova + off) & ~0xFFFL) | 1});
            }
        }
        submit(cmds, true);
    }

    // ---- event queue ---------------------------------------------------------------------

    @Override
    public synchronized List<IommuFault> drainFaults() {
        List<IommuFault> out = new ArrayList<>();
        if (base == 0) {
            return out;
        }
        int mask = qIndexMask(evtqLog2);
        int idx = (1 << evtqLog2) - 1;
        int cons = read(EVTQ_CONS);
        // At most one queue's worth per call, so a misbehaving PROD cannot keep the kernel here.
        for (int n = 0; n <= idx; n++) {
            int prod = read(EVTQ_PROD);
            if ((prod & mask) == (cons & mask)) {
                break;
            }
            long e = evtq + 32L * (cons & idx);
            out.add(decode(mmio.read64(e), mmio.read64(e + 8), mmio.read64(e + 16), mmio.read64(e + 24)));
            cons = (cons & (1 << 31)) | ((cons + 1) & mask);
            write(EVTQ_CONS, cons);
        }
        // PROD.OVFLG differing from CONS.OVACKFLG: records were lost; acknowledge by copying it.
        int prod = read(EVTQ_PROD);
        if (((prod ^ cons) & (1 << 31)) != 0) {
            log.warn("SMMUv3@0x%x: event queue overflow: events lost", base);
            write(EVTQ_CONS, (cons & ~(1 << 31)) | (prod & (1 << 31)));
        }
        for (IommuFault f : out) {
            log.warn("SMMUv3@0x%x: event %s", base, f);
        }
        return out;
    }

    /** Decodes a 32-byte event record (Linux's EVTQ_* fields). */
    static IommuFault decode(long dw0, long dw1, long dw2, long dw3) {
        int id = (int) (dw0 & 0xFF);
        int sid = (int) (dw0 >>> 32);
        Kind kind = switch (id) {
            case 0x02 -> Kind.BAD_STREAMID;
            case 0x03 -> Kind.STE_FETCH;
            case 0x04 -> Kind.BAD_STE;
            case 0x09 -> Kind.CD_FETCH;
            case 0x0A -> Kind.BAD_CD;
            case 0x0B -> Kind.WALK_EABT;
            case 0x11 -> Kind.ADDR_SIZE;
            case 0x12 -> Kind.ACCESS;
            case 0x13 -> Kind.PERMISSION;
            // F_TRANSLATION (0x10); IDs without a kind of their own (F_UUT, F_TLB_CONFLICT, ...)
            // are shown as translation faults with their own code.
            default -> Kind.TRANSLATION;
        };
        boolean fetch = id == 0x03 || id == 0x09;
        boolean walk = id >= 0x0B;
        boolean s2 = (dw1 & (1L << 39)) != 0;
        return new IommuFault(kind, id, sid, walk ? dw2 : 0, walk && (dw1 & (1L << 35)) == 0, s2,
                fetch || s2 ? dw3 & 0x000F_FFFF_FFFF_FFF8L : 0, -1);
    }
}
