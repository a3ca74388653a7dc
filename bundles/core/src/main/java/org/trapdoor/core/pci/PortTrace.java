package org.trapdoor.core.pci;

import java.util.List;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;

/**
 * The upstream ports' trace points (one set per machine, shared by every port): a device's
 * transaction as it enters the port, the IDs the bridge's maps gave it, where the port stopped
 * it, and how it ended.
 */
final class PortTrace {
    /** Why the port itself stopped a transaction: {@code pci_port_abort}'s {@code why}. */
    static final int BRIDGE_DOWN = 0, IOMMU_UNBOUND = 1, IOMMU_FAULT = 2, MODEL_FAILED = 3;

    static final TraceEvent SEND = TraceEvent.of("pci_port_send", "a device's memory transaction enters its upstream port",
            TraceField.bdf("rid"), TraceField.hex("addr"), TraceField.dec("size"), TraceField.flag("write"),
            TraceField.hex("data"), TraceField.flag("msi"));
    static final TraceEvent ROUTE = TraceEvent.of("pci_port_route", "the bridge passed it on: the IDs its iommu-map and msi-map give",
            TraceField.bdf("rid"), TraceField.dec("sid"), TraceField.dec("devid"), TraceField.flag("iommu"));
    static final TraceEvent ABORT = TraceEvent.of("pci_port_abort", "the port stopped the transaction",
            TraceField.bdf("rid"), TraceField.choice("why", List.of("bridge unbound or link down", "IOMMU unbound",
                    "IOMMU fault", "a model failed")));
    static final TraceEvent DONE = TraceEvent.of("pci_port_done", "the transaction came back to the port",
            TraceField.bdf("rid"), TraceField.hex("addr"), TraceField.choice("result", MemResult.class),
            TraceField.hex("data"));

    final TracePoint send;
    final TracePoint route;
    final TracePoint abort;
    final TracePoint done;

    PortTrace(Tracing tracing) {
        send = tracing.point(SEND);
        route = tracing.point(ROUTE);
        abort = tracing.point(ABORT);
        done = tracing.point(DONE);
    }
}
