package org.trapdoor.guest.iommu;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.iommu.IommuFault.Kind;
import org.trapdoor.guest.printk.BootLog;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * The kernel's driver for one {@code arm,mmu-500} / {@code arm,smmu-v2} node, in the order of
 * Linux's {@code arm-smmu.c}:
 * <ol>
 * <li>probe: ID0 (stage 1, stream matching, SMR count, StreamID bits), ID1 (page size, page
 *     count, context banks), ID2 (IAS/OAS, AArch64 4 KiB granule); the context banks start
 *     {@code 2^(NUMPAGENDXB+1)} pages above the base;</li>
 * <li>reset: sGFSR cleared; every SMR invalid and its S2CR of type fault; every context bank's
 *     SCTLR cleared and FSR acknowledged; TLBIALLNSNH/TLBIALLH and a global sync; sCR0 with
 *     global fault reporting and interrupts, USFCFG (unmatched streams fault) and PTM, and
 *     CLIENTPD, VMIDPNE and BSU cleared;</li>
 * <li>attach: a free context bank — CBA2R VA64, CBAR stage 1 with stage 2 bypass and the
 *     context interrupt index, TCR2 (IPS, 16-bit ASIDs), TTBR0 with the ASID, TCR (T0SZ 16, 4 KiB
 *     granule, inner-shareable WBWA walks, EPD1), MAIR0/1, SCTLR M|TRE|AFE|CFRE|CFIE|ASIDPNE —
 *     then the stream mapping entry: S2CR translate to the bank, then SMR valid with the
 *     StreamID and an exact mask.</li>
 * </ol>
 * TLB maintenance after an unmap is TLBIVA per page (ASID in bits [63:48]) then TLBSYNC, polled
 * through TLBSTATUS (bounded).
 */
public final class ArmSmmu implements IommuOps {
    // GR0
    static final int SCR0 = 0x000, ID0 = 0x020, ID1 = 0x024, ID2 = 0x028, SGFSR = 0x048, SGFSYNR0 = 0x050,
            SGFSYNR1 = 0x054, SGFAR = 0x040, TLBIALLNSNH = 0x068, TLBIALLH = 0x06C, STLBGSYNC = 0x070,
            STLBGSTATUS = 0x074, SMR = 0x800, S2CR = 0xC00;
    // GR1 (one page above GR0)
    static final int CBAR = 0x000, CBA2R = 0x800;
    // Context bank
    static final int CB_SCTLR = 0x000, CB_TCR2 = 0x010, CB_TTBR0 = 0x020, CB_TCR = 0x030, CB_MAIR0 = 0x038,
            CB_MAIR1 = 0x03C, CB_FSR = 0x058, CB_FAR = 0x060, CB_FSYNR0 = 0x068, CB_TLBIVA = 0x600,
            CB_TLBIASID = 0x610, CB_TLBSYNC = 0x7F0, CB_TLBSTATUS = 0x7F4;

    static final int SCR0_CLIENTPD = 1, SCR0_GFRE = 1 << 1, SCR0_GFIE = 1 << 2, SCR0_GCFGFRE = 1 << 4,
            SCR0_GCFGFIE = 1 << 5, SCR0_USFCFG = 1 << 10, SCR0_VMIDPNE = 1 << 11, SCR0_PTM = 1 << 12,
            SCR0_BSU = 3 << 14;
    static final int SCTLR_M = 1, SCTLR_TRE = 1 << 1, SCTLR_AFE = 1 << 2, SCTLR_CFRE = 1 << 5, SCTLR_CFIE = 1 << 6,
            SCTLR_ASIDPNE = 1 << 12;
    static final int S2CR_TYPE_TRANS = 0, S2CR_TYPE_BYPASS = 1, S2CR_TYPE_FAULT = 2;
    static final int CBAR_TYPE_S1_TRANS_S2_BYPASS = 1;
    static final int SMR_VALID = 1 << 31;
    static final int FSR_FAULT = 0x1FE | 1 << 30 | 1 << 31;
    static final int POLL_LIMIT = 100_000;

    private final DtNode node;
    private final Mmio mmio;
    private final BootLog log;
    private long base;
    private long pageSize;
    private long cbBase;
    private int numSmr;
    private int numCb;
    private int sidMask;
    private int oasEncoding;
    private int[] smrOwner;
    private int[] cbStream;

    public ArmSmmu(DtNode node, Mmio mmio, PageAllocator pages, BootLog log) {
        this.node = node;
        this.mmio = mmio;
        this.log = log;
    }

    @Override
    public String kind() {
        return "SMMUv2";
    }

    @Override
    public String node() {
        return node.path();
    }

    private int gr0(int off) {
        return mmio.read32(base + off);
    }

    private void gr0(int off, int v) {
        mmio.write32(base + off, v);
    }

    private long gr1() {
        return base + pageSize;
    }

    private long cb(int n) {
        return cbBase + n * pageSize;
    }

