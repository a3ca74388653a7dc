package org.trapdoor.api.trace;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a switched-on {@link TracePoint} writes: the machine's ring. Implemented by the tracing
 * registry; models never call it directly. Implementations must not allocate, block or look
 * anything up: they run on the hot path of whoever emits.
 */
@ProviderType
public interface TraceSink {
    /**
     * Stores one record of {@code point}: {@code text} (or null) and the first
     * {@code point.event().valueCount()} of {@code a..f}.
     */
    void record(TracePoint point, Object text, long a, long b, long c, long d, long e, long f);
}
