package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;

class DeviceTreeServiceTest {
    @TempDir
    Path dir;

    @Test
    void loadTellsDtbFromDtsByContent() throws IOException {
        DeviceTree source = Trees.dts("features.dts");
        Path dtb = dir.resolve("board.dts"); // misleading name on purpose
        Files.write(dtb, Trees.SERVICE.toDtb(source));
        Path dts = dir.resolve("board.dtb");
        Files.writeString(dts, Trees.SERVICE.toDts(source));
        Trees.assertSameTree(source, Trees.SERVICE.load(dtb), false);
        Trees.assertSameTree(source, Trees.SERVICE.load(dts), true);
        assertEquals(dts.toString(), Trees.SERVICE.load(dts).source());
    }

    @Test
    void errorsNameTheFile() throws IOException {
        Path dts = dir.resolve("broken.dts");
        Files.writeString(dts, "/dts-v1/;\n/ { x = <&nope>; };\n");
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> Trees.SERVICE.load(dts));
        assertEquals(dts + ":2:10: unknown label &nope", e.getMessage());
    }

    @Test
    void binaryGarbageIsReportedAsAMalformedDtb() throws IOException {
        Path f = dir.resolve("garbage.bin");
        Files.write(f, new byte[] {1, 2, 3, 0, 5, 6, 7, 8});
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> Trees.SERVICE.load(f));
        assertTrue(e.getMessage().startsWith(f + ": malformed DTB"), e.getMessage());
    }

    @Test
    void missingFileIsADeviceTreeException() {
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> Trees.SERVICE.load(dir.resolve("none.dtb")));
        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
    }
}
