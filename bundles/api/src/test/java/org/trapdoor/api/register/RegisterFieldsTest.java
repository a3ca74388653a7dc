package org.trapdoor.api.register;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RegisterFieldsTest {
    private final RegisterBlock regs = new RegisterBlock("dev", 0x100);

    @Test
    void fieldsDeclaredWithAccessGiveTheRegistersMasks() {
        Register r = regs.reg32("CTRL", 0x10).reset(0x8000_0000L);
        Field en = r.flag("EN", 0, Access.RW);
        Field mode = r.field("MODE", 4, 3, Access.RW);
        Field busy = r.flag("BUSY", 31, Access.RO);
        Field err = r.flag("ERR", 8, Access.RW1C);
        Field go = r.flag("GO", 9, Access.WO);
        Field sticky = r.flag("STICKY", 10, Access.RW1S);
        assertEquals(en.mask() | mode.mask() | go.mask(), r.writableMask());
        assertEquals(err.mask(), r.w1cMask());

        err.set(1);
        regs.write(0x10, 4, 0xFFFF_FFFFL);
        assertEquals(1, en.get());
        assertEquals(7, mode.get());
        assertEquals(1, busy.get(), "RO keeps its value");
        assertEquals(0, err.get(), "RW1C: writing 1 clears");
        assertEquals(1, go.get(), "WO stores");
        assertEquals(1, sticky.get(), "RW1S: writing 1 sets");
        assertEquals(0, regs.read(0x10, 4) & go.mask(), "WO reads as 0");
        assertEquals(0, regs.read(0x10, 4) & 0x7FFF_F800L, "bits in no field are RES0");

        regs.write(0x10, 4, 0);
        assertEquals(0, en.get());
        assertEquals(1, sticky.get(), "RW1S: writing 0 leaves it");
    }

    @Test
    void aWriteHookSeesTheFieldsOfTheStoredValue() {
        Register r = regs.reg32("CR0", 0x20);
        Field smmuEn = r.flag("SMMUEN", 0, Access.RW);
        Field cmdqEn = r.flag("CMDQEN", 3, Access.RW);
        List<String> seen = new ArrayList<>();
        r.onWrite((p, v) -> seen.add(smmuEn.extract(v) + "," + cmdqEn.isSetIn(v)));
        regs.write(0x20, 4, 0x9);
        assertEquals(List.of("1,true"), seen);
        assertEquals(List.of(smmuEn, cmdqEn), r.fields());
        assertEquals(cmdqEn, r.field("CMDQEN"));
        assertEquals("CR0.CMDQEN[3] RW", cmdqEn.toString());
    }

    @Test
    void overlappingOrOversizedFieldsAreRefused() {
        Register r = regs.reg32("R", 0x30);
        r.field("A", 0, 4, Access.RW);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.field("B", 3, 2, Access.RO));
        assertTrue(e.getMessage().contains("overlaps A"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.field("C", 30, 4, Access.RW));
        assertThrows(IllegalArgumentException.class, () -> r.field("D", 8, 1, null));
        assertThrows(IllegalArgumentException.class, () -> r.field("NOPE"));
    }

    @Test
    void aRegisterWithoutTypedFieldsKeepsItsExplicitMasks() {
        Register r = regs.reg32("OLD", 0x40).writable(0xF);
        r.field("LOW", 0, 2); // the model's own view: no access, no effect on masks
        regs.write(0x40, 4, 0xFF);
        assertEquals(0xF, regs.read(0x40, 4));
    }
}
