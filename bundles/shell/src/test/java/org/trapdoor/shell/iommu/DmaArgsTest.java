package org.trapdoor.shell.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DmaArgsTest {
    @Test
    void parsesAFullDmaRequestAndNormalisesTheFunction() {
        assertEquals(new DmaArgs("0000:00:01.0", 0xffff_f000L, 0x100, true),
                DmaArgs.parse("00:01.0", "0xffff_f000", "0x100", "write"));
        assertEquals(new DmaArgs("0001:02:1f.7", 4096, 64, false), DmaArgs.parse("1:2:1f.7", "4096", "64", "READ"));
    }

    @Test
    void rejectsAMalformedFunctionOrSlotBeyond31() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DmaArgs.bdf("01")).getMessage()
                .contains("DD.F, BB:DD.F or DDDD:BB:DD.F"));
        assertEquals("0000:00:01.0", DmaArgs.bdf("01.0"), "lspci -s's short form is taken too");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DmaArgs.bdf("00:20.0")).getMessage()
                .contains("beyond 1f"));
        assertThrows(IllegalArgumentException.class, () -> DmaArgs.bdf("00:01.8"));
    }

    @Test
    void rejectsABadAddressLengthOrDirection() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DmaArgs.parse("00:01.0", "zz", "4", "read")).getMessage().startsWith("address 'zz'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DmaArgs.parse("00:01.0", "0x1000", "0", "read")).getMessage().startsWith("length 0"));
        assertThrows(IllegalArgumentException.class, () -> DmaArgs.parse("00:01.0", "0x1000", "0x80000000", "read"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DmaArgs.parse("00:01.0", "0xffffffffffffff00", "0x200", "read")).getMessage()
                .contains("wraps"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DmaArgs.parse("00:01.0", "0x1000", "4", "copy")).getMessage().startsWith("direction 'copy'"));
    }

    @Test
    void aTransferEndingAtTheTopOfTheBusIsAllowed() {
        assertEquals(0x100, DmaArgs.parse("00:01.0", "0xffffffffffffff00", "0x100", "read").length());
    }
}
