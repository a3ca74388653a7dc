package org.trapdoor.hw.configimage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.ConfigAccessor;
import org.trapdoor.api.pci.ConfigSpace;
import org.trapdoor.api.pci.MsiCapability;
import org.trapdoor.api.pci.MsixCapability;
import org.trapdoor.api.pci.PciBar;
import org.trapdoor.api.pci.PciConfig;

/** A device modelled with the API, dumped as lspci does, becomes an image device that reads the same. */
class RoundTripTest {
    @Test
    void dumpOfAModelBecomesAnEquivalentImage() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        cs.constant(0, 4, 0x11e91234);
        cs.register(PciConfig.COMMAND, 2, 0, 0x0546);
        cs.constant(PciConfig.STATUS, 2, PciConfig.STATUS_CAP_LIST);
        cs.constant(PciConfig.REVISION_ID, 4, 0x00ff0001);
        PciBar.memory32(cs, 0, 0x1000, false, 0x1000_0000L);
        PciBar.memory64(cs, 2, 0x2000, false, 0x8_0000_0000L);
        cs.constant(PciConfig.CAPABILITY_LIST, 1, 0x40);
        new MsiCapability(cs, 0x40, 0x60, 4, true, true);
        new MsixCapability(cs, 0x60, 0, 8, 2, 0, 2, 0x1000);

        String dump = cs.dump(256);
        ConfigImage img = ConfigImage.parse("model", Arrays.asList(dump.split("\n")));
        ImageDevice d = new ImageDevice(img, Map.of(0, 0x1000L));
        for (int off = 0; off < 256; off += 4) {
            assertEquals(cs.read(off, 4), d.configRead(off, 4), String.format("dword 0x%02x", off));
        }
        assertEquals(4, d.msi().maxVectors());
        assertEquals(8, d.msix().tableSize());
        assertEquals(ImageDevice.MEMORY_BAR_CAP, d.bar(2).size(), "0x8_0000_0000 allows any size: capped");
    }
}
