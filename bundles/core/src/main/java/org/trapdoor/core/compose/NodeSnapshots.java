package org.trapdoor.core.compose;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;

/** The value snapshots of nodes and drivers that shells, guests and tests read; taken under the composer's lock. */
final class NodeSnapshots {
    private NodeSnapshots() {
    }

    static NodeInfo info(NodeSlot s) {
        DtNode n = s.node();
        List<RegEntry> reg;
        try {
            reg = NodeTopology.onCpuBus(n) ? n.reg() : List.of();
        } catch (DeviceTreeException e) {
            reg = List.of();
        }
        Binding b = s.current();
        NodeState state = !s.enabled() ? NodeState.DISABLED : b.model() != null ? NodeState.BOUND : NodeState.UNBOUND;
        String summary = n.isMemory() ? "RAM" : "";
        if (b.model() != null) {
            try {
                summary = b.model().summary();
            } catch (RuntimeException e) {
                summary = "(summary failed: " + e.getMessage() + ")";
            }
        }
        List<String> problems = new ArrayList<>(s.mapProblems);
        if (s.problem != null) {
            problems.add(s.problem);
        }
        if (s.faults() > 0) {
            problems.add(s.faults() + " accesses aborted because the model threw, last: " + s.lastFault());
        }
        return new NodeInfo(n.path(), n.compatibles(), reg, state, b.model() != null ? b.driver().name() : null,
                summary, s.unboundAccesses(), problems.isEmpty() ? null : String.join("; ", problems),
                s.upstreamAborts());
    }

    static List<DriverInfo> drivers(List<DriverEntry> drivers, List<NodeSlot> slots) {
        List<DriverInfo> out = new ArrayList<>();
        for (DriverEntry e : drivers) {
            List<String> bound = new ArrayList<>();
            for (NodeSlot s : slots) {
                Binding b = s.current();
                if (b.driver() != null && b.driver().driver() == e.driver()) {
                    bound.add(s.node().path());
                }
            }
            out.add(new DriverInfo(e.name(), e.compatibles(), e.ranking(), e.origin(), bound));
        }
        return out;
    }
}
