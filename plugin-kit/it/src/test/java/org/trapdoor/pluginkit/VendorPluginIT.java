package org.trapdoor.pluginkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;

import org.trapdoor.testkit.Pty;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin kit end to end, as a vendor uses it: a plugin generated from the archetype in a
 * folder of its own, built by Maven against this build's API and conformance harness (whose
 * suites run in that build), dropped into {@code plugins/} of a running {@code trapdoor.jar}. The
 * platform's host bridge names the vendor's {@code compatible} first and the generic one as its
 * fallback, as vendor trees do: it moves to the plugin live, carries config and MSI traffic
 * through it, and when the jar is removed leaves the plugin's model for the built-in driver,
 * with every MSI in the ledger and none lost.
 */
class VendorPluginIT {
    private static final String COMPATIBLE = "acme,pcie-ecam";
    private static final String DRIVER = "acme-ecam";
    private static final String BRIDGE = "/pcie@10000000";
    /** 00:01.0's vendor and device ID through the bridge's ECAM window (virt: 0x4010000000). */
    private static final String ECAM_01_0 = "0x4010008000";
    private static final int BURST = 4000;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
    void aPluginFromTheArchetypeBuiltOutOfTreeBindsLiveCarriesTrafficAndLeavesCleanlyWhenRemoved() throws Exception {
        Assumptions.assumeTrue(Pty.available(), "util-linux script makes the pseudo-terminal");
        OutOfTreeBuild build = new OutOfTreeBuild(dir);
        Path project = build.generate("com.acme.trapdoor", DRIVER, COMPATIBLE, DRIVER, "acme,msi-frame");
        String bridgeSource = Files.readString(project.resolve("src/main/java/com/acme/trapdoor/BridgeDriver.java"));
        assertTrue(bridgeSource.lines().count() < 80, "a plain vendor ECAM bridge is under 80 lines:\n" + bridgeSource);

        build.mvn(project, "package");
        Path jar = project.resolve("target/" + DRIVER + "-1.0.0.jar");
        assertTrue(Files.isRegularFile(jar), "the build made " + jar);
        String reports = surefire(project);
        assertTrue(reports.contains("Tests run: 6, Failures: 0, Errors: 0, Skipped: 0") && reports.contains("BridgeConformanceTest"),
                "the ECAM suite ran in the vendor's build:\n" + reports);
        assertTrue(reports.contains("MsiFrameConformanceTest"), "the MSI suite ran in the vendor's build:\n" + reports);

        Path platform = dir.resolve("acme.dts");
        Files.writeString(platform, virtWithVendorBridge());
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (Pty pty = Pty.open(dir, "exec '" + java() + "' -Djava.io.tmpdir='" + dir + "' -Dtrapdoor.plugins='" + plugins
                + "' -jar '" + OutOfTreeBuild.property("trapdoor.jar") + "' --hypervisor none --platform '" + platform + "'")) {
            pty.await("trapdoor> ");
            assertEquals("pci-ecam", driverOf(pty), "before the plugin, the fallback compatible binds the built-in driver");

            Files.copy(jar, plugins.resolve(jar.getFileName()));
            awaitDriver(pty, DRIVER);
            pty.type("mem read " + ECAM_01_0 + " 4\r");
            pty.await("0x11e91234");
            pty.await("trapdoor> ");
            burst(pty, BURST);

            Files.delete(plugins.resolve(jar.getFileName()));
            awaitDriver(pty, "pci-ecam");
            pty.type("drivers\r");
            String drivers = pty.await("trapdoor> ").group();
            assertTrue(!pty.plain().substring(pty.plain().lastIndexOf("drivers")).contains(DRIVER + " "),
                    "the plugin's driver is gone: " + drivers);
            burst(pty, 2 * BURST);
            pty.type("\u0004");
            assertEquals(0, pty.exitStatus(), pty.plain());
        }
    }

    /** A burst through whichever bridge is bound; the ledger then holds {@code total} raises, none dropped. */
    private static void burst(Pty pty, long total) throws Exception {
        pty.type("traffic run " + BURST + "\r");
        pty.await("trapdoor> ");
        pty.type("stats\r");
        Matcher m = pty.await("fired=(\\d+) delivered=(\\d+) dropped=(\\d+)");
        assertEquals(total, Long.parseLong(m.group(1)), "every raise is in the ledger: " + m.group());
        assertEquals(total, Long.parseLong(m.group(2)), "every MSI delivered through the bridge: " + m.group());
        assertEquals(0, Long.parseLong(m.group(3)), m.group());
        pty.await("trapdoor> ");
    }

    /** The driver the platform command shows bound to the bridge node. */
    private static String driverOf(Pty pty) throws Exception {
        pty.type("platform\r");
        Matcher m = pty.await(BRIDGE + "\\s+\\S+.*?\\s(\\S+)\\s+bound");
        pty.await("trapdoor> ");
        return m.group(1);
    }

    /** Polls {@code platform} until the bridge is bound to {@code driver} (FileInstall polls every second). */
    private static void awaitDriver(Pty pty, String driver) throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        String now = driverOf(pty);
        while (!now.equals(driver)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the bridge stayed with " + now + ", not " + driver + ":\n" + pty.plain());
            }
            Thread.sleep(500);
            now = driverOf(pty);
        }
    }

    /** The virt preset with the host bridge naming the vendor's compatible first. */
    private static String virtWithVendorBridge() throws IOException {
        try (InputStream in = VendorPluginIT.class.getResourceAsStream("/presets/virt.dts")) {
            String dts = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String generic = "compatible = \"pci-host-ecam-generic\";";
            assertTrue(dts.contains(generic), "the virt preset's bridge is generic ECAM");
            return dts.replace(generic, "compatible = \"" + COMPATIBLE + "\", \"pci-host-ecam-generic\";");
        }
    }

    private static String surefire(Path project) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(project.resolve("target/surefire-reports"))) {
            for (Path p : files.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
                sb.append(Files.readString(p));
            }
        }
        return sb.toString();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
