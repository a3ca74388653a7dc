package org.trapdoor.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The framework storage folders that runs killed with {@code kill -9} (or a power cut) left in the
 * temporary folder. Felix holds a lock on {@code cache.lock} in its storage for as long as it
 * runs, so a folder whose lock can be taken belongs to no live framework. A folder without that
 * file is one a launcher has just created and not yet initialised, unless it is old.
 */
final class StaleStorage {
    /** Felix's lock file in its storage folder (BundleCache.CACHE_LOCK_NAME). */
    static final String LOCK_FILE = "cache.lock";
    /** A folder older than this without a lock file was abandoned before its framework started. */
    static final Duration UNSTARTED_AGE = Duration.ofMinutes(10);

    private StaleStorage() {
    }

    /** Deletes every stale {@code prefix*} folder in {@code tmp}; returns how many. Never fails. */
    static int clean(Path tmp, String prefix) {
        int removed = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, prefix + "*")) {
            for (Path d : dirs) {
                if (Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS) && isStale(d)) {
                    delete(d);
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // cleaning up after others is a courtesy: it never stops a launch
        }
        return removed;
    }

    static boolean isStale(Path dir) {
        Path lock = dir.resolve(LOCK_FILE);
        if (!Files.exists(lock)) {
            try {
                FileTime modified = Files.getLastModifiedTime(dir);
                return modified.toInstant().isBefore(Instant.now().minus(UNSTARTED_AGE));
            } catch (IOException e) {
                return false;
            }
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return false; // a live framework in another process holds it
            }
            l.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // a framework in this process holds it
        } catch (IOException e) {
            return false; // not ours to judge (another user's, unreadable)
        }
    }

    /** Deletes a folder and its contents as far as it can. */
    static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