    @Override
    public synchronized void init() {
        List<RegEntry> reg = node.reg();
        if (reg.isEmpty()) {
            throw new IllegalStateException(node.path() + ": no reg");
        }
        base = reg.get(0).address();
        int id0 = gr0(ID0);
        int id1 = gr0(ID1);
        int id2 = gr0(ID2);
        if (id0 == -1 && id1 == -1) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: no SMMU answers (ID0 reads all-ones)", base));
        }
        if ((id0 & (1 << 30)) == 0) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: no stage-1 support (ID0 0x%08x)", base, id0));
        }
        if ((id0 & (1 << 27)) == 0) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: stream indexing is not supported", base));
        }
        if ((id2 & (1 << 12)) == 0) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: no AArch64 4K granule (ID2 0x%08x)", base, id2));
        }
        numSmr = id0 & 0xFF;
        int sidBits = (id0 >>> 9) & 0xF;
        sidMask = (1 << sidBits) - 1;
        pageSize = (id1 & (1 << 31)) != 0 ? 0x10000 : 0x1000;
        int numPages = 1 << (((id1 >>> 28) & 7) + 1);
        numCb = id1 & 0xFF;
        cbBase = base + numPages * pageSize;
        if (numCb == 0 || numSmr == 0) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: %d context banks, %d SMRs", base, numCb, numSmr));
        }
        if (reg.get(0).size() < 2 * numPages * pageSize) {
            log.warn("SMMUv2@0x%x: reg size 0x%x smaller than the 0x%x the SMMU describes", base, reg.get(0).size(),
                    2 * numPages * pageSize);
        }
        oasEncoding = Math.min((id2 >>> 4) & 0xF, 5);
        smrOwner = new int[numSmr];
        cbStream = new int[numCb];
        java.util.Arrays.fill(smrOwner, -1);
        java.util.Arrays.fill(cbStream, -1);
        reset();
        log.info("SMMUv2@0x%x: %d SMRs, %d-bit SIDs, %d context banks @0x%x, %s pages", base, numSmr, sidBits, numCb,
                cbBase, pageSize == 0x1000 ? "4K" : "64K");
    }

    /** {@code arm_smmu_device_reset}. */
    private void reset() {
        gr0(SGFSR, gr0(SGFSR));
        for (int i = 0; i < numSmr; i++) {
            gr0(S2CR + 4 * i, S2CR_TYPE_FAULT << 16);
            gr0(SMR + 4 * i, 0);
        }
        for (int i = 0; i < numCb; i++) {
            mmio.write32(cb(i) + CB_SCTLR, 0);
            mmio.write32(cb(i) + CB_FSR, FSR_FAULT);
        }
        gr0(TLBIALLH, 0);
        gr0(TLBIALLNSNH, 0);
        globalSync();
        int scr0 = gr0(SCR0);
        scr0 |= SCR0_GFRE | SCR0_GFIE | SCR0_GCFGFRE | SCR0_GCFGFIE | SCR0_USFCFG | SCR0_PTM;
        scr0 &= ~(SCR0_CLIENTPD | SCR0_VMIDPNE | SCR0_BSU);
        globalSync();
        gr0(SCR0, scr0);
        if ((gr0(SCR0) & SCR0_CLIENTPD) != 0) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: sCR0.CLIENTPD did not clear", base));
        }
    }

    private void globalSync() {
        gr0(STLBGSYNC, 0);
        for (int i = 0; i < POLL_LIMIT; i++) {
            if ((gr0(STLBGSTATUS) & 1) == 0) {
                return;
            }
        }
        throw new IllegalStateException(String.format("SMMUv2@0x%x: TLB sync timed out", base));
    }

    /** A free stream mapping entry for {@code streamId}. */
    private int freeSme(int streamId) {
        if (streamId < 0 || (streamId & ~sidMask) != 0) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: StreamID 0x%x beyond the SMMU's %d bits", base,
                    streamId, Integer.bitCount(sidMask)));
        }
        int idx = -1;
        for (int i = 0; i < numSmr && idx < 0; i++) {
            if (smrOwner[i] == streamId) {
                throw new IllegalStateException(String.format("SMMUv2@0x%x: StreamID 0x%x is already attached", base,
                        streamId));
            }
            if (smrOwner[i] < 0) {
                idx = i;
            }
        }
        if (idx < 0) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: no free stream mapping entry for StreamID 0x%x",
                    base, streamId));
        }
        return idx;
    }

    /** S2CR bypass, then the SMR. */
    @Override
    public synchronized void bypass(int streamId) {
        int idx = freeSme(streamId);
        gr0(S2CR + 4 * idx, S2CR_TYPE_BYPASS << 16);
        gr0(SMR + 4 * idx, SMR_VALID | streamId);
        smrOwner[idx] = streamId;
    }

    @Override
    public synchronized Context attach(int streamId, IoPgtableArm table) {
        int idx = freeSme(streamId);
        int bank = -1;
        for (int i = 0; i < numCb && bank < 0; i++) {
            if (cbStream[i] < 0) {
                bank = i;
            }
        }
        if (bank < 0) {
            throw new IllegalStateException(String.format("SMMUv2@0x%x: no free context bank for StreamID 0x%x", base,
                    streamId));
        }
        // Linux: the ASID of a stage-1 domain is its context bank number.
        int asid = bank;
        long cbr = cb(bank);
        mmio.write32(gr1() + CBA2R + 4L * bank, 1); // VA64
        mmio.write32(gr1() + CBAR + 4L * bank, bank << 24 | CBAR_TYPE_S1_TRANS_S2_BYPASS << 16);
        mmio.write32(cbr + CB_TCR2, oasEncoding | 1 << 4); // PASize, AS: 16-bit ASIDs
        mmio.write64(cbr + CB_TTBR0, (table.root() & 0x0000_FFFF_FFFF_FFF0L) | (long) asid << 48);
        int tcr = IoPgtableArm.T0SZ | 1 << 8 | 1 << 10 | 3 << 12 | 0 << 14 | 1 << 23; // IRGN0/ORGN0 WBWA, SH0 IS, TG0 4K, EPD1
        mmio.write32(cbr + CB_TCR, tcr);
        mmio.write32(cbr + CB_MAIR0, (int) IoPgtableArm.MAIR);
        mmio.write32(cbr + CB_MAIR1, (int) (IoPgtableArm.MAIR >>> 32));
        mmio.write32(cbr + CB_SCTLR, SCTLR_CFIE | SCTLR_CFRE | SCTLR_AFE | SCTLR_TRE | SCTLR_M | SCTLR_ASIDPNE);
        // The S2CR before the SMR, so a match never lands on a stale S2CR.
        gr0(S2CR + 4 * idx, S2CR_TYPE_TRANS << 16 | bank);
        gr0(SMR + 4 * idx, SMR_VALID | streamId);
        cbStream[bank] = streamId;
        smrOwner[idx] = streamId;
        return new Context(streamId, asid, bank);
    }

    @Override
    public void flush(Context c, long iova, long size) {
        long cbr = cb(c.bank());
        synchronized (this) {
            if (size > 64 * IovaAllocator.PAGE) {
                mmio.write32(cbr + CB_TLBIASID, c.asid());
            } else {
                for (long off = 0; off < size; off += IovaAllocator.PAGE) {
                    mmio.write64(cbr + CB_TLBIVA, ((iova + off) >>> 12) | (long) c.asid() << 48);
                }
            }
            mmio.write32(cbr + CB_TLBSYNC, 0);
            for (int i = 0; i < POLL_LIMIT; i++) {
                if ((mmio.read32(cbr + CB_TLBSTATUS) & 1) == 0) {
                    return;
                }
            }
        }
        throw new IllegalStateException(String.format("SMMUv2@0x%x: context bank %d TLB sync timed out", base,
                c.bank()));
    }

    /** Context faults latched in each bank's FSR/FAR/FSYNR0, and the global one in sGFSR: read and acknowledged. */
    @Override
    public synchronized List<IommuFault> drainFaults() {
        List<IommuFault> out = new ArrayList<>();
        if (base == 0) {
            return out;
        }
        int gfsr = gr0(SGFSR);
        if ((gfsr & 0x1FF) != 0) {
            long far = mmio.read64(base + SGFAR);
            int sid = gr0(SGFSYNR1) & 0xFFFF;
            boolean write = (gr0(SGFSYNR0) & 2) != 0;
            Kind k = (gfsr & 4) != 0 ? Kind.STREAM_MATCH_CONFLICT : (gfsr & 8) != 0 ? Kind.UNIMPLEMENTED_CONTEXT_BANK
                    : Kind.UNIDENTIFIED_STREAM;
            out.add(new IommuFault(k, gfsr & 0x1FF, sid, far, write, false, 0, -1));
            gr0(SGFSR, gfsr);
        }
        for (int i = 0; i < numCb; i++) {
            if (cbStream[i] < 0) {
                continue;
            }
            int fsr = mmio.read32(cb(i) + CB_FSR);
            if ((fsr & 0x1FE) == 0) {
                continue;
            }
            long far = mmio.read64(cb(i) + CB_FAR);
            boolean write = (mmio.read32(cb(i) + CB_FSYNR0) & (1 << 4)) != 0;
            Kind k = (fsr & (1 << 3)) != 0 ? Kind.PERMISSION : (fsr & (1 << 2)) != 0 ? Kind.ACCESS
                    : (fsr & (1 << 4)) != 0 ? Kind.WALK_EABT : (fsr & (1 << 7)) != 0 ? Kind.ADDR_SIZE : Kind.TRANSLATION;
            out.add(new IommuFault(k, fsr & 0x1FE, cbStream[i], far, write, false, 0, i));
            mmio.write32(cb(i) + CB_FSR, fsr);
        }
        for (IommuFault f : out) {
            log.warn("SMMUv2@0x%x: %s", base, f);
        }
        return out;
    }
}
