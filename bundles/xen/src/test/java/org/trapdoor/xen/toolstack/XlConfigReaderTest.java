package org.trapdoor.xen.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.PciSpec;

class XlConfigReaderTest {
    private static String error(String text) {
        return assertThrows(XlConfigException.class, () -> XlConfigReader.read("guest1.cfg", text)).getMessage();
    }

    @Test
    void aGuestFileGivesItsNameMemoryVcpusAndDevices() {
        DomainConfig c = XlConfigReader.read("guest1.cfg", """
                # an Arm DomU with one passed-through endpoint
                name = "guest1"
                kernel = "/boot/Image"
                extra = "console=hvc0"
                memory = 256
                vcpus = 2
                pci = [ "0000:00:02.0@3,permissive=1", '00:01.0' ]
                """);
        assertEquals("guest1", c.name());
        assertEquals(256, c.memoryMiB());
        assertEquals(2, c.vcpus());
        assertEquals(List.of(new PciSpec(0, 0, 2, 0, 3, true, false), new PciSpec(0, 0, 1, 0, -1, false, false)),
                c.pci());
    }

    @Test
    void withoutMemoryOrVcpusTheDefaultsAreLibxls() {
        DomainConfig c = XlConfigReader.read("g.cfg", "name='g'\n");
        assertEquals(XlConfigReader.DEFAULT_MEMORY_MIB, c.memoryMiB());
        assertEquals(1, c.vcpus());
        assertEquals(List.of(), c.pci());
    }

    @Test
    void numbersAreReadAsStrtolDoesQuotedOrNot() {
        assertEquals(512, XlConfigReader.read("g.cfg", "name='g'\nmemory='0x200'\n").memoryMiB());
        assertEquals(8, XlConfigReader.read("g.cfg", "name='g'\nmemory=010\n").memoryMiB());
        assertEquals(1, XlConfigReader.read("g.cfg", "name='g'\nvcpus=0\n").vcpus(), "xl takes fewer than 1 as 1");
    }

    @Test
    void pciDefaultsApplyToEverySpecUnlessTheSpecSaysOtherwise() {
        DomainConfig c = XlConfigReader.read("g.cfg",
                "name='g'\npci_permissive=1\npci_seize=1\npci=['00:01.0','00:02.0,permissive=0,seize=0']\n");
        assertTrue(c.pci().get(0).permissive());
        assertTrue(c.pci().get(0).seize());
        assertFalse(c.pci().get(1).permissive());
        assertFalse(c.pci().get(1).seize());
    }

    @Test
    void anUnknownKeyIsRefusedWithItsLine() {
        assertEquals("guest1.cfg:3: unknown parameter `pcis'", error("name='g'\nmemory=64\npcis=['00:01.0']\n"));
    }

    @Test
    void aBadBdfIsRefusedWithItsLineAsXlSaysIt() {
        String m = error("name='g'\npci = [\n  '00:01.0',\n  '00:20.0',\n]\n");
        assertTrue(m.startsWith("guest1.cfg:4: unable to parse PCI_SPEC_STRING `00:20.0' for passthrough: "), m);
        assertTrue(error("name='g'\npci=['00:01.0,colour=red']\n")
                .endsWith("for passthrough: Unknown PCI_SPEC_STRING option: colour"));
    }

    @Test
    void aFileWithoutANameIsRefusedAsXlDoes() {
        assertEquals("guest1.cfg: Domain name must be specified.", error("memory = 64\n"));
    }

    @Test
    void valuesOfTheWrongShapeOrRangeAreRefusedNotDefaulted() {
        assertEquals("guest1.cfg:2: parameter `memory' is not a valid number", error("name='g'\nmemory='lots'\n"));
        assertEquals("guest1.cfg:2: value `0' is smaller than minimum bound '1'", error("name='g'\nmemory=0\n"));
        assertEquals("guest1.cfg:2: value `129' is greater than maximum bound '128'", error("name='g'\nvcpus=129\n"));
        assertEquals("guest1.cfg:2: parameter `pci' is a single value but should be a list",
                error("name='g'\npci='00:01.0'\n"));
        assertEquals("guest1.cfg:1: parameter `name' is a list but should be a single value", error("name=['g']\n"));
        assertEquals("guest1.cfg:2: can't use += with numbers for parameter `memory'",
                error("name='g'\nmemory+='1'\n"));
    }

    @Test
    void theCreatePropertyNamesEachFileInItsErrors() {
        List<DomainConfig> both = CreateConfigs.read(new String[] {"name='a'", "name='b'\nvcpus=3"},
                new String[] {"a.cfg", "b.cfg"});
        assertEquals(List.of("a", "b"), both.stream().map(DomainConfig::name).toList());
        assertEquals("b.cfg:1: unknown parameter `nmae'", assertThrows(XlConfigException.class,
                () -> CreateConfigs.read(new String[] {"name='a'", "nmae='b'"}, new String[] {"a.cfg", "b.cfg"}))
                .getMessage());
        assertEquals(List.of(), CreateConfigs.read(null, null));
    }
}
