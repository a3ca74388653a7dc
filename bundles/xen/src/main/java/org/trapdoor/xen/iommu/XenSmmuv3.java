package org.trapdoor.xen.iommu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * Xen's SMMUv3 driver ({@code xen/drivers/passthrough/arm/smmu-v3.c}) for one SMMU: Xen owns the
 * SMMU (Dom0 never sees it) and uses stage 2 only. It programs the hardware model through its
 * registers and through tables and queues in Xen's own memory, as the C driver does:
 * <ul>
 * <li>probe: IDR0 must offer stage 2; a 2-level stream table when ST_LVL says so, with
 * {@code STRTAB_SPLIT} = 8 and the level-1 table capped by SIDSIZE; VMIDs of 8 or 16 bits;</li>
 * <li>reset ({@code arm_smmu_device_reset}): SMMU off, CR1/CR2 (PTM, RECINVSID, E2H), stream table
 * base, command queue on, CFGI_ALL + TLBI_EL2_ALL + TLBI_NSNH_ALL + SYNC, event queue on, SMMU
 * on;</li>
 * <li>every STE aborts until a device is attached ({@code disable_bypass}); a device added gets
 * its level-2 table ({@code arm_smmu_init_l2_strtab});</li>
 * <li>attach: an STE with Config = stage-2 translate, the domain's VMID (from the SMMU's own VMID
 * bitmap, VMID 0 reserved, as {@code arm_smmu_domain_finalise_s2}), S2PTW, S2AA64, S2R (faults
 * recorded) and S2TTB = the P2M root; written as {@code arm_smmu_write_strtab_ent} does (dwords
 * 1-3, CFGI_STE + SYNC, dword 0, CFGI_STE + SYNC);</li>
 * <li>detach and quarantine ({@code dom_io}): the STE back to abort, and the VMID's TLB entries
 * invalidated when the domain's last device leaves;</li>
 * <li>faults: the event queue is read back ({@link #drainEvents}) and each record counted against
 * the domain that owned the StreamID when it was recorded (the queue is drained before any
 * StreamID changes owner).</li>
 * </ul>
 * Commands complete by CMD_SYNC with CS = SIG_SEV, polling CONS. Queues are 256 commands and 128
 * events (Xen's own memory; the upstream driver sizes them to the hardware's limit).
 *
 * <p>Slow path only (boot, assignment, fault read-back): synchronized.
 */
public final class XenSmmuv3 {
    static final int IDR0 = 0x0, IDR1 = 0x4, CR0 = 0x20, CR0ACK = 0x24, CR1 = 0x28, CR2 = 0x2C, GERROR = 0x60,
            GERRORN = 0x64, STRTAB_BASE = 0x80, STRTAB_BASE_CFG = 0x88, CMDQ_BASE = 0x90, CMDQ_PROD = 0x98,
            CMDQ_CONS = 0x9C, EVTQ_BASE = 0xA0, EVTQ_PROD = 0x100A8, EVTQ_CONS = 0x100AC;
    static final long CR0_SMMUEN = 1, CR0_EVTQEN = 1 << 2, CR0_CMDQEN = 1 << 3;
    static final int IRQ_CTRL = 0x50;
    static final long IRQ_GERROR = 1, IRQ_EVTQ = 1 << 2;
    static final int STRTAB_SPLIT = 8;
    static final int STRTAB_L1_SZ_SHIFT = 20;
    static final int STE_DWORDS = 8;
    static final int CMDQ_SHIFT = 8;
    static final int EVTQ_SHIFT = 7;
    static final int CFG_ABORT = 0, CFG_S2_TRANS = 6;
    static final long STE_1_SHCFG_INCOMING = 1L << 44;
    static final long STE_2_S2PTW = 1L << 54, STE_2_S2AA64 = 1L << 51, STE_2_S2R = 1L << 58;
    static final int CMD_PREFETCH_CFG = 0x01, CMD_CFGI_STE = 0x03, CMD_CFGI_STE_RANGE = 0x04, CMD_TLBI_EL2_ALL = 0x20,
            CMD_TLBI_S12_VMALL = 0x28, CMD_TLBI_NSNH_ALL = 0x30, CMD_SYNC = 0x46;
    private static final int RECENT = 64;

    /** Who owns a StreamID now, for fault attribution: a domain id, or {@link #DOM_IO}. */
    public static final int DOM_IO = 0x7FF1;
    static final int IIDR = 0x18, IMPDEF_FEAT = 0x0E00;

    private final String node;
    private final long base;
    private final AddressSpace mmio;
    private final PhysicalMemory ram;
    private final PageSource pages;
    private final Consumer<String> console;

    private int sidBits;
    private int vmidBits;
    private boolean twoLevel;
    private long strtab;
    private int l1Entries;
    private long[] l2Tables;
    private long cmdq;
    private long evtq;
    private int cmdProd;
    private int evtCons;
    private final BitSet vmids = new BitSet();
    /** domid -> VMID while the domain has devices behind this SMMU. */
    private final Map<Integer, Integer> vmidOf = new HashMap<>();
    /** domid -> number of its StreamIDs attached here. */
    private final Map<Integer, Integer> attached = new HashMap<>();
    /** StreamID -> owning domid (or DOM_IO) for fault attribution. */
    private final Map<Integer, Integer> owner = new HashMap<>();
    private final Map<Integer, Long> faultsByDomain = new HashMap<>();
    private final ArrayDeque<IommuFault> recent = new ArrayDeque<>();
    private long events;
    private volatile java.util.function.IntConsumer faultSink = d -> { };

    public XenSmmuv3(String node, long base, AddressSpace mmio, PhysicalMemory ram, PageSource pages,
            Consumer<String> console) {
        this.node = node;
        this.base = base;
        this.mmio = mmio;
        this.ram = ram;
        this.pages = pages;
        this.console = console;
    }

    public String node() {
        return node;
    }

    /** Hears of each write that faulted, with its data when the SMMU captured it. */
    @FunctionalInterface
    public interface WriteFaultSink {
        /**
         * @param sid          the StreamID
         * @param address      the input address (an IPA for a stage-2-only STE)
         * @param dataCaptured whether the record carries the data (the SMMU's FAULT_WDATA capability)
         * @param data         the write's low 32 bits, or 0
         */
        void writeFault(int sid, long address, boolean dataCaptured, int data);
    }

    private volatile WriteFaultSink writeFaults = (s, a, c, d) -> { };
    /** The SMMU reports a faulting write's data (the model's FAULT_WDATA, IMPDEF register 0x0E00 bit 0). */
    private boolean faultWriteData;

    public void onWriteFault(WriteFaultSink sink) {
        this.writeFaults = sink == null ? (s, a, c, d) -> { } : sink;
    }

    /** Whether this SMMU captures a faulting write's data (probed at reset). */
    public synchronized boolean capturesFaultData() {
        return faultWriteData;
    }

    /**
     * {@code iommu_iotlb_flush_all} for a domain: its stage-2 translations cached by the SMMU go
     * (after Xen changed its P2M under a device, e.g. unmapping a doorbell).
     */
    public synchronized void flush(int domid) {
        Integer vmid = vmidOf.get(domid);
        if (vmid != null) {
            command(CMD_TLBI_S12_VMALL | (long) vmid << 32, 0);
            sync();
        }
    }

    /** Told the owning domain id of every fault record read back (the domain's own DMA-fault counter). */
    public void onFault(java.util.function.IntConsumer sink) {
        this.faultSink = sink == null ? d -> { } : sink;
    }

    // ================================================================ probe and reset

    /**
     * {@code arm_smmu_device_hw_probe} + {@code arm_smmu_init_structures} + {@code arm_smmu_device_reset}.
     *
     * @throws IllegalStateException if the SMMU cannot do what Xen needs (no stage 2) or Xen is out of memory
     */
    public synchronized void probeAndReset() {
        long idr0 = rd(IDR0, 4);
        // The model's IMPLEMENTATION DEFINED feature register (Arm IIDR 0x43B): data-capturing aborts.
        faultWriteData = rd(IIDR, 4) == 0x43B && (rd(IMPDEF_FEAT, 4) & 1) != 0;
        long idr1 = rd(IDR1, 4);
        if ((idr0 & 1) == 0) {
            throw new IllegalStateException(node + ": SMMUv3 without stage-2 translation: Xen cannot use it");
        }
        twoLevel = ((idr0 >>> 27) & 3) == 1;
        vmidBits = (idr0 & (1L << 18)) != 0 ? 16 : 8;
        sidBits = (int) (idr1 & 0x3F);
        vmids.set(0); // VMID 0 is kept for bypass STEs
        initStrtab();
        cmdq = alloc(((1 << CMDQ_SHIFT) * 16 + 4095) / 4096);
        evtq = alloc(((1 << EVTQ_SHIFT) * 32 + 4095) / 4096);
        // Reset: off, then attributes, tables, queues; invalidate everything cached; on.
        wr(CR0, 4, 0);
        wr(CR1, 4, 3L << 10 | 1L << 8 | 1L << 6 | 3L << 4 | 1L << 2 | 1L);
        wr(CR2, 4, 1L << 2 | 1L << 1 | 1L);
        wr(STRTAB_BASE, 8, (1L << 62) | strtab);
        wr(STRTAB_BASE_CFG, 4, twoLevel ? (1L << 16) | (long) STRTAB_SPLIT << 6 | (Integer.numberOfTrailingZeros(l1Entries)
                + STRTAB_SPLIT) : sidBits);
        wr(CMDQ_BASE, 8, (1L << 62) | cmdq | CMDQ_SHIFT);
        wr(CMDQ_PROD, 4, 0);
        wr(CMDQ_CONS, 4, 0);
        cmdProd = 0;
        wr(CR0, 4, CR0_CMDQEN);
        command(CMD_CFGI_STE_RANGE, 31);
        command(CMD_TLBI_EL2_ALL, 0);
        command(CMD_TLBI_NSNH_ALL, 0);
        sync();
        wr(EVTQ_BASE, 8, (1L << 62) | evtq | EVTQ_SHIFT);
        wr(EVTQ_PROD, 4, 0);
        wr(EVTQ_CONS, 4, 0);
        evtCons = 0;
        wr(CR0, 4, CR0_CMDQEN | CR0_EVTQEN);
        // arm_smmu_setup_irqs: wired event-queue and global-error interrupts (no MSI: IRQ_CFG0 stays 0).
        wr(IRQ_CTRL, 4, IRQ_EVTQ | IRQ_GERROR);
        wr(CR0, 4, CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN);
        if ((rd(CR0ACK, 4) & CR0_SMMUEN) == 0) {
            throw new IllegalStateException(node + ": SMMU did not acknowledge SMMUEN");
        }
        console.accept(String.format("SMMUv3: %s: %s stream table, %d-bit StreamIDs, %d-bit VMIDs, stage 2 only",
                node, twoLevel ? "2-level" : "linear", sidBits, vmidBits));
    }

    private void initStrtab() {
        if (twoLevel) {
            int size = STRTAB_L1_SZ_SHIFT - 3;
            size = Math.min(size, sidBits - STRTAB_SPLIT);
            l1Entries = 1 << Math.max(size, 0);
            strtab = alloc(Math.max(1, (l1Entries * 8 + 4095) / 4096));
            l2Tables = new long[l1Entries];
        } else {
            l1Entries = 1 << sidBits;
            strtab = alloc((l1Entries * STE_DWORDS * 8 + 4095) / 4096);
            for (int sid = 0; sid < l1Entries; sid++) {
                writeAbortSte(strtab + (long) sid * STE_DWORDS * 8);
            }
        }
    }

    private long alloc(int count) {
        long a = pages.allocate(count, 1);
        if (a < 0) {
            throw new IllegalStateException(node + ": Xen is out of memory for SMMU tables");
        }
        return a;
    }

    // ================================================================ devices

    /**
     * A master appears ({@code arm_smmu_add_device}): its level-2 stream table exists from now on,
     * with every STE aborting.
     *
     * @throws IllegalArgumentException for a StreamID beyond what the stream table covers
     */
    public synchronized void addDevice(int sid) {
        steAddress(sid);
        owner.putIfAbsent(sid, DOM_IO);
    }

    /** Attaches {@code sid} to a domain's stage 2 (its owner from now on). */
    public synchronized void attach(int sid, Stage2 s2) {
        drainEvents();
        release(sid);
        Integer vmid = vmidOf.get(s2.domid());
        if (vmid == null) {
            vmid = vmids.nextClearBit(1);
            if (vmid >= 1 << vmidBits) {
                throw new IllegalStateException(node + ": out of VMIDs");
            }
            vmids.set(vmid);
            vmidOf.put(s2.domid(), vmid);
        }
        attached.merge(s2.domid(), 1, Integer::sum);
        long ste = steAddress(sid);
        ram.store64(ste + 8, STE_1_SHCFG_INCOMING);
        ram.store64(ste + 16, (vmid & 0xFFFFL) | (s2.vtcr() & 0x7FFFFL) << 32 | STE_2_S2PTW | STE_2_S2AA64 | STE_2_S2R);
        ram.store64(ste + 24, s2.root() & 0x000F_FFFF_FFFF_FFF0L);
        syncSte(sid);
        ram.store64(ste, 1 | (long) CFG_S2_TRANS << 1);
        syncSte(sid);
        command(CMD_PREFETCH_CFG | (long) sid << 32, 0);
        owner.put(sid, s2.domid());
    }

    /** Quarantines {@code sid} ({@code dom_io}): its STE aborts every transaction from now on. */
    public synchronized void quarantine(int sid) {
        drainEvents();
        release(sid);
        long ste = steAddress(sid);
        writeAbortSte(ste);
        syncSte(sid);
        owner.put(sid, DOM_IO);
    }

    /** Drops {@code sid}'s hold on its current domain's VMID, freeing it with the domain's last StreamID. */
    private void release(int sid) {
        Integer d = owner.get(sid);
        if (d == null || d == DOM_IO) {
            return;
        }
        int left = attached.merge(d, -1, Integer::sum);
        if (left <= 0) {
            attached.remove(d);
            Integer vmid = vmidOf.remove(d);
            if (vmid != null) {
                command(CMD_TLBI_S12_VMALL | (long) vmid << 32, 0);
                sync();
                vmids.clear(vmid);
            }
        }
    }

    /** What the SMMU does with {@code sid}'s DMA now, for {@code xen}: "stage 2, vmid N" or "abort". */
    public synchronized String context(int sid) {
        Integer d = owner.get(sid);
        if (d == null || d == DOM_IO) {
            return "abort";
        }
        return "stage 2, vmid " + vmidOf.get(d);
    }

    private void writeAbortSte(long ste) {
        ram.store64(ste + 8, STE_1_SHCFG_INCOMING);
        ram.store64(ste + 16, 0);
        ram.store64(ste + 24, 0);
        ram.store64(ste, 1 | (long) CFG_ABORT << 1);
    }

    /** The STE's machine address, allocating the level-2 table on first use. */
    private long steAddress(int sid) {
        if (sid < 0 || sid >= 1 << sidBits) {
            throw new IllegalArgumentException(String.format("%s: StreamID 0x%x beyond %d bits", node, sid, sidBits));
        }
        if (!twoLevel) {
            return strtab + (long) sid * STE_DWORDS * 8;
        }
        int l1 = sid >>> STRTAB_SPLIT;
        if (l1 >= l1Entries) {
            throw new IllegalArgumentException(String.format("%s: StreamID 0x%x beyond the stream table", node, sid));
        }
        if (l2Tables[l1] == 0) {
            int ents = 1 << STRTAB_SPLIT;
            long l2 = alloc(ents * STE_DWORDS * 8 / 4096);
            for (int i = 0; i < ents; i++) {
                writeAbortSte(l2 + (long) i * STE_DWORDS * 8);
            }
            l2Tables[l1] = l2;
            ram.store64(strtab + (long) l1 * 8, (STRTAB_SPLIT + 1) | l2);
        }
        return l2Tables[l1] + (long) (sid & ((1 << STRTAB_SPLIT) - 1)) * STE_DWORDS * 8;
    }

    // ================================================================ command queue

    private void syncSte(int sid) {
        command(CMD_CFGI_STE | (long) sid << 32, 1); // leaf
        sync();
    }

    private void command(long dw0, long dw1) {
        long slot = cmdq + (long) (cmdProd & ((1 << CMDQ_SHIFT) - 1)) * 16;
        ram.store64(slot, dw0);
        ram.store64(slot + 8, dw1);
        cmdProd = (cmdProd + 1) & ((2 << CMDQ_SHIFT) - 1);
        wr(CMDQ_PROD, 4, cmdProd);
    }

    /** CMD_SYNC (CS = SIG_SEV), then CONS must have caught up; a command error is reported. */
    private void sync() {
        command(CMD_SYNC | 2L << 12, 0);
        long cons = rd(CMDQ_CONS, 4);
        if (((rd(GERROR, 4) ^ rd(GERRORN, 4)) & 1) != 0) {
            console.accept(String.format("SMMUv3: %s: CMD_SYNC timeout or command error (CONS 0x%x)", node, cons));
            wr(GERRORN, 4, rd(GERROR, 4));
            return;
        }
        if ((cons & ((2 << CMDQ_SHIFT) - 1)) != cmdProd) {
            console.accept(String.format("SMMUv3: %s: CMD_SYNC timeout (CONS 0x%x PROD 0x%x)", node, cons, cmdProd));
        }
    }

    // ================================================================ faults

    /**
     * Reads every new event record ({@code arm_smmu_evtq_thread}), counts it against the domain that
     * owns its StreamID, keeps the latest for {@link #recentFaults}, and moves CONS.
     *
     * @return the records read
     */
    public synchronized int drainEvents() {
        if (evtq == 0) {
            return 0;
        }
        int mask = (2 << EVTQ_SHIFT) - 1;
        long prodReg = rd(EVTQ_PROD, 4);
        int prod = (int) prodReg & mask;
        int n = 0;
        while (evtCons != prod) {
            long rec = evtq + (long) (evtCons & ((1 << EVTQ_SHIFT) - 1)) * 32;
            long dw0 = ram.load64(rec);
            long dw1 = ram.load64(rec + 8);
            long dw2 = ram.load64(rec + 16);
            long dw3 = ram.load64(rec + 24);
            int id = (int) (dw0 & 0xFF);
            int sid = (int) (dw0 >>> 32);
            int d = owner.getOrDefault(sid, DOM_IO);
            faultsByDomain.merge(d, 1L, Long::sum);
            faultSink.accept(d);
            events++;
            if (recent.size() == RECENT) {
                recent.removeFirst();
            }
            recent.addLast(new IommuFault(kind(id), id, sid, dw2, (dw1 & (1L << 35)) == 0, (dw1 & (1L << 39)) != 0,
                    dw3 & 0x000F_FFFF_FFFF_F000L, -1));
            if ((id == 0x10 || id == 0x13) && (dw1 & (1L << 35)) == 0) {
                boolean captured = faultWriteData && dw1 < 0; // bit 63: data valid
                writeFaults.writeFault(sid, dw2, captured, captured ? (int) dw1 : 0);
            }
            evtCons = (evtCons + 1) & mask;
            n++;
        }
        // Acknowledge an overflow by copying PROD.OVFLG into CONS.
        wr(EVTQ_CONS, 4, (prodReg & (1L << 31)) | evtCons);
        return n;
    }

    private static IommuFault.Kind kind(int id) {
        return switch (id) {
            case 0x02 -> IommuFault.Kind.BAD_STREAMID;
            case 0x03 -> IommuFault.Kind.STE_FETCH;
            case 0x04 -> IommuFault.Kind.BAD_STE;
            case 0x09 -> IommuFault.Kind.CD_FETCH;
            case 0x0A -> IommuFault.Kind.BAD_CD;
            case 0x0B -> IommuFault.Kind.WALK_EABT;
            case 0x11 -> IommuFault.Kind.ADDR_SIZE;
            case 0x12 -> IommuFault.Kind.ACCESS;
            case 0x13 -> IommuFault.Kind.PERMISSION;
            default -> IommuFault.Kind.TRANSLATION;
        };
    }

    /** Fault records read back so far against {@code domid} (after draining the queue). */
    public synchronized long faults(int domid) {
        drainEvents();
        return faultsByDomain.getOrDefault(domid, 0L);
    }

    /** Every fault record read back so far. */
    public synchronized long events() {
        drainEvents();
        return events;
    }

    public synchronized List<IommuFault> recentFaults() {
        drainEvents();
        return new ArrayList<>(recent);
    }

    // ================================================================ registers

    private long rd(int offset, int size) {
        return mmio.read(base + offset, size);
    }

    private void wr(int offset, int size, long value) {
        MemResult r = mmio.write(base + offset, size, value);
        if (r != MemResult.OK) {
            throw new IllegalStateException(String.format("%s: SMMU register 0x%x write refused (%s)", node, offset, r));
        }
    }
}
