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
        return trapdoorWaiting(10, args);
    }

    /** {@code trapdoor} whose first command waits up to {@code bootSeconds} for the guests to boot. */
    private Run trapdoorWaiting(int bootSeconds, String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("trapdoor.jar", "target/trapdoor.jar");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtrapdoor.boot.timeout=" + bootSeconds, "-jar", Path.of(jar).toAbsolutePath().toString()));
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
    void aCreateXenRefusesIsOneXlLineWithoutAClassNameAndDom0RunsOn() throws Exception {
        // 00:02.0 was never made assignable: xl create fails alone, as libxl does.
        Files.writeString(dir.resolve("g.cfg"), "name = 'g'\nmemory = 64\npci = [ '00:02.0' ]\n");
        Run r = trapdoor("--hypervisor", "xen", "--create", "g.cfg", "-c", "xl list");
        List<String> lines = (r.out() + r.err()).lines().filter(l -> l.contains("not assignable")).toList();
        assertEquals(List.of("ERROR xl - create g: PCI device 0000:00:02.0 is not assignable"), lines, r.out() + r.err());
        assertFalse((r.out() + r.err()).contains("XenComponent"), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("Domain-0 ")), r.out());
        assertFalse(r.out().contains("\ng "), "no half-made domain g: " + r.out());
    }

    @Test
    void zcu102UnderXenDom0BringsTheNwlBridgeUpReportsItsFunctionsAndTakesEveryMsiThroughItsVgic() throws Exception {
        Run r = trapdoor("--platform", "zcu102", "-c", "xen; traffic run 1600; irq");
        assertEquals(0, r.status(), r.out() + r.err());
        String out = r.out();
        // Xen finds the GIC-400 without a root interrupt-parent (gic_dt_preinit), so Dom0 gets a vGIC.
        assertFalse(r.err().contains("domains get no virtual GIC"), r.err());
        assertTrue(out.lines().anyMatch(l -> l.startsWith("/axi/pcie@fd0e0000") && l.contains("xlnx,nwl-pcie-2.11")
                && l.contains(" 0000 ") && l.contains("dom0-init") && l.contains(" yes (Dom0 reported")), out);
        for (String bdf : List.of("0000:00:00.0", "0000:01:01.0", "0000:01:02.0")) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(bdf + "  Domain-0")), bdf + " reported: " + out);
        }
        assertTrue(out.contains("raised=1600"), out);
        assertTrue(out.contains("fired=1600 delivered=1600 dropped=0"), out);
        List<String> handled = out.lines().filter(l -> l.contains("/axi/pcie@fd0e0000  01:0")).toList();
        assertEquals(16, handled.size(), out);
        for (String l : handled) {
            assertEquals("100", l.split(" +")[2], "each vector handled exactly 100 times by Dom0: " + l);
        }
    }

    @Test
    void aThirtyThirdDeviceIsRefusedByXlAndNothingLeaks() throws Exception {
        Path dts = dir.resolve("two-bridges.dts");
        try (var in = XenLauncherIT.class.getResourceAsStream("/two-bridges.dts")) {
            Files.copy(in, dts);
        }
        List<String> args = new ArrayList<>(List.of("--platform", dts.toString()));
        // One MSI vector each keeps Dom0's boot short.
        for (int slot = 1; slot < 32; slot++) {
            args.addAll(List.of("--device", String.format("testdev,addr=%02x.0,msi=1,msix=0", slot)));
        }
        args.addAll(List.of("--device", "testdev,bus=pcie.1,addr=01.0,msi=1,msix=0", "--device",
                "testdev,bus=pcie.1,addr=02.0,msi=1,msix=0"));
        StringBuilder pci = new StringBuilder();
        for (int slot = 1; slot < 32; slot++) {
            pci.append(String.format("\"00:%02x.0,seize=1\", ", slot));
        }
        Files.writeString(dir.resolve("big.cfg"), "name = 'big'\nmemory = 256\npci = [ " + pci
                + "\"0001:00:01.0,seize=1\" ]\n");
        Files.writeString(dir.resolve("big33.cfg"), "name = 'big33'\nmemory = 256\npci = [ " + pci
                + "\"0001:00:01.0,seize=1\", \"0001:00:02.0,seize=1\" ]\n");

        // 32 through xl create, the 33rd through xl pci-attach: xl's one-line error, the domain keeps its 32.
        List<String> a = new ArrayList<>(args);
        a.addAll(List.of("--create", "big.cfg", "-c",
                "xl pci-assignable-add 0001:00:02.0; xl pci-attach big 0001:00:02.0; xl pci-list big; xl pci-assignable-list; xen"));
        // 33 functions boot slower than the default 10 s allows on a loaded host: wait up to 90 s for Dom0.
        Run r = trapdoorWaiting(90, a.toArray(String[]::new));
        assertFalse(r.err().contains("has not booted"), r.err());
        assertEquals(1, r.status(), "the refused pci-attach fails the script: " + r.out() + r.err());
        assertEquals(List.of("xl pci-attach big 0001:00:02.0: pci-attach: PCI device 0001:00:02.0 cannot be attached to"
                + " big: no free virtual slot: a domain has at most 32 PCI devices"),
                r.err().lines().filter(l -> l.contains("pci-attach")).toList(), r.err());
        List<String> vdevs = r.out().lines().filter(l -> l.matches("[0-9a-f]{2}\\.0 [0-9a-f]{4}:.*")).toList();
        assertEquals(32, vdevs.size(), r.out());
        assertEquals("1f.0 0001:00:01.0", vdevs.get(31), "the 32nd slot holds the second segment's device");
        assertTrue(r.out().lines().anyMatch(l -> l.strip().equals("0001:00:02.0")), "still assignable: " + r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("0001:00:02.0  dom_io ")), "quarantined: " + r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("/pcie@4020000000") && l.contains(" 0001 ")),
                "the second bridge is segment 0001: " + r.out());
        // A machine this size registers after the framework started: Xen must still boot with its policies.
        assertFalse(r.out().contains("no bridge-owner policy"), r.out());
        assertTrue(r.out().lines().filter(l -> l.startsWith("/pcie@")).allMatch(
                l -> l.contains("dom0-init") && l.contains("so it has initialised the bridge")), r.out());

        // 33 in one file: xl create fails, and every device is back in quarantine, assignable again.
        List<String> b = new ArrayList<>(args);
        b.addAll(List.of("--create", "big33.cfg", "-c", "xl list; xen"));
        Run r33 = trapdoorWaiting(90, b.toArray(String[]::new));
        assertTrue(r33.err().contains("ERROR xl - create big33: PCI device 0001:00:02.0 cannot be attached to big33:"
                + " no free virtual slot"), r33.err());
        assertFalse(r33.out().contains("big33"), "no domain left behind: " + r33.out());
        assertEquals(33, r33.out().lines().filter(l -> l.matches("000[01]:00:..\\.0  dom_io  +yes .*")).count(),
                r33.out());
    }

    @Test
    void misalignedDomuVpciAccessesAndAStrayDmaAreCountedForThatDomainAlone() throws Exception {
        Run r = trapdoor("-c", "mem --domain guest1 read 0x10000002 4; mem --domain guest1 write 0x10000001 0x12 2; "
                + "mem --domain guest1 read 0x10000000 4; dma --domain guest1 00:00.0 0x90000000 16 read; xen");
        String out = r.out();
        assertTrue(out.contains("0x10000002/4 -> 0xffffffff  (abort"), out);
        assertTrue(out.contains("0x10000001/2 <- 0x0012  (abort"), out);
        assertTrue(out.contains("0x10000000/4 -> 0x11e91234"), "an aligned read still reads the host's IDs: " + out);
        List<String> header = out.lines().filter(l -> l.startsWith("ID  NAME")).toList();
        assertEquals(1, header.size(), out);
        assertTrue(header.get(0).contains("STAGE-2 ABORTS  TRAP ABORTS  DMA FAULTS"), header.get(0));
        String dom0 = out.lines().filter(l -> l.startsWith("0   Domain-0")).findFirst().orElseThrow();
        String guest1 = out.lines().filter(l -> l.startsWith("1   guest1")).findFirst().orElseThrow();
        assertEquals(List.of("0", "0", "0"), tail(dom0, 3), dom0);
        assertEquals(List.of("0", "2", "1"), tail(guest1, 3), "stage-2, trap, DMA: " + guest1);
        // The DomU sees no IOMMU; the DMA outside its memory faulted in Xen's SMMU at its stage 2.
        assertTrue(out.contains("the hypervisor's IOMMU driver faulted it at guest1's stage 2 and counted 1 DMA fault"
                + " against guest1"), out);
        assertFalse(out.contains("no IOMMU fault was recorded"), out);
    }

    private static List<String> tail(String row, int n) {
        String[] f = row.trim().split(" +");
        return List.of(f).subList(f.length - n, f.length);
    }

    @Test
    void withoutAHypervisorXlSaysSo() throws Exception {
        Run r = trapdoor("--hypervisor", "none", "-c", "xl list");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("there is no hypervisor"), r.err());
    }
}
