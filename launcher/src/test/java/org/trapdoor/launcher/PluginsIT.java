package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plugins/} through the real launcher: a plugin never replaces or removes a built-in
 * bundle unless it says so by version, every outcome is reported, and {@code drivers} marks two
 * drivers with one name.
 */
class PluginsIT {
    @TempDir
    Path dir;

    private static Path jar() {
        return Path.of(System.getProperty("trapdoor.jar", "target/trapdoor.jar")).toAbsolutePath();
    }

    /** The built-in bundle jar the launcher packs, from the build's copy. */
    private static Path builtIn(String symbolicName) throws IOException {
        Path packed = jar().getParent().resolve("classes/bundles");
        try (Stream<Path> files = Files.list(packed)) {
            return files.filter(f -> f.getFileName().toString().startsWith(symbolicName + "-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + symbolicName + " in " + packed));
        }
    }

    /** A copy of {@code from} whose manifest says another name and version. */
    private static void rewrite(Path from, Path to, String symbolicName, String version) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(from))) {
            Manifest mf = new Manifest(in.getManifest());
            Attributes a = mf.getMainAttributes();
            a.putValue("Bundle-SymbolicName", symbolicName);
            a.putValue("Bundle-Version", version);
            try (OutputStream os = Files.newOutputStream(to); JarOutputStream out = new JarOutputStream(os, mf)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }

    private static String await(Path file, String marker, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String s = Files.readString(file);
            if (s.contains(marker)) {
                return s;
            }
            assertTrue(p.isAlive(), "exited before '" + marker + "': " + s);
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + marker + "' in " + Files.readString(file));
    }

    @Test
    void pluginsNeverTakeBuiltInHardwareAwayAndEveryOutcomeIsReported() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.copy(builtIn("org.trapdoor.hw.testdev"), plugins.resolve("testdev-copy.jar"));
        rewrite(builtIn("org.trapdoor.hw.pci.ecam"), plugins.resolve("ecam-9.jar"), "org.trapdoor.hw.pci.ecam", "9.0.0");
        rewrite(builtIn("org.trapdoor.hw.pci.ecam"), plugins.resolve("acme-ecam.jar"), "org.acme.ecam", "1.0.0");
        Files.writeString(plugins.resolve("junk.jar"), "not a jar");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + dir, "-Dtrapdoor.plugins=" + plugins, "-jar", jar().toString(), "-c",
                "drivers; lspci -n; echo READY; sleep 4; echo AFTER; plugins; drivers; lspci -n")
                .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String before = await(out, "READY", p);
            String reports = Files.readString(err);
            assertTrue(reports.contains("trapdoor: plugins/testdev-copy.jar: org.trapdoor.hw.testdev is built in at 0.1.0"),
                    "a copy of a built-in bundle is refused, and said so: " + reports);
            assertTrue(reports.contains("trapdoor: plugins/ecam-9.jar: replaced the built-in org.trapdoor.hw.pci.ecam 0.1.0"),
                    reports);
            assertTrue(reports.contains("trapdoor: plugins/acme-ecam.jar: installed org.acme.ecam 1.0.0"), reports);
            assertTrue(reports.contains("trapdoor: plugins/junk.jar: not a"), "a jar that fails is reported: " + reports);
            assertTrue(before.contains("duplicate name: bind pci-ecam takes this one"), before);
            assertTrue(before.contains("duplicate name: not taken by bind"), before);
            assertTrue(before.contains("00:01.0 ") && before.contains("00:02.0 "), before);
            try (Stream<Path> jars = Files.list(plugins)) {
                for (Path j : jars.toList()) {
                    Files.delete(j);
                }
            }
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), Files.readString(out));
            assertEquals(0, p.exitValue(), Files.readString(err));
            String after = Files.readString(out);
            after = after.substring(after.indexOf("AFTER"));
            assertTrue(after.contains("plugins/ecam-9.jar: uninstalled org.trapdoor.hw.pci.ecam 9.0.0; the built-in bundle is back"),
                    after);
            assertTrue(after.contains("plugins/acme-ecam.jar: uninstalled org.acme.ecam 1.0.0"), after);
            assertFalse(after.contains("testdev-copy.jar: uninstalled"), "the refused copy had nothing to take away: " + after);
            assertFalse(after.contains("duplicate name"), after);
            assertTrue(after.contains("org.trapdoor.hw.pci.ecam 0.1.0"), "the built-in driver is back: " + after);
            assertTrue(after.contains("00:01.0 ") && after.contains("00:02.0 "),
                    "removing the copy took no built-in hardware: " + after);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aPluginTheBuiltInsCannotResolveIsReportedAndTheMachineStillStarts() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path broken = plugins.resolve("broken.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        mf.getMainAttributes().putValue("Bundle-SymbolicName", "org.acme.broken");
        mf.getMainAttributes().putValue("Bundle-Version", "1.0.0");
        mf.getMainAttributes().putValue("Import-Package", "org.acme.missing");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(broken), mf)) {
            out.putNextEntry(new JarEntry("empty.txt"));
            out.closeEntry();
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + dir, "-Dtrapdoor.plugins=" + plugins, "-jar", jar().toString(), "-c", "plugins; lspci")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String text;
        try (InputStream in = p.getInputStream()) {
            text = new String(in.readAllBytes());
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), text);
        List<String> lines = text.lines().filter(l -> l.startsWith("trapdoor: plugins/broken.jar: ")).toList();
        assertEquals(1, lines.size(), text);
        assertTrue(lines.get(0).startsWith("trapdoor: plugins/broken.jar: cannot install org.acme.broken 1.0.0: "), text);
        assertTrue(lines.get(0).contains("org.acme.missing"), "says what is missing: " + text);
        assertTrue(text.contains("broken.jar  org.acme.broken 1.0.0  not deployed: cannot install"), text);
        assertTrue(text.contains("00:01.0 "), text);
    }
}
