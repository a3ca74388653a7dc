package org.trapdoor.hw.smmuv3;

import static org.trapdoor.api.register.Access.RO;
import static org.trapdoor.api.register.Access.RW;

import org.trapdoor.api.register.Field;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The SMMUv3 register table (Arm IHI 0070, chapter 6: page 0 at 0x00000, page 1 at 0x10000), as
 * the manual lists it: each register at its offset with its fields and their access. Writable
 * masks follow from the fields; bits in no field are RES0. Fields of features the model does not
 * implement (PRI, ATS responses, secure state) are left out, so they are RES0 here as the
 * architecture makes them when IDR0 says the feature is absent. What a write does is in
 * {@link Smmuv3} (which hooks these registers).
 */
final class Smmuv3Registers {
    final RegisterBlock block = new RegisterBlock("smmuv3", Smmuv3.FRAME_SIZE).allowSizes(4, 8);

    // ---- Identification (RO; values are the model's choices, see Smmuv3) --------------------
    final Register idr0 = block.reg32("IDR0", 0x00).reset(Smmuv3.IDR0).readOnly();
    final Register idr1 = block.reg32("IDR1", 0x04).reset(Smmuv3.IDR1).readOnly();
    final Register idr2 = block.reg32("IDR2", 0x08).readOnly();
    final Register idr3 = block.reg32("IDR3", 0x0C).readOnly();
    final Register idr4 = block.reg32("IDR4", 0x10).readOnly();
    final Register idr5 = block.reg32("IDR5", 0x14).reset(Smmuv3.IDR5).readOnly();
    final Register iidr = block.reg32("IIDR", 0x18).reset(Smmuv3.IIDR).readOnly();
    final Register aidr = block.reg32("AIDR", 0x1C).reset(Smmuv3.AIDR).readOnly();
    /**
     * IMPLEMENTATION DEFINED space (0x0E00..0x0EFF of page 0): the model's feature register,
     * bit 0 FAULT_WDATA (see {@link Smmuv3#FAULT_WDATA}).
     */
    final Register impdefFeatures = block.reg32("IMPDEF_FEAT", 0x0E00).readOnly();

    // ---- CR0 / CR0ACK: enables; every update completes at once, so ACK mirrors CR0 ------------
    final Register cr0 = block.reg32("CR0", 0x20);
    final Field cr0SmmuEn = cr0.flag("SMMUEN", 0, RW);
    final Field cr0EvtqEn = cr0.flag("EVENTQEN", 2, RW);
    final Field cr0CmdqEn = cr0.flag("CMDQEN", 3, RW);
    final Field cr0AtsChk = cr0.flag("ATSCHK", 4, RW);
    final Field cr0Vmw = cr0.field("VMW", 6, 3, RW);
    final Register cr0ack = block.reg32("CR0ACK", 0x24).readOnly();

    // ---- CR1: table and queue cacheability and shareability ---------------------------------
    final Register cr1 = block.reg32("CR1", 0x28);
    final Field cr1QueueIc = cr1.field("QUEUE_IC", 0, 2, RW);
    final Field cr1QueueOc = cr1.field("QUEUE_OC", 2, 2, RW);
    final Field cr1QueueSh = cr1.field("QUEUE_SH", 4, 2, RW);
    final Field cr1TableIc = cr1.field("TABLE_IC", 6, 2, RW);
    final Field cr1TableOc = cr1.field("TABLE_OC", 8, 2, RW);
    final Field cr1TableSh = cr1.field("TABLE_SH", 10, 2, RW);

    final Register cr2 = block.reg32("CR2", 0x2C);
    final Field cr2E2h = cr2.flag("E2H", 0, RW);
    final Field cr2RecInvSid = cr2.flag("RECINVSID", 1, RW);
    final Field cr2Ptm = cr2.flag("PTM", 2, RW);

    final Register statusr = block.reg32("STATUSR", 0x40).readOnly();

