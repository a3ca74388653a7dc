package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleStorageTest {
    @TempDir
    Path tmp;

    private Path storage(String name) throws Exception {
        Path d = Files.createDirectory(tmp.resolve(name));
        Files.createDirectories(d.resolve("bundle1"));
        Files.writeString(d.resolve("bundle1/bundle.info"), "x");
        Files.createFile(d.resolve(StaleStorage.LOCK_FILE));
        return d;
    }

    @Test
    void aFolderWhoseLockNobodyHoldsIsRemovedWithItsContents() throws Exception {
        Path killed = storage("trapdoor-osgi123");
        assertEquals(1, StaleStorage.clean(tmp, "trapdoor-osgi"));
        assertFalse(Files.exists(killed));
    }

    @Test
    void aFolderWhoseLockIsHeldBelongsToALiveFrameworkAndStays() throws Exception {
        Path live = storage("trapdoor-osgi456");
        try (FileChannel ch = FileChannel.open(live.resolve(StaleStorage.LOCK_FILE), StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            assertEquals(0, StaleStorage.clean(tmp, "trapdoor-osgi"));
            assertTrue(Files.exists(live.resolve("bundle1/bundle.info")));
        }
    }

    @Test
    void aFreshFolderWithoutALockIsAStartingLauncherAndStaysUntilItIsOld() throws Exception {
        Path starting = Files.createDirectory(tmp.resolve("trapdoor-osgi789"));
        assertEquals(0, StaleStorage.clean(tmp, "trapdoor-osgi"));
        assertTrue(Files.exists(starting));
        Files.setLastModifiedTime(starting,
                FileTime.from(Instant.now().minus(StaleStorage.UNSTARTED_AGE).minusSeconds(60)));
        assertEquals(1, StaleStorage.clean(tmp, "trapdoor-osgi"));
        assertFalse(Files.exists(starting));
    }

    @Test
    void otherFoldersAreNotTouched() throws Exception {
        Path other = Files.createDirectory(tmp.resolve("other-osgi1"));
        Files.createFile(other.resolve(StaleStorage.LOCK_FILE));
        assertEquals(0, StaleStorage.clean(tmp, "trapdoor-osgi"));
        assertTrue(Files.exists(other));
    }
}
