package org.trapdoor.shell.plugins;

import java.nio.file.Path;
import java.util.List;

import org.osgi.framework.Version;

/** What {@link PluginDeployer} does to the framework: the real one on a bundle context, a fake in tests. */
public interface BundleOps {
    /**
     * An installed bundle: its id, name, version, and whether it came with Trapdoor (packed in
     * the launcher) rather than from {@code plugins/} or a user's {@code install}.
     */
    record Installed(long id, String name, Version version, boolean builtIn) {
    }

    /** The installed bundles with this symbolic name. */
    List<Installed> named(String symbolicName);

    /** Installs the jar and starts it; a bundle that does not start is uninstalled again. Returns its id. */
    long installAndStart(Path jar) throws Exception;

    /** Replaces a bundle's content with the jar's (an update), and starts it again. */
    void update(long id, Path jar) throws Exception;

    void uninstall(long id) throws Exception;

    /** Stops a bundle (a built-in bundle a plugin replaces: it stays installed, to come back). */
    void stop(long id) throws Exception;

    void start(long id) throws Exception;
}
