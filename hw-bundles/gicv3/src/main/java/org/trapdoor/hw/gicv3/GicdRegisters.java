package org.trapdoor.hw.gicv3;

import static org.trapdoor.api.register.Access.RO;
import static org.trapdoor.api.register.Access.RW;

import org.trapdoor.api.register.Field;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The GICv3 distributor's register table (GIC architecture specification, IHI 0069, 12.9: the
 * GICD_* registers), as the manual lists it: offset, fields, access. Writable masks follow from
 * the fields; bits in no field are RES0. The model has affinity routing on and one security state
 * (ARE and DS read as one). The registers that hold one bit or one byte per INTID (IGROUPR,
 * I[SC]ENABLER, I[SC]PENDR, I[SC]ACTIVER, IPRIORITYR) are ranges decoded by {@link Distributor},
 * which also hooks the registers here with what a write does.
 */
final class GicdRegisters {
    final RegisterBlock block;

    /** GICD_CTLR: the group enables; ARE and DS are fixed at one. */
    final Register ctlr;
    final Field ctlrEnableGrp0;
    final Field ctlrEnableGrp1;

    /** GICD_TYPER: the shape (SPI lines, LPIs, ID bits); No1N = 0, so 1-of-N routing is supported. */
    final Register typer;

    /**
     * GICD_ICFGR&lt;n&gt;: two bits per INTID, of which only Int_config (the odd bit: 1 = edge) is
     * writable. ICFGR0/1 (SGIs, PPIs) belong to the redistributor under affinity routing: RAZ/WI here.
     */
    final Register[] icfgr;

    /** GICD_IROUTER&lt;n&gt; for INTID n = 32.. (index n - 32): the SPI's target affinity, or any CPU (IRM). */
    final Register[] irouter;
    static final long IROUTER_IRM = 1L << 31;

    GicdRegisters(String name, int lines) {
        int words = (lines + 31) / 32;
        block = new RegisterBlock(name + " GICD", Gicv3.GICD_SIZE).allowSizes(1, 2, 4, 8);

        ctlr = block.reg32("GICD_CTLR", 0x0000).reset(0x50);
        ctlrEnableGrp0 = ctlr.flag("EnableGrp0", 0, RW);
        ctlrEnableGrp1 = ctlr.flag("EnableGrp1", 1, RW);
        ctlr.flag("ARE", 4, RO);
        ctlr.flag("DS", 6, RO);
        ctlr.flag("RWP", 31, RO); // writes take effect at once: never pending

        typer = block.reg32("GICD_TYPER", 0x0004).reset(words - 1 | 1 << 17 | (Gicv3.LPI_ID_BITS - 1) << 19);
        typer.field("ITLinesNumber", 0, 5, RO);
        typer.flag("LPIS", 17, RO);
        typer.field("IDbits", 19, 5, RO);
        typer.flag("No1N", 25, RO);

        Register iidr = block.reg32("GICD_IIDR", 0x0008).reset(Gicv3.IIDR);
        iidr.field("Implementer", 0, 12, RO);
        iidr.field("Revision", 12, 4, RO);
        iidr.field("Variant", 16, 4, RO);
        iidr.field("ProductID", 24, 8, RO);

        block.reg32("GICD_TYPER2", 0x000C).readOnly();

        icfgr = new Register[words * 2];
        for (int n = 0; n < icfgr.length; n++) {
            icfgr[n] = block.reg32("GICD_ICFGR" + n, 0x0C00 + 4 * n);
            if (n < 2) {
                icfgr[n].readOnly();
                continue;
            }
            for (int i = 0; i < 16; i++) {
                icfgr[n].flag("Int_config" + i, 2 * i + 1, RW);
            }
        }

        irouter = new Register[lines - 32];
        for (int i = 0; i < irouter.length; i++) {
            Register r = block.reg64("GICD_IROUTER" + (32 + i), 0x6100 + 8 * i);
            r.field("Aff0", 0, 8, RW);
            r.field("Aff1", 8, 8, RW);
            r.field("Aff2", 16, 8, RW);
            r.flag("Interrupt_Routing_Mode", 31, RW);
            r.field("Aff3", 32, 8, RW);
            irouter[i] = r;
        }

        pidr2(block.reg32("GICD_PIDR2", 0xFFE8));
    }

    /** PIDR2 of a GICv3 frame: ArchRev = 3, JEP106 Arm. */
    static Register pidr2(Register r) {
        r.reset(Gicv3.PIDR2);
        r.field("DES_1", 0, 3, RO);
        r.flag("JEDEC", 3, RO);
        r.field("ArchRev", 4, 4, RO);
        return r;
    }
}
