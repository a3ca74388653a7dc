package org.trapdoor.shell.plugins;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.trapdoor.shell.command.CommandRegistry;
import org.trapdoor.shell.command.ShellCommand;

/** {@code plugins}: the jars in {@code plugins/}, what each became, and what happened when. */
@Component(service = PluginCommands.class, property = CommandRegistry.FUNCTION + "=plugins")
public final class PluginCommands {
    private final PluginWatcher watcher;

    @Activate
    public PluginCommands(@Reference PluginWatcher watcher) {
        this.watcher = watcher;
    }

    @ShellCommand(usage = {"plugins"}, summary = "the jars in plugins/: what each became, and every install, update, removal, refusal and failure", group = CommandRegistry.MACHINE)
    @Descriptor("list the jars in plugins/ with what each became (installed, replacing a built-in bundle, refused, "
            + "failed) and the history of installs, updates, removals, refusals and failures")
    public PluginListing plugins() {
        PluginDeployer d = watcher.deployer();
        return new PluginListing(watcher.directory(), d.deployments(), d.events());
    }
}
