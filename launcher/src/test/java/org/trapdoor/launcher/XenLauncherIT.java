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

/** {@code trapdoor} under Xen as a user runs it: xl's listings, {@code --create}, a bad file. */
class XenLauncherIT {
    record Run(int status, String out, String err) {
    }

    @TempDir
    Path dir;

    private Run trapdoor(String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("trapdoor.jar", "target/trapdoor.jar");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of(jar).toAbsolutePath().toString()));
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
    void xlListsDom0AndTheDefaultGuestWithItsEndpoint() throws Exception {
        Run r = trapdoor("--hypervisor", "xen", "-c", "xl list; xl pci-list guest1");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("Name                                        ID   Mem VCPUs\tState\tTime(s)", lines.get(0));
        assertTrue(lines.get(1).matches("Domain-0 +0 +\\d+ +1 +r----- +\\d+\\.\\d"), lines.get(1));
        assertTrue(lines.get(2).matches("guest1 +1 +128 +1 +[r-]b?-+ +\\d+\\.\\d"), lines.get(2));
        assertEquals("Vdev Device", lines.get(3));
        assertEquals("00.0 0000:00:02.0", lines.get(4));
        assertEquals(5, lines.size(), r.out());
    }

    @Test
    void createFilesReplaceTheDefaultGuest() throws Exception {
        Files.writeString(dir.resolve("web.cfg"), "# a DomU with the first endpoint\nname = \"web\"\nmemory = 64\n"
                + "pci = [ '00:01.0,seize=1' ]\n");
        Files.writeString(dir.resolve("db.cfg"), "name = 'db'\nmemory = 32\n");
        Run r = trapdoor("--hypervisor", "xen", "--create", "web.cfg", "--create", "db.cfg", "-c",
                "xl list; xl pci-list web");
        assertEquals(0, r.status(), r.err());
        List<String> names = r.out().lines().skip(1).limit(3).map(l -> l.split(" +")[0]).toList();
        assertEquals(List.of("Domain-0", "web", "db"), names, r.out());
        assertFalse(r.out().contains("guest1"), r.out());
        assertTrue(r.out().contains("00.0 0000:00:01.0\n"), r.out());
    }

    @Test
    void aBadCreateFileIsOneLineAndStatusTwo() throws Exception {
        Files.writeString(dir.resolve("bad.cfg"), "name = 'g'\npci = [ '00:02.0@40' ]\n");
        Run r = trapdoor("--hypervisor", "xen", "--create", "bad.cfg", "-c", "xl list");
        assertEquals(2, r.status(), r.out() + r.err());
        List<String> err = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, err.size(), r.err());
        assertTrue(err.get(0).startsWith("trapdoor: bad.cfg:2: unable to parse PCI_SPEC_STRING `00:02.0@40' for passthrough"),
                err.get(0));

        Run missing = trapdoor("--hypervisor", "xen", "--create", "none.cfg", "-c", "xl list");
        assertEquals(2, missing.status());
        assertEquals("trapdoor: Failed to read config file: none.cfg: No such file or directory", missing.err().strip());
    }

    @Test
    void aGicv2PlatformBootsXenAndDom0WithAVgicv2AndNoDefaultGuestWithoutAnIommu() throws Exception {
        Run r = trapdoor("--platform", "virt-gicv2m", "-c", "xl list; xl dmesg");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("Name                                        ID   Mem VCPUs\tState\tTime(s)", lines.get(0));
        assertTrue(lines.get(1).matches("Domain-0 +0 +\\d+ +1 +r----- +\\d+\\.\\d"), lines.get(1));
        assertFalse(r.out().contains("guest1"), "no IOMMU, so no default guest: " + r.out());
        assertTrue(r.out().contains("Looking for dtuart at \"/pl011@9000000\""), r.out());
    }

    @Test
    void withoutAHypervisorXlSaysSo() throws Exception {
        Run r = trapdoor("--hypervisor", "none", "-c", "xl list");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("there is no hypervisor"), r.err());
    }
}
