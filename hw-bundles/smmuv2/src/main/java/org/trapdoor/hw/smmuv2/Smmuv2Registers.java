package org.trapdoor.hw.smmuv2;

import static org.trapdoor.api.register.Access.RO;
import static org.trapdoor.api.register.Access.RW;
import static org.trapdoor.api.register.Access.RW1C;

import org.trapdoor.api.register.Field;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The SMMUv2 register table (SMMU architecture specification v2, IHI 0062, chapters 9 and 10: the
 * global register spaces GR0 and GR1 and one translation context bank per 4 KiB page of the upper
 * half), as the manual lists it: offset, fields, access. Where fields are declared with an access
 * type, the writable and write-1-to-clear masks follow from them and bits in no field are RES0;
 * registers without such fields (the context banks' translation controls, syndromes) are stored
 * as written. What a write does is in {@link Smmuv2}, which hooks these registers.
 */
final class Smmuv2Registers {
    final RegisterBlock block;

    // ---- GR0 ---------------------------------------------------------------------------------
    /** sCR0: client port disable, global fault reporting, unmatched-stream behaviour. */
    final Register scr0;
    final Register id0;
    final Register id1;
    final Register id2;
    final Register sgfar;
    /** sGFSR: global faults; each flag is write-1-to-clear. */
    final Register sgfsr;
    final Register sgfsrRestore;
    final Register sgfsynr0;
    final Register sgfsynr1;
    final Register stlbiall;
    final Register tlbivmid;
    final Field tlbivmidVmid;
    final Register tlbiallnsnh;
    final Register tlbiallh;
    /** SMR&lt;n&gt;: stream match registers (ID, MASK, VALID). */
    final Register[] smr;
    final Field[] smrId;
    final Field[] smrMask;
    final Field[] smrValid;
    /** S2CR&lt;n&gt;: what a matched stream does (TYPE: translate, bypass, fault; CBNDX). */
    final Register[] s2cr;

    // ---- GR1 ---------------------------------------------------------------------------------
    /** CBAR&lt;n&gt;: the context bank's type, VMID and interrupt. */
    final Register[] cbar;
    final Register[] cbfrsynra;
    /** CBA2R&lt;n&gt;: VA64, the AArch64 descriptor format. */
    final Register[] cba2r;

    // ---- Context banks -----------------------------------------------------------------------
    final Register[] sctlr;
    final Register[] tcr2;
    final Register[] ttbr0;
    final Register[] tcr;
    /** CBn_FSR: the bank's fault status; each flag is write-1-to-clear. */
    final Register[] fsr;
    final Register[] fsrRestore;
    final Register[] far;
    final Register[] fsynr0;
    final Register[] tlbiva;
    final Register[] tlbivaa;
    final Register[] tlbiasid;
    final Register[] tlbiall;
    final Register[] tlbival;
    final Register[] tlbivaal;
    final Register[] tlbiipas2;
    final Register[] tlbiipas2l;

    /**
     * @param size   the whole frame (GR0 .. GR1 pages, then as many context bank pages)
     * @param numCb  context banks
     * @param id0..2 the identification registers' values (the model's choices, see {@link Smmuv2})
     */
    Smmuv2Registers(int size, int numCb, long id0Value, long id1Value, long id2Value) {
        block = new RegisterBlock("smmuv2", size).allowSizes(4, 8);
        int page = Smmuv2.PAGE;
        int cbBase = size / 2;

        scr0 = block.reg32("sCR0", 0x000).reset(Smmuv2.SCR0_CLIENTPD);
        scr0.flag("CLIENTPD", 0, RW);
        scr0.flag("GFRE", 1, RW);
        scr0.flag("GFIE", 2, RW);
        scr0.flag("EXIDENABLE", 3, RW);
        scr0.flag("GCFGFRE", 4, RW);
        scr0.flag("GCFGFIE", 5, RW);
        scr0.field("TRANSIENTCFG", 6, 2, RW);
        scr0.flag("STALLD", 8, RW);
        scr0.flag("GSE", 9, RW);
        scr0.flag("USFCFG", 10, RW);
        scr0.flag("VMIDPNE", 11, RW);
        scr0.flag("PTM", 12, RW);
        scr0.flag("FB", 13, RW);
        scr0.field("BSU", 14, 2, RW);
        scr0.field("MEMATTR", 16, 4, RW);
        scr0.flag("MTCFG", 20, RW);
        scr0.flag("SMCFCFG", 21, RW);
        scr0.flag("HYPMODE", 30, RW);
        scr0.flag("VMID16EN", 31, RW);
        block.reg32("sCR1", 0x004);
        block.reg32("sACR", 0x010);

        id0 = block.reg32("ID0", 0x020).readOnly().reset(id0Value);
        id1 = block.reg32("ID1", 0x024).readOnly().reset(id1Value);
        id2 = block.reg32("ID2", 0x028).readOnly().reset(id2Value);
        for (int i = 3; i <= 7; i++) {
            block.reg32("ID" + i, 0x020 + 4 * i).readOnly();
        }

        sgfar = block.reg64("sGFAR", 0x040);
        sgfsr = block.reg32("sGFSR", 0x048);
        String[] gfsr = {"ICF", "USF", "SMCF", "UCBF", "UCIF", "CAF", "EF", "PF", "UUT"};
        for (int b = 0; b < gfsr.length; b++) {
            sgfsr.flag(gfsr[b], b, RW1C);
        }
        sgfsr.flag("MULTI", 31, RW1C);
        sgfsrRestore = block.reg32("sGFSRRESTORE", 0x04C);
        sgfsynr0 = block.reg32("sGFSYNR0", 0x050);
        sgfsynr1 = block.reg32("sGFSYNR1", 0x054);
        block.reg32("sGFSYNR2", 0x058);
        stlbiall = block.reg32("STLBIALL", 0x060).writeOnly();
        tlbivmid = block.reg32("TLBIVMID", 0x064).writeOnly();
        tlbivmidVmid = tlbivmid.field("VMID", 0, 8);
        tlbiallnsnh = block.reg32("TLBIALLNSNH", 0x068).writeOnly();
        tlbiallh = block.reg32("TLBIALLH", 0x06C).writeOnly();
        // Maintenance completes at once: GSACTIVE never reads 1.
        block.reg32("sTLBGSYNC", 0x070).writeOnly();
        block.reg32("sTLBGSTATUS", 0x074).readOnly();

        smr = block.reg32Array("SMR", 0x800, Smmuv2.NUM_SMR);
        smrId = new Field[smr.length];
        smrMask = new Field[smr.length];
        smrValid = new Field[smr.length];
        s2cr = block.reg32Array("S2CR", 0xC00, Smmuv2.NUM_SMR);
        for (int i = 0; i < smr.length; i++) {
            smrId[i] = smr[i].field("ID", 0, 15, RW);
            smrMask[i] = smr[i].field("MASK", 16, 15, RW);
            smrValid[i] = smr[i].flag("VALID", 31, RW);
            Register s = s2cr[i];
            s.field("CBNDX", 0, 8, RW);
            s.field("SHCFG", 8, 2, RW);
            s.flag("EXIDVALID", 10, RW);
            s.flag("MTCFG", 11, RW);
            s.field("MEMATTR", 12, 4, RW);
            s.field("TYPE", 16, 2, RW);
            s.field("NSCFG", 18, 2, RW);
            s.field("RACFG", 20, 2, RW);
            s.field("PRIVCFG", 24, 2, RW);
            s.field("INSTCFG", 26, 2, RW);
        }

        cbar = block.reg32Array("CBAR", page, numCb);
        cbfrsynra = block.reg32Array("CBFRSYNRA", page + 0x400, numCb);
        cba2r = block.reg32Array("CBA2R", page + 0x800, numCb);
        for (int i = 0; i < numCb; i++) {
            Register c = cbar[i];
            c.field("VMID", 0, 8, RW);
            c.field("BPSHCFG", 8, 2, RW);
            c.flag("HYPC", 10, RW);
            c.flag("FB", 11, RW);
            c.field("MEMATTR", 12, 4, RW);
            c.field("TYPE", 16, 2, RW);
            c.field("BSU", 18, 2, RW);
            c.field("IRPTNDX", 24, 8, RW);
            cba2r[i].flag("VA64", 0, RW);
        }

        sctlr = new Register[numCb];
        tcr2 = new Register[numCb];
        ttbr0 = new Register[numCb];
        tcr = new Register[numCb];
        fsr = new Register[numCb];
        fsrRestore = new Register[numCb];
        far = new Register[numCb];
        fsynr0 = new Register[numCb];
        tlbiva = new Register[numCb];
        tlbivaa = new Register[numCb];
        tlbiasid = new Register[numCb];
        tlbiall = new Register[numCb];
        tlbival = new Register[numCb];
        tlbivaal = new Register[numCb];
        tlbiipas2 = new Register[numCb];
        tlbiipas2l = new Register[numCb];
        String[] fsrFlags = {null, "TF", "AFF", "PF", "EF", "TLBMCF", "TLBLKF", "ASF", "UUT"};
        for (int i = 0; i < numCb; i++) {
            int b = cbBase + i * page;
            String n = "CB" + i + "_";
            sctlr[i] = block.reg32(n + "SCTLR", b);
            block.reg32(n + "ACTLR", b + 0x004);
            block.reg32(n + "RESUME", b + 0x008).writeOnly();
            tcr2[i] = block.reg32(n + "TCR2", b + 0x010);
            ttbr0[i] = block.reg64(n + "TTBR0", b + 0x020);
            block.reg64(n + "TTBR1", b + 0x028);
            tcr[i] = block.reg32(n + "TCR", b + 0x030);
            block.reg32(n + "CONTEXTIDR", b + 0x034);
            block.reg32(n + "MAIR0", b + 0x038);
            block.reg32(n + "MAIR1", b + 0x03C);
            block.reg64(n + "PAR", b + 0x050).readOnly();
            fsr[i] = block.reg32(n + "FSR", b + 0x058);
            for (int f = 1; f < fsrFlags.length; f++) {
                fsr[i].flag(fsrFlags[f], f, RW1C);
            }
            fsr[i].flag("SS", 30, RW1C);
            fsr[i].flag("MULTI", 31, RW1C);
            fsrRestore[i] = block.reg32(n + "FSRRESTORE", b + 0x05C);
            far[i] = block.reg64(n + "FAR", b + 0x060);
            fsynr0[i] = block.reg32(n + "FSYNR0", b + 0x068);
            block.reg32(n + "FSYNR1", b + 0x06C);
            block.reg64(n + "IPAFAR", b + 0x070);
            tlbiva[i] = block.reg64(n + "TLBIVA", b + 0x600).writeOnly();
            tlbivaa[i] = block.reg64(n + "TLBIVAA", b + 0x608).writeOnly();
            tlbiasid[i] = block.reg32(n + "TLBIASID", b + 0x610).writeOnly();
            tlbiall[i] = block.reg32(n + "TLBIALL", b + 0x618).writeOnly();
            tlbival[i] = block.reg64(n + "TLBIVAL", b + 0x620).writeOnly();
            tlbivaal[i] = block.reg64(n + "TLBIVAAL", b + 0x628).writeOnly();
            tlbiipas2[i] = block.reg64(n + "TLBIIPAS2", b + 0x630).writeOnly();
            tlbiipas2l[i] = block.reg64(n + "TLBIIPAS2L", b + 0x638).writeOnly();
            block.reg32(n + "TLBSYNC", b + 0x7F0).writeOnly();
            block.reg32(n + "TLBSTATUS", b + 0x7F4).readOnly();
        }
    }
}
