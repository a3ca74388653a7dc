package org.trapdoor.api.trace;

import java.util.List;

/** An open {@link Tracing#capture()}: every point on, the capturing thread's records kept. */
@org.osgi.annotation.versioning.ProviderType
public interface TraceCapture extends AutoCloseable {
    /** What the capturing thread emitted since the capture opened, oldest first. */
    List<TraceRecord> records();

    /**
     * Records of the capture that were overwritten in the ring before they could be read (other
     * threads' traffic filled it); 0 when {@link #records()} is complete.
     */
    long lost();

    /** Restores the switches; the records stay readable. */
    @Override
    void close();
}
