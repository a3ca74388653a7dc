package org.trapdoor.shell.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BdfTest {
    @Test
    void everyFormLspciDashSTakesWithoutWildcardsNamesTheSameFunction() {
        Bdf a = Bdf.parse("01.0", "device");
        Bdf b = Bdf.parse("00:01.0", "device");
        Bdf c = Bdf.parse("0000:00:01.0", "device");
        assertEquals(a.requesterId(), b.requesterId());
        assertEquals(b.full(), c.full());
        assertEquals("00:01.0", a.toString());
        assertEquals("00:01.0", c.toString());
        assertEquals("0001:02:1f.7", Bdf.parse("1:2:1f.7", "device").toString(), "a domain other than 0 is printed");
    }

    @Test
    void aSlotBeyond1fOrAnotherShapeIsRefusedNamingTheForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bdf.parse("00:20.0", "device"));
        assertTrue(e.getMessage().contains("beyond 1f"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Bdf.parse("bogus", "device"));
        assertTrue(e.getMessage().contains(Bdf.FORMS), e.getMessage());
    }

    @Test
    void aMessageNamingFunctionsInTheFullFormPrintsThemAsLspciDoes() {
        assertEquals("00:01.0: length 99999 outside 1..2048 (the endpoint's buffer)",
                Bdf.inMessage("0000:00:01.0: length 99999 outside 1..2048 (the endpoint's buffer)"));
        assertEquals("0001:00:02.0 and 00:03.1", Bdf.inMessage("0001:00:02.0 and 0000:00:03.1"));
        assertEquals("no function here 10:00", Bdf.inMessage("no function here 10:00"));
        assertEquals("0000:00:7f.0 stays", Bdf.inMessage("0000:00:7f.0 stays"), "not a function: left as it is");
    }
}
