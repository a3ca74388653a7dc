package org.trapdoor.core.compose;

import java.util.ArrayDeque;
import java.util.List;

import org.trapdoor.api.machine.SwapRecord;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;

/**
 * What each bind, unbind and swap cost: the last {@link #LIMIT} as {@link SwapRecord}s for the
 * shell's {@code swaps}, and each one as a {@code composer_bind}, {@code composer_unbind} or
 * {@code composer_swap} trace record. Written under the composer's lock.
 */
final class SwapHistory {
    static final int LIMIT = 256;

    static final TraceEvent BIND = TraceEvent.of("composer_bind", "a model bound to an unbound node",
            TraceField.text("change"), TraceField.dec("total_ns"), TraceField.dec("stall_ns"));
    static final TraceEvent UNBIND = TraceEvent.of("composer_unbind", "a node's model removed",
            TraceField.text("change"), TraceField.dec("total_ns"), TraceField.dec("stall_ns"));
    static final TraceEvent SWAP = TraceEvent.of("composer_swap", "a node's model replaced by another",
            TraceField.text("change"), TraceField.dec("total_ns"), TraceField.dec("stall_ns"));

    private final ArrayDeque<SwapRecord> recent = new ArrayDeque<>();
    private final TracePoint bind;
    private final TracePoint unbind;
    private final TracePoint swap;

    SwapHistory(Tracing tracing) {
        this.bind = tracing.point(BIND);
        this.unbind = tracing.point(UNBIND);
        this.swap = tracing.point(SWAP);
    }

    synchronized void add(String node, String from, String to, long start, long total, long stall) {
        String kind = from == null ? "bind" : to == null ? "unbind" : "swap";
        if (recent.size() == LIMIT) {
            recent.removeFirst();
        }
        recent.addLast(new SwapRecord(node, kind, from, to, start, total, stall));
        TracePoint p = from == null ? bind : to == null ? unbind : swap;
        if (p.on()) {
            p.emitText(node + " " + (from == null ? "-" : from) + " -> " + (to == null ? "-" : to), total, stall, 0);
        }
    }

    synchronized List<SwapRecord> recent() {
        return List.copyOf(recent);
    }
}
