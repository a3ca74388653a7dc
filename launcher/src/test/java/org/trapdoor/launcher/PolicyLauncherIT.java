package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --policy KIND=NAME}: Xen's policies chosen before it boots, as a user runs the launcher. */
class PolicyLauncherIT {
    private static final String PCIE = "/axi/pcie@fd0e0000";

    record Run(int status, String out, String err) {
    }

    @TempDir
    Path dir;

    private Run trapdoor(String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("trapdoor.jar", "target/trapdoor.jar");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtrapdoor.boot.timeout=10", "-jar", Path.of(jar).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("trapdoor " + String.join(" ", args) + " did not exit within 120 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void zcu102WithBridgeOwnerXenInitBootsXenRunningTheNwlBringUpItselfBeforeDom0() throws Exception {
        Run r = trapdoor("--platform", "zcu102", "--policy", "bridge-owner=xen-init", "-c",
                "policy; xen; lspci -n; xl dmesg");
        assertEquals(0, r.status(), r.out() + r.err());
        String out = r.out();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("bridge-owner ") && l.split(" +")[2].equals("xen-init")),
                "the policy listing has xen-init in force: " + out);
        // Xen's bridge row: owner xen-init and ready, not by Dom0's report.
        List<String> bridge = out.lines().filter(l -> l.startsWith(PCIE) && l.contains("xlnx,nwl-pcie-2.11")).toList();
        assertEquals(1, bridge.size(), out);
        assertTrue(bridge.get(0).contains("xen-init") && bridge.get(0).contains(" yes"), bridge.get(0));
        assertFalse(bridge.get(0).contains("Dom0 reported"), bridge.get(0));
        // Xen's console: the choice made, then the sequence run, before Dom0's kernel started.
        List<String> dmesg = out.lines().toList();
        int chosen = indexOf(dmesg, "policy bridge-owner: now xen-init");
        int ran = indexOf(dmesg, PCIE + ": running the bridge's bring-up sequence");
        int dom0 = indexOf(dmesg, "*** Serial input to DOM0");
        assertTrue(chosen >= 0 && ran > chosen && dom0 > ran, "choice, then bring-up, then Dom0: " + out);
        assertTrue(out.contains("01:01.0 00ff: 1234:11e9 (rev 01)\n"), "lspci lists the endpoint: " + out);
        assertFalse(out.contains("bring-up failed"), out);
    }

    @Test
    void withoutPolicyTheZcu102BridgeIsStillDom0s() throws Exception {
        Run r = trapdoor("--platform", "zcu102", "-c", "xl dmesg");
        assertEquals(0, r.status(), r.out() + r.err());
        assertEquals(-1, indexOf(r.out().lines().toList(), "running the bridge's bring-up sequence"), r.out());
    }

    @Test
    void anUnknownPolicyKindOrNameIsOneLineAndStatusTwo() throws Exception {
        Run kind = trapdoor("--policy", "bridge-ownr=xen-init", "-c", "policy");
        assertEquals(2, kind.status(), kind.out() + kind.err());
        List<String> err = kind.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, err.size(), kind.err());
        assertTrue(err.get(0).startsWith("trapdoor: --policy: unknown policy kind 'bridge-ownr' (known: "), err.get(0));
        assertTrue(err.get(0).contains("bridge-owner"), err.get(0));
        assertEquals("", kind.out(), "the commands did not run");

        Run name = trapdoor("--policy", "bridge-owner=xen", "-c", "policy");
        assertEquals(2, name.status(), name.out() + name.err());
        assertTrue(name.err().strip().matches("trapdoor: --policy: no bridge-owner policy named 'xen' \\(registered: .*"
                + "xen-init.*\\)"), name.err());
        assertEquals(1, name.err().strip().lines().count(), name.err());

        Run syntax = trapdoor("--policy", "xen-init", "-c", "policy");
        assertEquals(2, syntax.status());
        assertTrue(syntax.err().startsWith("trapdoor: --policy needs KIND=NAME"), syntax.err());
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
