package org.trapdoor.shell.xen;

import org.trapdoor.shell.CommandFailure;

/** The one message for every Xen command on a machine that runs without a hypervisor. */
final class NoHypervisor {
    private NoHypervisor() {
    }

    static CommandFailure failure(String command) {
        return new CommandFailure(command + ": there is no hypervisor: the machine runs bare metal "
                + "(--hypervisor none), so there are no domains");
    }
}