    // ---- GBPA: global bypass attributes; fields change only with UPDATE = 1 -----------------
    final Register gbpa = block.reg32("GBPA", 0x44).reset(0x1000);
    final Field gbpaMemAttr = gbpa.field("MEMATTR", 0, 4, RW);
    final Field gbpaMtCfg = gbpa.flag("MTCFG", 4, RW);
    final Field gbpaAllocCfg = gbpa.field("ALLOCCFG", 8, 4, RW);
    final Field gbpaShCfg = gbpa.field("SHCFG", 12, 2, RW);
    final Field gbpaPrivCfg = gbpa.field("PRIVCFG", 16, 2, RW);
    final Field gbpaInstCfg = gbpa.field("INSTCFG", 18, 2, RW);
    final Field gbpaAbort = gbpa.flag("ABORT", 20, RW);
    final Field gbpaUpdate = gbpa.flag("UPDATE", 31, RW);
    final Register agbpa = block.reg32("AGBPA", 0x48).readOnly();

    // ---- Interrupts and global errors --------------------------------------------------------
    final Register irqCtrl = block.reg32("IRQ_CTRL", 0x50);
    final Field irqCtrlGerrorEn = irqCtrl.flag("GERROR_IRQEN", 0, RW);
    final Field irqCtrlEvtqEn = irqCtrl.flag("EVENTQ_IRQEN", 2, RW);
    final Register irqCtrlAck = block.reg32("IRQ_CTRLACK", 0x54).readOnly();

    /** GERROR: a bit toggles when its error becomes active; active while it differs from GERRORN. */
    final Register gerror = block.reg32("GERROR", 0x60);
    final Field gerrorCmdqErr = gerror.flag("CMDQ_ERR", 0, RO);
    final Field gerrorEvtqAbtErr = gerror.flag("EVENTQ_ABT_ERR", 2, RO);
    final Field gerrorPriqAbtErr = gerror.flag("PRIQ_ABT_ERR", 3, RO);
    final Field gerrorMsiCmdqAbtErr = gerror.flag("MSI_CMDQ_ABT_ERR", 4, RO);
    final Field gerrorMsiEvtqAbtErr = gerror.flag("MSI_EVENTQ_ABT_ERR", 5, RO);
    final Field gerrorMsiPriqAbtErr = gerror.flag("MSI_PRIQ_ABT_ERR", 6, RO);
    final Field gerrorMsiGerrorAbtErr = gerror.flag("MSI_GERROR_ABT_ERR", 7, RO);
    final Field gerrorSfmErr = gerror.flag("SFM_ERR", 8, RO);
    /** GERRORN: software acknowledges an error by writing its bit equal to GERROR's. */
    final Register gerrorn = block.reg32("GERRORN", 0x64);
    final Field gerrornCmdqErr = gerrorn.flag("CMDQ_ERR", 0, RW);
    final Field gerrornEvtqAbtErr = gerrorn.flag("EVENTQ_ABT_ERR", 2, RW);
    final Field gerrornPriqAbtErr = gerrorn.flag("PRIQ_ABT_ERR", 3, RW);
    final Field gerrornMsiCmdqAbtErr = gerrorn.flag("MSI_CMDQ_ABT_ERR", 4, RW);
    final Field gerrornMsiEvtqAbtErr = gerrorn.flag("MSI_EVENTQ_ABT_ERR", 5, RW);
    final Field gerrornMsiPriqAbtErr = gerrorn.flag("MSI_PRIQ_ABT_ERR", 6, RW);
    final Field gerrornMsiGerrorAbtErr = gerrorn.flag("MSI_GERROR_ABT_ERR", 7, RW);
    final Field gerrornSfmErr = gerrorn.flag("SFM_ERR", 8, RW);

    final Register gerrorIrqCfg0 = block.reg64("GERROR_IRQ_CFG0", 0x68);
    final Field gerrorIrqAddr = gerrorIrqCfg0.field("ADDR", 2, 50, RW);
    final Register gerrorIrqCfg1 = block.reg32("GERROR_IRQ_CFG1", 0x70);
    final Field gerrorIrqData = gerrorIrqCfg1.field("DATA", 0, 32, RW);
    final Register gerrorIrqCfg2 = block.reg32("GERROR_IRQ_CFG2", 0x74);
    final Field gerrorIrqMemAttr = gerrorIrqCfg2.field("MEMATTR", 0, 4, RW);
    final Field gerrorIrqSh = gerrorIrqCfg2.field("SH", 4, 2, RW);

