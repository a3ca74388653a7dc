package org.trapdoor.hw.gicv2;

import static org.trapdoor.api.register.Access.RO;
import static org.trapdoor.api.register.Access.RW;
import static org.trapdoor.api.register.Access.WO;

import org.trapdoor.api.register.Field;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The GICv2 register tables (GIC architecture specification v2, IHI 0048B, 4.3 distributor and
 * 4.4 CPU interface), as the manual lists them: offset, fields, access, for a GIC without the
 * security extensions. Writable masks follow from the fields; bits in no field are RES0. The
 * registers that hold one bit, two bits or one byte per INTID (IGROUPR, I[SC]ENABLER,
 * I[SC]PENDR, I[SC]ACTIVER, IPRIORITYR, ITARGETSR, ICFGR) are ranges decoded by {@link Distributor},
 * which with {@link CpuInterface} hooks the registers here with what a read or write does.
 */
final class Gicv2Registers {
    // ---- Distributor (GICD, 4 KiB) ---------------------------------------------------------
    final RegisterBlock gicd;

    /** GICD_CTLR: forwarding of pending interrupts to the CPU interfaces. */
    final Register dctlr;
    final Field dctlrEnable;

    /** GICD_SGIR: a write sends SGI SGIINTID to the CPUs TargetListFilter selects. */
    final Register sgir;
    final Field sgirIntId;
    final Field sgirCpuTargetList;
    final Field sgirTargetListFilter;

    // ---- CPU interface (GICC, 8 KiB; CPU 0's, see Gicv2) ------------------------------------
    final RegisterBlock gicc;

    /** GICC_CTLR: signalling of interrupts to the CPU. */
    final Register cctlr;
    final Field cctlrEnable;

    /** GICC_PMR: only interrupts of a higher priority (lower value) than Priority are signalled. */
    final Register pmr;
    final Field pmrPriority;

    /** GICC_IAR: the acknowledged INTID (computed on read). */
    final Register iar;

    /** GICC_EOIR: the INTID whose handling ends. */
    final Register eoir;
    final Field eoirIntId;

    /** GICC_RPR: the running priority (computed on read). */
    final Register rpr;

    /** GICC_HPPIR: the highest-priority pending INTID (computed on read). */
    final Register hppir;

    Gicv2Registers(String name, int lines, int cpus, int iidrD, int iidrC) {
        int words = (lines + 31) / 32;
        gicd = new RegisterBlock(name + " GICD", Gicv2.GICD_SIZE).allowSizes(1, 2, 4);

        dctlr = gicd.reg32("GICD_CTLR", 0x000);
        dctlrEnable = dctlr.flag("Enable", 0, RW);

        Register typer = gicd.reg32("GICD_TYPER", 0x004).reset((words - 1) | ((cpus - 1) << 5));
        typer.field("ITLinesNumber", 0, 5, RO);
        typer.field("CPUNumber", 5, 3, RO);

        Register gicdIidr = gicd.reg32("GICD_IIDR", 0x008).reset(iidrD);
        gicdIidr.field("Implementer", 0, 12, RO);
        gicdIidr.field("Revision", 12, 4, RO);
        gicdIidr.field("Variant", 16, 4, RO);
        gicdIidr.field("ProductID", 24, 8, RO);

        sgir = gicd.reg32("GICD_SGIR", 0xF00);
        sgirIntId = sgir.field("SGIINTID", 0, 4, WO);
        sgir.flag("NSATT", 15, WO);
        sgirCpuTargetList = sgir.field("CPUTargetList", 16, 8, WO);
        sgirTargetListFilter = sgir.field("TargetListFilter", 24, 2, WO);

        Register pidr2 = gicd.reg32("GICD_PIDR2", 0xFE8).reset(0x2B);
        pidr2.field("DES_1", 0, 3, RO);
        pidr2.flag("JEDEC", 3, RO);
        pidr2.field("ArchRev", 4, 4, RO);

        gicc = new RegisterBlock(name + " GICC", Gicv2.GICC_SIZE).allowSizes(4);

        cctlr = gicc.reg32("GICC_CTLR", 0x000);
        cctlrEnable = cctlr.flag("Enable", 0, RW);

        pmr = gicc.reg32("GICC_PMR", 0x004);
        pmrPriority = pmr.field("Priority", 0, 8, RW);

        gicc.reg32("GICC_BPR", 0x008).reset(0x2).field("Binary_Point", 0, 3, RW);

        iar = gicc.reg32("GICC_IAR", 0x00C);
        iar.field("InterruptID", 0, 10, RO);
        iar.field("CPUID", 10, 3, RO);

        eoir = gicc.reg32("GICC_EOIR", 0x010);
        eoirIntId = eoir.field("EOIINTID", 0, 10, WO);
        eoir.field("CPUID", 10, 3, WO);

        rpr = gicc.reg32("GICC_RPR", 0x014);
        rpr.field("Priority", 0, 8, RO);

        hppir = gicc.reg32("GICC_HPPIR", 0x018);
        hppir.field("PENDINTID", 0, 10, RO);
        hppir.field("CPUID", 10, 3, RO);

        Register giccIidr = gicc.reg32("GICC_IIDR", 0x0FC).reset(iidrC);
        giccIidr.field("Implementer", 0, 12, RO);
        giccIidr.field("Revision", 12, 4, RO);
        giccIidr.field("Architecture_version", 16, 4, RO);
        giccIidr.field("ProductID", 20, 12, RO);

        // EOImode is 0, so a deactivation is part of the EOI: GICC_DIR writes do nothing.
        Register dir = gicc.reg32("GICC_DIR", 0x1000);
        dir.field("InterruptID", 0, 10, WO);
        dir.field("CPUID", 10, 3, WO);
    }
}
