package org.trapdoor.xen.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.PciSpec;

class PciSpecParserTest {
    private static PciSpec parse(String s) {
        return PciSpecParser.parse(s, PciSpecParser.Defaults.NONE);
    }

    private static String refused(String s) {
        return assertThrows(IllegalArgumentException.class, () -> parse(s)).getMessage();
    }

    @Test
    void theBdfTakesAnOptionalDomainAndHexNumbers() {
        assertEquals(new PciSpec(0, 0, 2, 0, -1, false, false), parse("00:02.0"));
        assertEquals(new PciSpec(0x1a, 0xff, 0x1f, 7, -1, false, false), parse("001a:ff:1f.7"));
        assertEquals("001a:ff:1f.7", parse("1a:ff:1f.7").bdf());
    }

    @Test
    void aVslotFollowsTheBdfAfterAnAt() {
        assertEquals(0x1f, parse("00:02.0@1f").vslot());
        assertEquals(3, parse("00:02.0,vslot=3").vslot());
    }

    @Test
    void keysFollowAsCommaSeparatedPairs() {
        assertEquals(new PciSpec(0, 0, 2, 0, 4, true, true), parse("00:02.0@4,permissive=1,seize=1"));
        assertEquals(new PciSpec(0, 0, 2, 0, -1, false, false), parse("bdf=00:02.0,msitranslate=1,power_mgmt=0"));
        assertEquals(new PciSpec(0, 0, 2, 0, -1, false, false), parse("00:02.0,rdm_policy=relaxed"));
    }

    @Test
    void specKeysOverrideTheDefaults() {
        assertEquals(false, PciSpecParser.parse("00:02.0,seize=0", new PciSpecParser.Defaults(true, true)).seize());
        assertEquals(true, PciSpecParser.parse("00:02.0", new PciSpecParser.Defaults(true, false)).permissive());
    }

    @Test
    void outOfRangeOrMalformedBdfsAreRefused() {
        for (String bad : new String[] {"00:20.0", "100:00.0", "00:00.8", "10000:00:00.0", "0:0:0:0.0", "00.0",
                "", "zz:00.0", "00:02", "00:02.0x"}) {
            assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
        }
        assertTrue(refused("00:02.0@20").startsWith("bad vslot"));
        assertTrue(refused("00:02.0,permissive=yes").contains("not a number"));
        assertEquals("Unknown PCI_SPEC_STRING option: colour", refused("00:02.0,colour=red"));
        assertEquals("Unknown RDM policy: loose", refused("00:02.0,rdm_policy=loose"));
        assertEquals("no BDF", refused("permissive=1"));
    }

    @Test
    void everyFunctionAndNamedFunctionsAreRefusedWithTheReason() {
        assertTrue(refused("00:02.*").contains("function `*'"));
        assertTrue(refused("name=nic0").startsWith("name="));
    }

    @Test
    void aBareBdfMustBeTheWholeString() {
        assertEquals("0000:00:01.0", PciSpecParser.parseBdf("00:01.0").bdf());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PciSpecParser.parseBdf("00:01.0@2"))
                .getMessage().startsWith("unexpected `@2'"));
    }
}
