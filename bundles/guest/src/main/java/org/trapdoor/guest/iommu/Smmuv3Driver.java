package org.trapdoor.guest.iommu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.iommu.IommuFault.Kind;
import org.trapdoor.guest.BootLog;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * The kernel's driver for one {@code arm,smmu-v3} node, in the order of Linux's
 * {@code arm-smmu-v3.c}:
 * <ol>
 * <li>probe: IDR0 (stage 1, AArch64 tables, 2-level stream table support), IDR1 (SIDSIZE, queue
 *     sizes), IDR5 (OAS, 4 KiB granule);</li>
 * <li>a stream table covering the StreamIDs in use (linear; 2-level with 256-entry level-2
 *     tables when a linear one would exceed {@link #LINEAR_LIMIT} bytes), every STE aborting;
 *     a command queue and an event queue in RAM;</li>
 * <li>reset: SMMUEN off, CR1 (inner-shareable write-back tables and queues), CR2 (PTM,
 *     RECINVSID), STRTAB_BASE(_CFG), CMDQ base/indexes, CMDQEN; CFGI_ALL, TLBI_NSNH_ALL (and
 *     TLBI_EL2_ALL with HYP), SYNC; EVTQ base/indexes, EVTQEN; GBPA.ABORT; SMMUEN — each CR0
 *     write confirmed through CR0ACK within a bounded poll;</li>
 * <li>attach: a context descriptor (ASID, T0SZ 16, 4 KiB granule, inner-shareable WBWA walks,
 *     IPS from the OAS, R and A set, TTB0, MAIR) and an STE of Config S1 pointing at it, written
 *     with the valid word last and invalidated with CFGI_STE + SYNC around it.</li>
 * </ol>
 * A command that stops the queue (CMDQ_CONS.ERR) is reported as an error naming the command and
 * skipped as Linux does (replaced by a CMD_SYNC, GERRORN acknowledged), so the queue moves on.
 */
public final class Smmuv3Driver implements IommuDriver {
    // Page 0
    static final int IDR0 = 0x00, IDR1 = 0x04, IDR5 = 0x14, CR0 = 0x20, CR0ACK = 0x24, CR1 = 0x28, CR2 = 0x2C,
            GBPA = 0x44, IRQ_CTRL = 0x50, GERROR = 0x60, GERRORN = 0x64, STRTAB_BASE = 0x80,
            STRTAB_BASE_CFG = 0x88, CMDQ_BASE = 0x90, CMDQ_PROD = 0x98, CMDQ_CONS = 0x9C, EVTQ_BASE = 0xA0;
    // Page 1
    static final int EVTQ_PROD = 0x100A8, EVTQ_CONS = 0x100AC;

    static final int CR0_SMMUEN = 1, CR0_EVTQEN = 1 << 2, CR0_CMDQEN = 1 << 3;
    static final int GBPA_ABORT = 1 << 20, GBPA_UPDATE = 1 << 31;
    static final int GERROR_CMDQ_ERR = 1;
    /** CR1: tables and queues inner-shareable, write-back cacheable. */
    static final int CR1_VALUE = 3 << 10 | 1 << 8 | 1 << 6 | 3 << 4 | 1 << 2 | 1;
    /** CR2: PTM | RECINVSID. */
    static final int CR2_VALUE = 1 << 2 | 1 << 1;
    static final long Q_BASE_RA = 1L << 62;
    static final long ADDR_MASK = 0x000F_FFFF_FFFF_FFC0L;

    static final int CMD_CFGI_STE = 0x03, CMD_CFGI_ALL = 0x04, CMD_CFGI_CD = 0x05, CMD_TLBI_NH_ASID = 0x11,
            CMD_TLBI_NH_VA = 0x12, CMD_TLBI_EL2_ALL = 0x20, CMD_TLBI_NSNH_ALL = 0x30, CMD_SYNC = 0x46;

    static final int STE_CFG_ABORT = 0, STE_CFG_BYPASS = 4, STE_CFG_S1 = 5;
    static final int STE_BYTES = 64, CD_BYTES = 64;
    /** Linux's STRTAB_SPLIT: 256 STEs per level-2 table. */
    static final int SPLIT = 8;
    /** A linear stream table bigger than this goes 2-level if the SMMU can. */
    static final long LINEAR_LIMIT = 1L << 20;
    /** Queue sizes (log2 entries) this driver asks for at most: one 4 KiB page each. */
    static final int CMDQ_LOG2 = 8, EVTQ_LOG2 = 7;
    static final int POLL_LIMIT = 100_000;
    static final String[] CMDQ_ERRORS = {"none", "CERROR_ILL", "CERROR_ABT", "CERROR_ATC_INV_SYNC"};

    private final DtNode node;
    private final Mmio mmio;
    private final PageAllocator pages;
    private final BootLog log;
    /** The StreamIDs the kernel will attach (from the host bridges' iommu-map). */
    private final int maxStreamId;
    private long base;
    private int sidBits;
    private int oasEncoding;
    private boolean hyp;
    private boolean twoLevel;
    private int tableLog2;
    private long strtab;
    private long cmdq;
    private int cmdqLog2;
    private long evtq;
    private int evtqLog2;
    private int cmdqProd;
    private int nextAsid = 1;
    private final Map<Integer, Long> cds = new HashMap<>();

    /** @param maxStreamId the highest StreamID any PCI function behind this SMMU has */
    public Smmuv3Driver(DtNode node, Mmio mmio, PageAllocator pages, BootLog log, int maxStreamId) {
        this.node = node;
        this.mmio = mmio;
        this.pages = pages;
        this.log = log;
        this.maxStreamId = maxStreamId;
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
        hyp = (idr0 & (1 << 9)) != 0;
        boolean can2l = ((idr0 >>> 27) & 3) == 1;
        sidBits = idr1 & 0x3F;
        cmdqLog2 = Math.min((idr1 >>> 21) & 0x1F, CMDQ_LOG2);
        evtqLog2 = Math.min((idr1 >>> 16) & 0x1F, EVTQ_LOG2);
        oasEncoding = Math.min(idr5 & 7, 5);
        if (maxStreamId >= 0 && Integer.toUnsignedLong(maxStreamId) >= 1L << sidBits) {
            log.warn("SMMUv3@0x%x: StreamID 0x%x is beyond SIDSIZE %d; such streams cannot be attached", base,
                    maxStreamId, sidBits);
        }
        int needed = 32 - Integer.numberOfLeadingZeros(Math.max(maxStreamId, 0));
        tableLog2 = Math.min(Math.max(needed, 1), sidBits);
        twoLevel = can2l && (long) STE_BYTES << tableLog2 > LINEAR_LIMIT;
        if (!twoLevel && (long) STE_BYTES << tableLog2 > LINEAR_LIMIT * 16) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: a linear stream table of 2^%d entries is too big",
                    base, tableLog2));
        }
        allocateStreamTable();
        cmdq = pages.allocate(16L << cmdqLog2, Math.max(32, 16L << cmdqLog2));
        evtq = pages.allocate(32L << evtqLog2, Math.max(32, 32L << evtqLog2));
        reset();
        log.info("SMMUv3@0x%x: %d-bit SIDs, OAS enc %d, %s stream table of 2^%d @0x%x, cmdq 2^%d @0x%x, evtq 2^%d @0x%x",
                base, sidBits, oasEncoding, twoLevel ? "2-level" : "linear", tableLog2, strtab, cmdqLog2, cmdq,
                evtqLog2, evtq);
    }

    private void allocateStreamTable() {
        if (twoLevel) {
            int l1 = 1 << Math.max(tableLog2 - SPLIT, 0);
            strtab = pages.allocate(8L * l1, 64);
        } else {
            strtab = pages.allocate((long) STE_BYTES << tableLog2, 64);
            for (int sid = 0; sid < 1 << tableLog2; sid++) {
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
        }
        writeCr0(0);
        write(CR1, CR1_VALUE);
        write(CR2, CR2_VALUE);
        mmio.write64(base + STRTAB_BASE, Q_BASE_RA | (strtab & ADDR_MASK));
        write(STRTAB_BASE_CFG, (twoLevel ? 1 << 16 | SPLIT << 6 : 0) | tableLog2);
        mmio.write64(base + CMDQ_BASE, Q_BASE_RA | (cmdq & 0x000F_FFFF_FFFF_FFE0L) | cmdqLog2);
        write(CMDQ_PROD, 0);
        write(CMDQ_CONS, 0);
        cmdqProd = 0;
        writeCr0(CR0_CMDQEN);
        submit(List.of(new long[] {CMD_CFGI_ALL, 31}), true);
        if (hyp) {
            submit(List.of(new long[] {CMD_TLBI_EL2_ALL, 0}), false);
        }
        submit(List.of(new long[] {CMD_TLBI_NSNH_ALL, 0}), true);
        mmio.write64(base + EVTQ_BASE, Q_BASE_RA | (evtq & 0x000F_FFFF_FFFF_FFE0L) | evtqLog2);
        write(EVTQ_PROD, 0);
        write(EVTQ_CONS, 0);
        writeCr0(CR0_CMDQEN | CR0_EVTQEN);
        // Faults are read from the event queue by polling: no interrupts are wired to the kernel.
        write(IRQ_CTRL, 0);
        updateGbpa(GBPA_ABORT);
        writeCr0(CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN);
    }

    /** Writes CR0 and waits for CR0ACK to agree ({@code arm_smmu_write_reg_sync}). */
    private void writeCr0(int value) {
        write(CR0, value);
        for (int i = 0; i < POLL_LIMIT; i++) {
            if (read(CR0ACK) == value) {
                return;
            }
        }
        throw new IllegalStateException(String.format("SMMUv3@0x%x: CR0 0x%x not acknowledged (CR0ACK 0x%x)", base,
                value, read(CR0ACK)));
    }

    /** {@code arm_smmu_update_gbpa}: wait out UPDATE, write the new value with UPDATE, wait again. */
    private void updateGbpa(int set) {
        pollGbpa();
        write(GBPA, (read(GBPA) | set) | GBPA_UPDATE);
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
     * adds a CMD_SYNC and waits (bounded) until CONS has passed it.
     *
     * @throws IllegalStateException when the SMMU reports a command error or does not consume
     */
    synchronized void submit(List<long[]> commands, boolean sync) {
        List<long[]> all = new ArrayList<>(commands);
        if (sync) {
            all.add(new long[] {CMD_SYNC, 0});
        }
        int size = 1 << cmdqLog2;
        for (long[] c : all) {
            // Wait for a free slot: full when indexes match with different wrap bits.
            for (int i = 0; isFull(); i++) {
                if (i >= POLL_LIMIT) {
                    throw new IllegalStateException(String.format("SMMUv3@0x%x: command queue full", base));
                }
                checkError();
            }
            long entry = cmdq + 16L * (cmdqProd & (size - 1));
            pages.store(entry, 8, c[0]);
            pages.store(entry + 8, 8, c[1]);
            cmdqProd = (cmdqProd + 1) & qIndexMask(cmdqLog2);
        }
        write(CMDQ_PROD, cmdqProd);
        if (!sync) {
            checkError();
            return;
        }
        for (int i = 0; i < POLL_LIMIT; i++) {
            checkError();
            if ((read(CMDQ_CONS) & qIndexMask(cmdqLog2)) == cmdqProd) {
                return;
            }
        }
        throw new IllegalStateException(String.format("SMMUv3@0x%x: CMD_SYNC timeout (PROD 0x%x, CONS 0x%x)", base,
                cmdqProd, read(CMDQ_CONS)));
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
        pages.store(entry, 8, CMD_SYNC);
        pages.store(entry + 8, 8, 0);
        write(GERRORN, gerrorn ^ GERROR_CMDQ_ERR);
        String name = err < CMDQ_ERRORS.length ? CMDQ_ERRORS[err] : "unknown (" + err + ")";
        log.warn("SMMUv3@0x%x: CMDQ error (cons 0x%08x): %s; skipping command 0x%016x", base, cons, name, bad);
        throw new IllegalStateException(String.format("SMMUv3@0x%x: command queue error %s at index 0x%x (command 0x%x)",
                base, name, cons & 0xFFFFF, bad));
    }

    // ---- stream table and context descriptors ------------------------------------------

    /** The STE of {@code sid}, allocating its level-2 table on first use in a 2-level table. */
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
            // SPAN = SPLIT + 1: the level-2 table holds 2^SPLIT STEs.
            pages.store(l1, 8, (l2 & ADDR_MASK) | (SPLIT + 1));
            submit(List.of(new long[] {CMD_CFGI_STE | (long) sid << 32, 1}), true);
            desc = mmio.read64(l1);
        }
        return (desc & ADDR_MASK) + (long) (sid & ((1 << SPLIT) - 1)) * STE_BYTES;
    }

    private void checkStream(int streamId) {
        if (streamId < 0 || Integer.toUnsignedLong(streamId) >= 1L << tableLog2) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: StreamID 0x%x outside the stream table (2^%d)",
                    base, streamId, tableLog2));
        }
        if (cds.containsKey(streamId)) {
            throw new IllegalStateException(String.format("SMMUv3@0x%x: StreamID 0x%x is already attached", base,
                    streamId));
        }
    }

    /** A bypass STE (SHCFG = incoming), written with the valid word last, then CFGI_STE + SYNC. */
    @Override
    public synchronized void bypass(int streamId) {
        checkStream(streamId);
        long ste = steAddress(streamId);
        pages.store(ste + 8, 8, 1L << 44);
        pages.store(ste + 16, 8, 0);
        pages.store(ste + 24, 8, 0);
        pages.store(ste, 8, 1L | (long) STE_CFG_BYPASS << 1);
        submit(List.of(new long[] {CMD_CFGI_STE | (long) streamId << 32, 1}), true);
        cds.put(streamId, -1L);
    }

    @Override
    public synchronized Context attach(int streamId, IoPageTable table) {
        checkStream(streamId);
        int asid = nextAsid++;
        long cd = pages.allocate(CD_BYTES, 64);
        writeCd(streamId, cd, asid, table.root());
        writeSte(streamId, cd);
        cds.put(streamId, cd);
        return new Context(streamId, asid, -1);
    }

    /** {@code arm_smmu_write_ctx_desc}: TTB0 and MAIR first, then word 0 with V, then CFGI_CD + SYNC. */
    private void writeCd(int sid, long cd, int asid, long ttb0) {
        pages.store(cd + 8, 8, ttb0 & 0x000F_FFFF_FFFF_FFF0L);
        pages.store(cd + 24, 8, IoPageTable.MAIR);
        long dw0 = IoPageTable.T0SZ // T0SZ
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
        long dw1 = 0L // S1DSS = terminate
                | 1L << 2 // S1CIR: write-back
                | 1L << 4 // S1COR
                | 3L << 6 // S1CSH: inner shareable
                | 1L << 27 // S1STALLD
                | 0L << 30; // STRW: NS-EL1
        pages.store(ste + 8, 8, dw1);
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
