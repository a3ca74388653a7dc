package org.trapdoor.shell.lspci;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class LspciOptionsTest {
    @Test
    void slotFilterAcceptsEveryPciutilsForm() {
        assertEquals(new SlotFilter(-1, -1, 1, 0), SlotFilter.parse("01.0"));
        assertEquals(new SlotFilter(-1, 0, 1, -1), SlotFilter.parse("00:01"));
        assertEquals(new SlotFilter(0, 0, 1, 0), SlotFilter.parse("0000:00:01.0"));
        assertEquals(new SlotFilter(-1, -1, 2, -1), SlotFilter.parse(":02"));
        assertEquals(new SlotFilter(-1, -1, -1, 3), SlotFilter.parse(".3"));
        assertEquals(new SlotFilter(-1, -1, -1, -1), SlotFilter.parse("*:*.*"));
        assertEquals(new SlotFilter(-1, 0x1f, -1, -1), SlotFilter.parse("1f:"));
        assertEquals(new SlotFilter(-1, -1, 0x1f, -1), SlotFilter.parse("1f"));
    }

    @Test
    void slotFilterRefusesOutOfRangeAndGarbage() {
        assertThrows(LspciException.class, () -> SlotFilter.parse("00:01.8"));
        assertThrows(LspciException.class, () -> SlotFilter.parse("100:00"));
        assertThrows(LspciException.class, () -> SlotFilter.parse("20"));
        assertThrows(LspciException.class, () -> SlotFilter.parse("zz"));
        assertThrows(LspciException.class, () -> SlotFilter.parse("0:0:0:0"));
    }

    @Test
    void slotFilterMatchesDomainBusSlotAndFunction() {
        SlotFilter f = SlotFilter.parse("0001:00:02");
        assertTrue(f.matches(1, 0, 0x10));
        assertTrue(f.matches(1, 0, 0x13));
        assertFalse(f.matches(0, 0, 0x10));
        assertFalse(f.matches(1, 1, 0x10));
        assertFalse(f.matches(1, 0, 0x08));
        assertTrue(SlotFilter.parse(".3").matches(5, 7, 0x0b));
        assertFalse(SlotFilter.parse(".3").matches(5, 7, 0x0a));
    }

    @Test
    void flagsCombineAndCount() {
        LspciOptions o = LspciOptions.parse("-vvn", "-xxxx");
        assertEquals(2, o.verbose());
        assertEquals(1, o.numeric());
        assertEquals(4, o.hex());
        assertEquals(4096, o.dumpBytes(4096));
        assertEquals(256, o.dumpBytes(256));
        assertEquals(256, LspciOptions.parse("-xxx").dumpBytes(4096));
        assertEquals(64, LspciOptions.parse("-x").dumpBytes(4096));
        assertEquals(0, LspciOptions.parse().dumpBytes(4096));
        assertTrue(LspciOptions.parse("-t").tree());
    }

    @Test
    void slotOptionTakesTheNextWordOrItsOwnRest() {
        assertEquals(new SlotFilter(-1, 0, 2, 0), LspciOptions.parse("-s", "00:02.0").filter());
        assertEquals(new SlotFilter(-1, -1, 2, -1), LspciOptions.parse("-vs02").filter());
        assertThrows(LspciException.class, () -> LspciOptions.parse("-s"));
    }

    @Test
    void deviceFilterAcceptsEveryPciutilsForm() {
        assertEquals(new DeviceFilter(0x1b36, 0x0005, -1, -1), DeviceFilter.parse("1b36:0005"));
        assertEquals(new DeviceFilter(0x1b36, -1, -1, -1), DeviceFilter.parse("1b36:"));
        assertEquals(new DeviceFilter(-1, 0x5, -1, -1), DeviceFilter.parse("*:5"));
        assertEquals(new DeviceFilter(-1, -1, 0x0604, -1), DeviceFilter.parse("::0604"));
        assertEquals(new DeviceFilter(0x10ee, -1, 0x0604, 0), DeviceFilter.parse("10ee:*:0604:00"));
        assertEquals(DeviceFilter.ANY, DeviceFilter.parse(":"));
    }

    @Test
    void deviceFilterRefusesOutOfRangeAndGarbage() {
        assertThrows(LspciException.class, () -> DeviceFilter.parse("1b36"));
        assertThrows(LspciException.class, () -> DeviceFilter.parse("10000:0"));
        assertThrows(LspciException.class, () -> DeviceFilter.parse("1b36:xyz"));
        assertThrows(LspciException.class, () -> DeviceFilter.parse("1:2:10000"));
        assertThrows(LspciException.class, () -> DeviceFilter.parse("1:2:3:100"));
        assertThrows(LspciException.class, () -> DeviceFilter.parse("1:2:3:4:5"));
        assertThrows(LspciException.class, () -> LspciOptions.parse("-d"));
    }

    @Test
    void deviceFilterMatchesEachGivenIdAndTheOptionTakesTheNextWordOrItsOwnRest() {
        DeviceFilter f = DeviceFilter.parse("1b36::0604");
        assertTrue(f.matches(0x1b36, 0x000c, 0x0604, 0));
        assertFalse(f.matches(0x1b36, 0x000c, 0x0600, 0));
        assertFalse(f.matches(0x1234, 0x000c, 0x0604, 0));
        assertEquals(new DeviceFilter(0x1b36, 5, -1, -1), LspciOptions.parse("-d", "1b36:5").ids());
        assertEquals(new DeviceFilter(0x1b36, 5, -1, -1), LspciOptions.parse("-vd1b36:5").ids());
        assertEquals(SlotFilter.ANY, LspciOptions.parse("-vd1b36:5").filter());
    }

    @Test
    void unknownOptionsAndStrayWordsAreRefused() {
        assertThrows(LspciException.class, () -> LspciOptions.parse("-q"));
        assertThrows(LspciException.class, () -> LspciOptions.parse("foo"));
    }
}
