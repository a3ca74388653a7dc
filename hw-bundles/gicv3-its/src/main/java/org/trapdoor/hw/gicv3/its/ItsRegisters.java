package org.trapdoor.hw.gicv3.its;

import static org.trapdoor.api.register.Access.RO;
import static org.trapdoor.api.register.Access.RW;

import org.trapdoor.api.register.Field;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The ITS control frame's register table (GIC architecture specification, IHI 0069, 12.19: the
 * GITS_* registers of the first 64 KiB frame), as the manual lists it: offset, fields, access.
 * Writable masks follow from the fields; bits in no field are RES0. GITS_TRANSLATER, in the
 * second frame, is the MSI doorbell and is decoded by {@link Its} itself. What a write does is
 * in {@link Its} (which hooks these registers).
 */
final class ItsRegisters {
    final RegisterBlock block;

    /** GITS_CTLR: Enabled; Quiescent is computed on read (the command queue is empty). */
    final Register ctlr;
    final Field ctlrEnabled;
    final Field ctlrQuiescent;

    final Register iidr;

    /** GITS_TYPER: the model's shape (Its.TYPER): physical LPIs, entry, EventID and DeviceID sizes. */
    final Register typer;
    final Field typerPhysical;
    final Field typerIttEntrySize;
    final Field typerIdBits;
    final Field typerDevBits;

    /** GITS_CBASER: the command queue; fixed while the ITS is enabled. */
    final Register cbaser;
    final Field cbaserSize;
    final Field cbaserShareability;
    final Field cbaserPhysicalAddress;
    final Field cbaserOuterCache;
    final Field cbaserInnerCache;
    final Field cbaserValid;

    /** GITS_CWRITER: where software has written up to; Retry restarts a stalled queue. */
    final Register cwriter;
    final Field cwriterRetry;
    final Field cwriterOffset;

    /** GITS_CREADR: where the ITS has read up to; Stalled after a command error. */
    final Register creadr;
    final Field creadrStalled;
    final Field creadrOffset;

    /** GITS_BASER0 (Device table) and GITS_BASER1 (Collection table); BASER2..7 are not implemented. */
    final Register[] baser;
    final Field[] baserValid = new Field[2];
    final Field[] baserIndirect = new Field[2];
    final Field[] baserPhysicalAddress = new Field[2];

    final Register pidr2;

    ItsRegisters(String name) {
        block = new RegisterBlock(name + " GITS", Its.TRANSLATION_FRAME).allowSizes(4, 8);

        ctlr = block.reg32("GITS_CTLR", 0x000);
        ctlrEnabled = ctlr.flag("Enabled", 0, RW);
        ctlrQuiescent = ctlr.flag("Quiescent", 31, RO);

        iidr = block.reg32("GITS_IIDR", 0x004).reset(Its.IIDR).readOnly();

        typer = block.reg64("GITS_TYPER", 0x008).reset(Its.TYPER);
        typerPhysical = typer.flag("Physical", 0, RO);
        typerIttEntrySize = typer.field("ITT_entry_size", 4, 4, RO);
        typerIdBits = typer.field("ID_bits", 8, 5, RO);
        typerDevBits = typer.field("Devbits", 13, 5, RO);

        cbaser = block.reg64("GITS_CBASER", 0x080);
        cbaserSize = cbaser.field("Size", 0, 8, RW);
        cbaserShareability = cbaser.field("Shareability", 10, 2, RW);
        cbaserPhysicalAddress = cbaser.field("Physical_Address", 12, 40, RW);
        cbaserOuterCache = cbaser.field("OuterCache", 53, 3, RW);
        cbaserInnerCache = cbaser.field("InnerCache", 59, 3, RW);
        cbaserValid = cbaser.flag("Valid", 63, RW);

        cwriter = block.reg64("GITS_CWRITER", 0x088);
        cwriterRetry = cwriter.flag("Retry", 0, RW);
        cwriterOffset = cwriter.field("Offset", 5, 15, RW);

        creadr = block.reg64("GITS_CREADR", 0x090);
        creadrStalled = creadr.flag("Stalled", 0, RO);
        creadrOffset = creadr.field("Offset", 5, 15, RO);

        baser = block.reg64Array("GITS_BASER", 0x100, 8);
        baser[0].reset(baserReset(Its.BASER_TYPE_DEVICE));
        baser[1].reset(baserReset(Its.BASER_TYPE_COLLECTION));
        for (int n = 0; n < 2; n++) {
            Register b = baser[n];
            b.field("Size", 0, 8, RW);
            b.field("Page_Size", 8, 2, RW);
            b.field("Shareability", 10, 2, RW);
            // [15:12] are PA[51:48] with 64 KiB pages, else address bits: one field either way.
            baserPhysicalAddress[n] = b.field("Physical_Address", 12, 36, RW);
            b.field("Entry_Size", 48, 5, RO);
            b.field("OuterCache", 53, 3, RW);
            b.field("Type", 56, 3, RO);
            b.field("InnerCache", 59, 3, RW);
            baserIndirect[n] = b.flag("Indirect", 62, RW);
            baserValid[n] = b.flag("Valid", 63, RW);
        }
        for (int n = 2; n < 8; n++) {
            baser[n].readOnly(); // Type = 0: unimplemented
        }

        pidr2 = block.reg32("GITS_PIDR2", 0xFFE8).readOnly().reset(0x3B);
    }

    /** A BASER's read-only part: its Type and Entry_Size (8-byte entries). */
    private static long baserReset(long type) {
        return (type << 56) | ((long) (Its.ENTRY_SIZE - 1) << 48);
    }
}