    // ---- Stream table (fixed while SMMUEN = 1) -----------------------------------------------
    final Register strtabBase = block.reg64("STRTAB_BASE", 0x80);
    final Field strtabBaseAddr = strtabBase.field("ADDR", 6, 46, RW);
    final Field strtabBaseRa = strtabBase.flag("RA", 62, RW);
    final Register strtabBaseCfg = block.reg32("STRTAB_BASE_CFG", 0x88);
    final Field strtabLog2Size = strtabBaseCfg.field("LOG2SIZE", 0, 6, RW);
    final Field strtabSplit = strtabBaseCfg.field("SPLIT", 6, 5, RW);
    final Field strtabFmt = strtabBaseCfg.field("FMT", 16, 2, RW);

    // ---- Command queue (base fixed while CMDQEN = 1) -----------------------------------------
    final Register cmdqBase = block.reg64("CMDQ_BASE", 0x90);
    final Field cmdqLog2Size = cmdqBase.field("LOG2SIZE", 0, 5, RW);
    final Field cmdqAddr = cmdqBase.field("ADDR", 5, 47, RW);
    final Field cmdqRa = cmdqBase.flag("RA", 62, RW);
    /** CMDQ_PROD.WR: index and wrap bit, up to CMDQS = 19 index bits. */
    final Register cmdqProd = block.reg32("CMDQ_PROD", 0x98);
    final Field cmdqProdWr = cmdqProd.field("WR", 0, 20, RW);
    final Register cmdqCons = block.reg32("CMDQ_CONS", 0x9C);
    final Field cmdqConsRd = cmdqCons.field("RD", 0, 20, RW);
    /** CMDQ_CONS.ERR: why consumption stopped (CERROR_*), set by the SMMU. */
    final Field cmdqConsErr = cmdqCons.field("ERR", 24, 7, RO);

    // ---- Event queue (base fixed while EVENTQEN = 1); PROD and CONS are on page 1 -------------
    final Register eventqBase = block.reg64("EVENTQ_BASE", 0xA0);
    final Field eventqLog2Size = eventqBase.field("LOG2SIZE", 0, 5, RW);
    final Field eventqAddr = eventqBase.field("ADDR", 5, 47, RW);
    final Field eventqWa = eventqBase.flag("WA", 62, RW);
    final Register eventqIrqCfg0 = block.reg64("EVENTQ_IRQ_CFG0", 0xB0);
    final Field eventqIrqAddr = eventqIrqCfg0.field("ADDR", 2, 50, RW);
    final Register eventqIrqCfg1 = block.reg32("EVENTQ_IRQ_CFG1", 0xB8);
    final Field eventqIrqData = eventqIrqCfg1.field("DATA", 0, 32, RW);
    final Register eventqIrqCfg2 = block.reg32("EVENTQ_IRQ_CFG2", 0xBC);
    final Field eventqIrqMemAttr = eventqIrqCfg2.field("MEMATTR", 0, 4, RW);
    final Field eventqIrqSh = eventqIrqCfg2.field("SH", 4, 2, RW);
    final Register eventqProd = block.reg32("EVENTQ_PROD", 0x100A8);
    final Field eventqProdWr = eventqProd.field("WR", 0, 20, RW);
    final Field eventqProdOvflg = eventqProd.flag("OVFLG", 31, RW);
    final Register eventqCons = block.reg32("EVENTQ_CONS", 0x100AC);
    final Field eventqConsRd = eventqCons.field("RD", 0, 20, RW);
    final Field eventqConsOvackflg = eventqCons.flag("OVACKFLG", 31, RW);

    // ---- PRI queue: not implemented (IDR0.PRI = 0) --------------------------------------------
    final Register priqProd = block.reg32("PRIQ_PROD", 0x100C8).readOnly();
    final Register priqCons = block.reg32("PRIQ_CONS", 0x100CC).readOnly();
}
