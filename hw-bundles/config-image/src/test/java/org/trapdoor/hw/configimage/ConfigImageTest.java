package org.trapdoor.hw.configimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ConfigImageTest {
    private static List<String> lines(int bytes) {
        List<String> l = new ArrayList<>();
        for (int o = 0; o < bytes; o += 16) {
            StringBuilder s = new StringBuilder(String.format(bytes > 256 ? "%03x:" : "%02x:", o));
            for (int b = 0; b < 16; b++) {
                s.append(String.format(" %02x", (o + b) & 0xff));
            }
            l.add(s.toString());
        }
        return l;
    }

    @Test
    void parsesEachLspciLengthWithOrWithoutHeader() {
        for (int n : new int[] {64, 256, 4096}) {
            ConfigImage img = ConfigImage.parse("t", lines(n));
            assertEquals(n, img.length());
            assertNull(img.header());
            assertEquals(0x13121110, img.read(0x10, 4));
        }
        List<String> l = lines(64);
        l.add(0, "00:1f.3 Audio device: Intel Corporation Device a3c8");
        l.add(3, "");
        ConfigImage img = ConfigImage.parse("t", l);
        assertEquals("00:1f.3 Audio device: Intel Corporation Device a3c8", img.header());
        assertEquals(0, img.read(0x40, 4), "past the dump reads 0");
    }

    @Test
    void malformedLinesAreReportedWithFileAndLine() {
        List<String> l = lines(64);
        l.set(2, "20: 00 11 22 zz 44 55 66 77 88 99 aa bb cc dd ee ff");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigImage.parse("dump.txt", l));
        assertTrue(e.getMessage().startsWith("dump.txt:3: "), e.getMessage());

        List<String> skipped = lines(64);
        skipped.remove(1);
        e = assertThrows(IllegalArgumentException.class, () -> ConfigImage.parse("dump.txt", skipped));
        assertTrue(e.getMessage().startsWith("dump.txt:2: expected offset 10"), e.getMessage());

        List<String> shortLine = lines(64);
        shortLine.set(0, "00: 86 80");
        e = assertThrows(IllegalArgumentException.class, () -> ConfigImage.parse("dump.txt", shortLine));
        assertTrue(e.getMessage().startsWith("dump.txt:1: "), e.getMessage());
    }

    @Test
    void wrongLengthsAndSecondDevicesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigImage.parse("d", lines(128)));
        assertTrue(e.getMessage().contains("128 bytes"), e.getMessage());
        List<String> two = lines(64);
        two.add("01:00.0 Ethernet controller: Intel Corporation 82574L");
        two.addAll(lines(64));
        e = assertThrows(IllegalArgumentException.class, () -> ConfigImage.parse("d", two));
        assertTrue(e.getMessage().startsWith("d:5: a second device"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigImage.parse("d", List.of()));
    }
}
