package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lspci} on the vendor-bridge presets, as a user runs it: each bridge's config space is
 * read through its bound model (X-Gene's RTDID indirection, the NWL bridge once Dom0's kernel
 * has run its bring-up under Xen), so the root port and both test endpoints are listed.
 */
class LspciPresetsIT {
    @TempDir
    Path dir;

    private String lspci(String... args) throws Exception {
        return run(0, args);
    }

    /** Runs trapdoor and checks its exit status (1 when a -c command failed). */
    private String run(int status, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = System.getProperty("trapdoor.jar", "target/trapdoor.jar");
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Djava.io.tmpdir=" + dir, "-jar", jar));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).redirectOutput(out.toFile()).redirectError(dir.resolve("err.txt").toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "trapdoor " + String.join(" ", args) + " exits");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(status, p.exitValue(), text + Files.readString(dir.resolve("err.txt")));
        return text;
    }

    @Test
    void mustangListsTheXgeneRootPortAndTheEndpointsBehindIt() throws Exception {
        String out = lspci("--platform", "mustang", "-c", "lspci -n");
        assertTrue(out.startsWith("00:00.0 0604: 10e8:e004\n01:01.0 00ff: 1234:11e9 (rev 01)\n"
                + "01:02.0 00ff: 1234:11e9 (rev 01)\n"), out);
    }

    @Test
    void zcu102UnderXenListsTheNwlRootPortOnceDom0HasBroughtTheBridgeUp() throws Exception {
        String out = lspci("--platform", "zcu102", "-c", "lspci -n; xen");
        assertTrue(out.startsWith("00:00.0 0604: 10ee:d011\n01:01.0 00ff: 1234:11e9 (rev 01)\n"
                + "01:02.0 00ff: 1234:11e9 (rev 01)\n"), out);
        assertTrue(out.contains("dom0-init  yes"), "Xen saw Dom0 report a function behind the bridge: " + out);
    }

    @Test
    void zcu102ShowsItsLanePlanFiltersByIdsAndNamesTheNwlEndpointsAsLspciDoes() throws Exception {
        String out = run(1, "--platform", "zcu102", "-c", "lanes; lspci -n -d 1234:11e9; traffic run 32; irq; "
                + "lanes set 0 sata");
        assertTrue(out.contains("0     PCIe        0         locked    -\n"), "bring-up took lane 0 for PCIe: " + out);
        assertTrue(out.contains("3     SATA        1         locked    /axi/ahci@fd0c0000\n"), out);
        assertTrue(out.contains("01:01.0 00ff: 1234:11e9 (rev 01)\n01:02.0 00ff: 1234:11e9 (rev 01)\n"), out);
        assertTrue(out.contains("devices=01:01.0,01:02.0"), "traffic names them where lspci does: " + out);
        assertTrue(out.contains("MSI   "), out);
        assertTrue(!out.matches("(?s).*\\d+\\s+LPI\\s.*"), "no NWL vector shown as an LPI: " + out);
        String err = Files.readString(dir.resolve("err.txt"));
        assertTrue(err.contains("lane 0 carries PCIe for /axi/pcie@fd0e0000, which has been brought up"),
                "the refused set is one line on stderr: " + err);
    }

    @Test
    void theAxiBoardListsItsRootPortAndEndpoints() throws Exception {
        String out = lspci("--platform", "axi", "--hypervisor", "none", "-c", "lspci -n");
        assertTrue(out.matches("(?s)00:00\\.0 0604: 10ee:7021\n01:01\\.0 00ff: 1234:11e9 \\(rev 01\\)\n.*"), out);
    }
}
