package org.trapdoor.shell;

import java.util.List;

import org.trapdoor.api.machine.NodeInfo;

/** The {@code platform} command's result: the platform's source and every node with its binding. */
public record PlatformListing(String source, List<NodeInfo> nodes) {
    public PlatformListing {
        nodes = List.copyOf(nodes);
    }
}
