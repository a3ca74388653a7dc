package org.trapdoor.shell.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trapdoor.xen.toolstack.XlToolstack;

class XenCreateTest {
    @TempDir
    Path dir;

    @Test
    void eachCreateFileIsReadInOrderWithItsName() throws Exception {
        Path a = Files.writeString(dir.resolve("a.cfg"), "name='a'\n");
        Path b = Files.writeString(dir.resolve("b.cfg"), "name='b'\n");
        List<XenCreate.CreateFile> files = XenCreate.read(Map.of(XenCreate.PROPERTY, a + "\n" + b)::get);
        assertEquals(List.of(new XenCreate.CreateFile(a.toString(), "name='a'\n"),
                new XenCreate.CreateFile(b.toString(), "name='b'\n")), files);
        assertEquals(List.of(), XenCreate.read(Map.<String, String>of()::get));
    }

    @Test
    void aMissingFileIsXlsOneLine() {
        String missing = dir.resolve("none.cfg").toString();
        assertEquals("Failed to read config file: " + missing + ": No such file or directory",
                assertThrows(XenCreate.Unreadable.class, () -> XenCreate.read(Map.of(XenCreate.PROPERTY, missing)::get))
                        .getMessage());
    }

    @Test
    void theToolstackChecksEveryFileAndTheFirstRefusalIsReported() throws IOException {
        XlToolstack ts = new XlToolstack();
        assertNull(XenCreate.check(ts, List.of(new XenCreate.CreateFile("a.cfg", "name='a'\npci=['00:02.0']\n"))));
        assertEquals("b.cfg:2: unknown parameter `memroy'", XenCreate.check(ts, List.of(
                new XenCreate.CreateFile("a.cfg", "name='a'\n"), new XenCreate.CreateFile("b.cfg", "name='b'\nmemroy=64\n"),
                new XenCreate.CreateFile("c.cfg", "bad bad\n"))));
    }
}
