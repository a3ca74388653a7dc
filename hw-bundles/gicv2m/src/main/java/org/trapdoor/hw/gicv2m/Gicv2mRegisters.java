package org.trapdoor.hw.gicv2m;

import static org.trapdoor.api.register.Access.RO;
import static org.trapdoor.api.register.Access.WO;

import org.trapdoor.api.register.Field;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The GICv2m MSI frame's register table (Arm Server Base System Architecture, appendix on the
 * GICv2m frame; QEMU's {@code hw/intc/arm_gicv2m.c}): offset, fields, access. The frame is
 * decoded by {@link Gicv2m} itself, since MSI_SETSPI_NS is an MSI doorbell on the hot path:
 * reads come from this table, a write to MSI_SETSPI_NS is decoded through {@link #setspiSpi}.
 */
final class Gicv2mRegisters {
    static final int MSI_TYPER = 0x008;
    static final int MSI_SETSPI_NS = 0x040;
    static final int MSI_IIDR = 0xFCC;

    final RegisterBlock block = new RegisterBlock("gicv2m", Gicv2m.FRAME_SIZE).allowSizes(2, 4);

    /** MSI_TYPER: the frame's first SPI (as an INTID) and how many SPIs it has. */
    final Register typer;
    final Field typerBase;
    final Field typerNumber;

    /** MSI_SETSPI_NS: the doorbell; the data written names the SPI (Gicv2m's {@code spi} says how). */
    final Register setspi;
    final Field setspiSpi;

    /** MSI_IIDR: the frame's identity, which also selects how it decodes the data (X-Gene, NS2). */
    final Register iidr;

    Gicv2mRegisters(int base, int count, int iidrValue) {
        typer = block.reg32("MSI_TYPER", MSI_TYPER);
        typerNumber = typer.field("NUMBER", 0, 10, RO);
        typerBase = typer.field("BASE", 16, 10, RO);
        typer.reset(typerBase.place(base) | typerNumber.place(count));

        setspi = block.reg32("MSI_SETSPI_NS", MSI_SETSPI_NS);
        setspiSpi = setspi.field("SPI", 0, 10, WO);

        iidr = block.reg32("MSI_IIDR", MSI_IIDR).reset(iidrValue & 0xffff_ffffL);
        iidr.field("Implementer", 0, 12, RO);
        iidr.field("Revision", 12, 4, RO);
        iidr.field("Variant", 16, 4, RO);
        iidr.field("ProductID", 20, 12, RO);
    }
}
