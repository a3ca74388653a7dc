package org.trapdoor.shell.xen;

import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.domain.DomainViews;

/** The one message for every Xen command on a machine that runs without a hypervisor. */
final class NoHypervisor {
    private NoHypervisor() {
    }

    static CommandFailure failure(String command) {
        return new CommandFailure(DomainViews.noHypervisor(command));
    }
}
