package org.trapdoor.shell.plugins;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The {@code plugins} command's result: the folder, each jar there and what it became, and the
 * history of installs, updates, removals, refusals and failures.
 */
public record PluginListing(Path directory, Map<String, PluginDeployer.Deployment> jars, List<PluginEvent> events) {
    public PluginListing {
        jars = Map.copyOf(jars);
        events = List.copyOf(events);
    }
}
