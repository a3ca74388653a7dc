package org.trapdoor.hw.gicv3;

import static org.trapdoor.api.register.Access.RO;
import static org.trapdoor.api.register.Access.RW;
import static org.trapdoor.api.register.Access.WO;

import org.trapdoor.api.register.Field;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * One GICv3 redistributor's register table (IHI 0069, 12.10 and 12.11: the GICR_* registers of
 * the RD_base frame and the SGI_base frame at 0x10000), as the manual lists it: offset, fields,
 * access. Writable masks follow from the fields; bits in no field are RES0. The SGI/PPI
 * registers hold one bit per INTID 0..31; IPRIORITYR (one byte each) is a range decoded by
 * {@link Redistributor}, which hooks the registers here with what a read or write does.
 */
final class GicrRegisters {
    static final int SGI_BASE = 0x10000;

    final RegisterBlock block;

    /** GICR_CTLR: EnableLPIs; once set, PROPBASER and PENDBASER are fixed. */
    final Register ctlr;
    final Field ctlrEnableLpis;

    /** GICR_TYPER: physical LPIs, Last, the processor number and the CPU's affinity. */
    final Register typer;

    /** GICR_WAKER: ChildrenAsleep follows ProcessorSleep at once (the model never sleeps). */
    final Register waker;
    final Field wakerProcessorSleep;
    final Field wakerChildrenAsleep;

    /** GICR_PROPBASER: the LPI configuration table. */
    final Register propbaser;
    final Field propbaserIdBits;
    final Field propbaserPhysicalAddress;

    /** GICR_PENDBASER: the LPI pending table; PTZ says it is zero (the redistributor zeroes it). */
    final Register pendbaser;
    final Field pendbaserPhysicalAddress;
    final Field pendbaserPtz;

    // SGI_base frame: one bit per SGI/PPI (set/clear pairs share one state in the model).
    final Register igroupr0;
    final Register isenabler0;
    final Register icenabler0;
    final Register ispendr0;
    final Register icpendr0;
    final Register isactiver0;
    final Register icactiver0;
    /** GICR_ICFGR1: PPIs' Int_config (the odd bit of each pair) is writable; ICFGR0 (SGIs) is fixed edge. */
    final Register icfgr1;

    GicrRegisters(String name, int index, long affinity, boolean last) {
        block = new RegisterBlock(name + " GICR" + index, Gicv3.REDIST_STRIDE).allowSizes(1, 2, 4, 8);

        ctlr = block.reg32("GICR_CTLR", 0x0000);
        ctlrEnableLpis = ctlr.flag("EnableLPIs", 0, RW);

        Register iidr = block.reg32("GICR_IIDR", 0x0004).reset(Gicv3.IIDR);
        iidr.field("Implementer", 0, 12, RO);
        iidr.field("Revision", 12, 4, RO);
        iidr.field("Variant", 16, 4, RO);
        iidr.field("ProductID", 24, 8, RO);

        typer = block.reg64("GICR_TYPER", 0x0008);
        Field plpis = typer.flag("PLPIS", 0, RO);
        Field lastField = typer.flag("Last", 4, RO);
        Field processorNumber = typer.field("Processor_Number", 8, 16, RO);
        Field affinityValue = typer.field("Affinity_Value", 32, 32, RO);
        typer.reset(plpis.place(1) | lastField.place(last ? 1 : 0) | processorNumber.place(index)
                | affinityValue.place(affinity));

        waker = block.reg32("GICR_WAKER", 0x0014).reset(0x6);
        wakerProcessorSleep = waker.flag("ProcessorSleep", 1, RW);
        wakerChildrenAsleep = waker.flag("ChildrenAsleep", 2, RO);

        propbaser = block.reg64("GICR_PROPBASER", 0x0070);
        propbaserIdBits = propbaser.field("IDbits", 0, 5, RW);
        propbaser.field("InnerCache", 7, 3, RW);
        propbaser.field("Shareability", 10, 2, RW);
        propbaserPhysicalAddress = propbaser.field("Physical_Address", 12, 40, RW);
        propbaser.field("OuterCache", 56, 3, RW);

        pendbaser = block.reg64("GICR_PENDBASER", 0x0078);
        pendbaser.field("InnerCache", 7, 3, RW);
        pendbaser.field("Shareability", 10, 2, RW);
        pendbaserPhysicalAddress = pendbaser.field("Physical_Address", 16, 36, RW);
        pendbaser.field("OuterCache", 56, 3, RW);
        pendbaserPtz = pendbaser.flag("PTZ", 62, WO); // write-only: reads as 0 (GICv3 spec, GICR_PENDBASER)

        GicdRegisters.pidr2(block.reg32("GICR_PIDR2", 0xFFE8));

        igroupr0 = block.reg32("GICR_IGROUPR0", SGI_BASE + 0x0080);
        isenabler0 = block.reg32("GICR_ISENABLER0", SGI_BASE + 0x0100);
        icenabler0 = block.reg32("GICR_ICENABLER0", SGI_BASE + 0x0180);
        ispendr0 = block.reg32("GICR_ISPENDR0", SGI_BASE + 0x0200);
        icpendr0 = block.reg32("GICR_ICPENDR0", SGI_BASE + 0x0280);
        isactiver0 = block.reg32("GICR_ISACTIVER0", SGI_BASE + 0x0300);
        icactiver0 = block.reg32("GICR_ICACTIVER0", SGI_BASE + 0x0380);
        // SGIs are always edge-triggered: Int_config reads 1 for each.
        block.reg32("GICR_ICFGR0", SGI_BASE + 0x0C00).readOnly().reset(0xAAAA_AAAAL);
        icfgr1 = block.reg32("GICR_ICFGR1", SGI_BASE + 0x0C04);
        for (int i = 0; i < 16; i++) {
            icfgr1.flag("Int_config" + i, 2 * i + 1, RW);
        }
    }
}
