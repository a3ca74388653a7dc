package org.trapdoor.shell.plugins;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Constants;
import org.osgi.framework.Version;

/**
 * What a jar in {@code plugins/} claims to be: its symbolic name and version from the manifest,
 * or why it is no bundle. Read once per change of the file.
 *
 * @param file      the jar's file name
 * @param stamp     size and modification time when it was read: a change means a new jar
 * @param name      {@code Bundle-SymbolicName} without directives, or null when {@code problem} says why not
 * @param version   {@code Bundle-Version} (0.0.0 when absent, as OSGi reads it)
 * @param problem   why the jar cannot be a bundle, or null
 */
public record PluginJar(String file, String stamp, String name, Version version, String problem) {

    /** Reads the manifest of {@code path}; a jar that is none, or has no symbolic name, gets a problem. */
    public static PluginJar read(Path path, String stamp) {
        String file = path.getFileName().toString();
        Manifest mf;
        try (InputStream in = Files.newInputStream(path); JarInputStream jar = new JarInputStream(in)) {
            mf = jar.getManifest();
        } catch (IOException | SecurityException e) {
            return new PluginJar(file, stamp, null, Version.emptyVersion, "not a readable jar"
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
        if (mf == null) {
            return new PluginJar(file, stamp, null, Version.emptyVersion, "not a bundle: the jar has no manifest");
        }
        String bsn = mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsn == null || bsn.isBlank()) {
            return new PluginJar(file, stamp, null, Version.emptyVersion,
                    "not a bundle: the manifest has no Bundle-SymbolicName");
        }
        String v = mf.getMainAttributes().getValue(Constants.BUNDLE_VERSION);
        Version version;
        try {
            version = v == null ? Version.emptyVersion : Version.parseVersion(v.strip());
        } catch (IllegalArgumentException e) {
            return new PluginJar(file, stamp, bsn.split(";")[0].strip(), Version.emptyVersion,
                    "not a bundle: Bundle-Version '" + v + "' is no OSGi version");
        }
        return new PluginJar(file, stamp, bsn.split(";")[0].strip(), version, null);
    }

    /** {@code name version}, as the reports print a bundle. */
    public String bundle() {
        return name + " " + version;
    }
}
