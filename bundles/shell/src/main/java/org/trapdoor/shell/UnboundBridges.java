package org.trapdoor.shell;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;

/**
 * Host bridges without a model, and what follows from it: the guest cannot reach the devices
 * behind them, so it never enables their MSIs, and every MSI they raise is refused. Said at
 * start-up and by {@code stats}, so that "MSI disabled" is not the only visible reason.
 */
public final class UnboundBridges {
    private UnboundBridges() {
    }

    /** One sentence per enabled host-bridge node that no model serves; empty when all are bound. */
    public static List<String> notes(Machine machine) {
        List<String> out = new ArrayList<>();
        for (String path : machine.hostBridges()) {
            NodeInfo n = machine.node(path);
            if (n == null || n.state() != NodeState.UNBOUND) {
                continue;
            }
            boolean handled = machine.drivers().stream()
                    .anyMatch(d -> d.compatibles().stream().anyMatch(n.compatibles()::contains));
            String why = n.problem() != null ? n.problem()
                    : handled ? "unbound from its driver"
                            : "no driver handles " + (n.compatibles().isEmpty() ? "it" : String.join(" or ", n.compatibles()));
            long behind = machine.pciDevices().stream().filter(d -> path.equals(d.bridgePath())).count();
            out.add("host bridge " + path + " has no model (" + why + "): the guest cannot enumerate the " + behind
                    + " device(s) behind it, so their MSIs stay disabled");
        }
        return out;
    }
}
