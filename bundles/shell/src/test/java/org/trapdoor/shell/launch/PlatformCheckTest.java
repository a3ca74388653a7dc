package org.trapdoor.shell.launch;

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
import org.trapdoor.api.dt.DeviceTreeLoader;
import org.trapdoor.api.dt.DtNode;

class PlatformCheckTest {
    /** A loader that accepts files containing "ok" and rejects the rest the way the real one does. */
    static class FakeLoader implements DeviceTreeLoader {
        @Override
        public DeviceTree load(Path file) {
            try {
                String text = Files.readString(file);
                if (!text.contains("ok")) {
                    throw new DeviceTreeException(file.getFileName() + ":1: expected '/dts-v1/;'");
                }
            } catch (IOException e) {
                throw new DeviceTreeException("cannot read", e);
            }
            return new DeviceTree(new DtNode("", null), file.toString(), java.util.List.of());
        }

        @Override
        public DeviceTree parseDts(String source, String sourceName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeviceTree parseDtb(byte[] blob, String sourceName) {
            throw new IndexOutOfBoundsException("truncated");
        }

        @Override
        public String toDts(DeviceTree tree) {
            return "";
        }

        @Override
        public byte[] toDtb(DeviceTree tree) {
            return new byte[0];
        }
    }

    private final FakeLoader loader = new FakeLoader();

    @Test
    void presetNamesAreLeftToTheMachine() throws Exception {
        assertEquals("virt", PlatformCheck.check(loader, "virt"));
        assertEquals(null, PlatformCheck.check(loader, null));
    }

    @Test
    void aMissingFileIsNamed() {
        PlatformCheck.BadPlatform e = assertThrows(PlatformCheck.BadPlatform.class,
                () -> PlatformCheck.check(loader, "boards/none.dts"));
        assertEquals("boards/none.dts: no such file", e.getMessage());
    }

    @Test
    void aMalformedFileGivesTheLoaderMessageOnce(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.dts");
        Files.writeString(f, "garbage");
        PlatformCheck.BadPlatform e = assertThrows(PlatformCheck.BadPlatform.class,
                () -> PlatformCheck.check(loader, f.toString()));
        assertEquals("bad.dts:1: expected '/dts-v1/;'", e.getMessage());
    }

    @Test
    void aLoaderCrashStillNamesTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("trunc.dtb");
        Files.write(f, new byte[] {(byte) 0xd0, 0x0d});
        DeviceTreeLoader crashing = new FakeLoader() {
            @Override
            public DeviceTree load(Path file) {
                throw new IndexOutOfBoundsException();
            }
        };
        PlatformCheck.BadPlatform e = assertThrows(PlatformCheck.BadPlatform.class,
                () -> PlatformCheck.check(crashing, f.toString()));
        assertEquals(f + ": IndexOutOfBoundsException", e.getMessage());
    }

    @Test
    void aGoodFileIsConfiguredByAbsolutePath(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("good.dts");
        Files.writeString(f, "ok");
        String value = PlatformCheck.check(loader, f.toString());
        assertEquals(f.toAbsolutePath().normalize().toString(), value);
        assertTrue(Path.of(value).isAbsolute());
    }

    @Test
    void aDirectoryIsNotAPlatform(@TempDir Path dir) {
        assertEquals(dir + ": not a regular file",
                assertThrows(PlatformCheck.BadPlatform.class, () -> PlatformCheck.check(loader, dir.toString()))
                        .getMessage());
    }
}
