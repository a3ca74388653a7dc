package org.trapdoor.core.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.trace.TraceRecord;

/**
 * {@code trace --file}: a daemon thread that follows the ring and appends each record as one
 * line ({@code sequence nanoTime thread name field=value ...}). The emitting threads never wait
 * for it; if it falls a whole ring behind, the records it missed are counted and one line says
 * so in the file.
 */
final class TraceFileWriter {
    private static final Logger LOG = LoggerFactory.getLogger(TraceFileWriter.class);

    private final TraceRing ring;
    private final Path file;
    private final BufferedWriter out;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lost;
    /** The first record to write: the next one when the file was opened. */
    private final long start;

    TraceFileWriter(TraceRing ring, Path file) throws IOException {
        this.ring = ring;
        this.file = file;
        this.start = ring.sequence();
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        this.thread = new Thread(this::run, "trapdoor-trace-file");
        thread.setDaemon(true);
        thread.start();
    }

    Path file() {
        return file;
    }

    long lost() {
        return lost;
    }

    private void run() {
        long next = start;
        try {
            for (;;) {
                // Read the flag first: records emitted before close() asked us to stop are still written.
                boolean stop = !running;
                long end = ring.sequence();
                if (end - next > ring.capacity()) {
                    long missed = end - ring.capacity() - next;
                    lost += missed;
                    out.write("# " + missed + " records overwritten before they were written\n");
                    next = end - ring.capacity();
                }
                for (; next < end; next++) {
                    TraceRecord r = ring.read(next);
                    for (int spin = 0; r == null && spin < 1000 && ring.sequence() - next < ring.capacity(); spin++) {
                        Thread.onSpinWait(); // claimed, still being written
                        r = ring.read(next);
                    }
                    if (r != null) {
                        out.write(r.sequence() + " " + r.nanoTime() + " " + r.threadId() + " " + r + "\n");
                    } else {
                        lost++; // overtaken while we were writing the ones before it
                    }
                }
                if (stop) {
                    break;
                }
                out.flush();
                LockSupport.parkNanos(2_000_000);
            }
            out.flush();
        } catch (IOException e) {
            LOG.error("writing trace records to {} failed; the file writer stopped", file, e);
        } finally {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("closing {} failed", file, e);
            }
        }
    }

    /** Writes what is in the ring now, then stops. */
    void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
