package org.trapdoor.shell.complete;

import java.util.List;
import java.util.Map;

import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.NodeInfo;

/**
 * What the completer completes from, read at the moment Tab is pressed: the machine's nodes
 * and drivers, the PCI functions, and (under Xen) the domains and policies. Empty lists where
 * there is nothing (no hypervisor, no guest).
 */
public interface CompletionSources {
    /** Every node of the platform, in tree order. */
    List<NodeInfo> nodes();

    /** The labels of a node ({@code its}, {@code pcie0}), as the device tree gives them. */
    List<String> labels(String path);

    List<DriverInfo> drivers();

    /** Every PCI function, as lspci prints it ({@code 00:01.0}), with what it is. */
    List<Choice> functions();

    /** The domains by name, the hardware domain first. */
    List<String> domains();

    List<PolicyInfo> policies();

    /** The functions {@code xl pci-assignable-list} lists. */
    List<String> assignable();

    /** The trace points by name, each with whether it is on now. */
    Map<String, Boolean> tracePoints();

    /** Trapdoor's commands, by name, with their one-line summaries. */
    List<Choice> commands();
}
