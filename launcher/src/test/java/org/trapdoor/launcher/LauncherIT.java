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

import org.trapdoor.testkit.Pty;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code java -jar trapdoor.jar} the way a user does and checks what comes out. */
class LauncherIT {
    record Run(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @TempDir
    Path dir;

    private Run trapdoor(String... args) throws IOException, InterruptedException {
        return trapdoorWithInput(Path.of("/dev/null"), args);
    }

    private Run trapdoorWithInput(Path input, String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("trapdoor.jar", "target/trapdoor.jar");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(input.toFile())).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("trapdoor " + String.join(" ", args) + " did not exit within 120 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void commandsRunOnTheDefaultPlatformAndExitZero() throws Exception {
        Run r = trapdoor("-c", "platform; drivers");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("platform preset:virt\nNODE "), r.out());
        assertTrue(r.out().contains("\nDRIVER "), r.out());
        assertTrue(r.out().contains("/pcie@10000000"), r.out());
    }

    @Test
    void byDefaultXenRunsDom0AndGuest1HoldingTheSecondEndpoint() throws Exception {
        Run r = trapdoor("-c", "xl list; xl pci-list guest1");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\nDomain-0 "), r.out());
        assertTrue(r.out().contains("\nguest1 "), r.out());
        assertTrue(r.out().contains("0000:00:02.0"), r.out());
    }

    @Test
    void withoutAHypervisorTheGuestRunsOnTheBareMachine() throws Exception {
        Run r = trapdoor("--hypervisor", "none", "-c", "platform; drivers; lspci -s 02.0");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("platform preset:virt\nNODE "), r.out());
        assertTrue(r.out().contains("\nDRIVER "), r.out());
        assertTrue(r.out().contains("00:02.0 "), r.out());
    }

    @Test
    void commandsRunAfterTheGuestHasEnumeratedAndAssignedBars() throws Exception {
        Run r = trapdoor("-c", "lspci -v -s 01.0");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Trapdoor test device"), r.out());
        // The guest sized BAR0 (4 KiB, 32-bit window) and BAR2 (8 KiB, 64-bit window) and placed them.
        assertTrue(r.out().contains("Memory at 10000000 (32-bit, non-prefetchable) [size=4K]"), r.out());
        assertFalse(r.out().contains("<unassigned>"), r.out());
    }

    @Test
    void aFailedCommandIsReportedTheRestRunAndTheStatusIsOne() throws Exception {
        Run r = trapdoor("-c", "nosuch; drivers");
        assertEquals(1, r.status());
        assertEquals(List.of("nosuch: no such command ('help' lists the commands)"), r.errLines());
        assertTrue(r.out().startsWith("DRIVER "), r.out());
    }

    @Test
    void aScriptFileRunsLikeDashC() throws Exception {
        Path script = dir.resolve("probe.gosh");
        Files.writeString(script, "mem read 0x4010000000 2\nmem read 0x3\n");
        Run r = trapdoor("--script", script.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("0x4010000000/2 -> 0x"), r.out());
        assertTrue(r.out().contains("0x3/4 -> 0xffffffff  (decode error"), r.out());
    }

    @Test
    void withoutATerminalTheCommandsComeFromStandardInput() throws Exception {
        Path cmds = dir.resolve("cmds.txt");
        Files.writeString(cmds, "drivers\nunbind /pcie@10000000\n");
        Run r = trapdoorWithInput(cmds);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("DRIVER "), r.out());
        // The unbind result prints the node's compatible strings as a list, each quoted as in the tree.
        assertTrue(r.out().contains("/pcie@10000000  \"pci-host-ecam-generic\""), r.out());
        assertTrue(r.out().contains("unbound"), r.out());
    }

    @Test
    void aMalformedDeviceTreeIsOneLineNamingTheFileAndStatusTwo() throws Exception {
        Path dts = dir.resolve("broken.dts");
        Files.writeString(dts, "/dts-v1/;\n/ {\n\tfoo = <1 2;\n};\n");
        Run r = trapdoor("--platform", dts.toString(), "-c", "platform");
        assertEquals(2, r.status());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).contains("broken.dts"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void aTruncatedBlobIsOneLineAndStatusTwo() throws Exception {
        Path dtb = dir.resolve("cut.dtb");
        Files.write(dtb, new byte[] {(byte) 0xd0, 0x0d, (byte) 0xfe, (byte) 0xed, 0, 0, 0x10, 0});
        Run r = trapdoor("--platform", dtb.toString(), "-c", "platform");
        assertEquals(2, r.status());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).contains("cut.dtb"), r.err());
    }

    @Test
    void aMissingFileIsOneLineAndStatusTwo() throws Exception {
        Run r = trapdoor("--platform", "nowhere.dtb", "-c", "platform");
        assertEquals(2, r.status());
        assertEquals(List.of("trapdoor: nowhere.dtb: no such file"), r.errLines());
    }

    @Test
    void badArgumentsPrintUsageAndExitTwo() throws Exception {
        Run r = trapdoor("--platfrom", "virt");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("trapdoor: unknown option --platfrom"), r.err());
        assertTrue(r.err().contains("Usage: trapdoor"), r.err());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String jar() {
        return Path.of(System.getProperty("trapdoor.jar", "target/trapdoor.jar")).toAbsolutePath().toString();
    }

    /** The launcher on a pseudo-terminal of size 0x0, with its temporary folder in the test's. */
    private Pty console() throws IOException {
        Assumptions.assumeTrue(Pty.available(), "util-linux script makes the pseudo-terminal");
        return Pty.open(dir, "exec '" + java() + "' -Djava.io.tmpdir='" + dir + "' -Dtrapdoor.plugins='" + dir
                + "/plugins' -jar '" + jar() + "'");
    }

    @Test
    void aTerminalThatReportsNoSizeStillGetsAPromptAndCtrlDQuits() throws Exception {
        try (Pty pty = console()) {
            pty.await("trapdoor> ");
            pty.type("lspci\r");
            pty.await("00:01.0 Unclassified device");
            pty.await("trapdoor> ");
            pty.type("\u0004");
            assertEquals(0, pty.exitStatus(), pty.plain());
        }
    }

    @Test
    void ctrlCCancelsATrafficBurstAtOnceAndTheLedgerBalances() throws Exception {
        try (Pty pty = console()) {
            pty.await("trapdoor> ");
            pty.type("traffic run 99999999999\r");
            pty.await("traffic run: \\d+ of 99999999999 MSIs raised");
            pty.type("\u0003");
            pty.await("trapdoor> ");
            pty.type("traffic\r");
            java.util.regex.Matcher status = pty.await("traffic (idle|running) rate=max raised=(\\d+) ");
            assertEquals("idle", status.group(1), "the burst has ended");
            String raised = status.group(2);
            pty.type("stats\r");
            java.util.regex.Matcher ledger = pty.await("fired=(\\d+) delivered=(\\d+) dropped=(\\d+)");
            assertEquals(raised, ledger.group(1), "every raise is in the ledger, and nothing after the cancel");
            pty.await("trapdoor> ");
            pty.type("\u0004");
            assertEquals(0, pty.exitStatus(), pty.plain());
        }
    }

    @Test
    void sigtermDuringABurstEndsTheRunAndLeavesNoStorageBehind() throws Exception {
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(java(), "-Djava.io.tmpdir=" + dir, "-jar", jar(), "-c",
                "traffic run 99999999999").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        try {
            while (!Files.readString(out).contains("MSIs raised")) {
                assertTrue(p.isAlive(), Files.readString(out));
                Thread.sleep(50);
            }
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            try (var left = Files.list(dir)) {
                assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith("trapdoor-osgi")).toList());
            }
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void storageLeftByAKilledRunIsRemovedAtTheNextStart() throws Exception {
        Path killed = Files.createDirectories(dir.resolve("trapdoor-osgi42/bundle3"));
        Files.createFile(dir.resolve("trapdoor-osgi42/cache.lock"));
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(java(), "-Djava.io.tmpdir=" + dir, "-jar", jar(), "-c", "stats")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(out));
        assertFalse(Files.exists(killed.getParent()));
    }

    @Test
    void anUnknownDeviceTypeIsOneLineNamingTheTypesAndStatusTwo() throws Exception {
        Run r = trapdoor("--device", "bogus", "-c", "lspci");
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("trapdoor: --device bogus: no device type 'bogus' (types: "), r.err());
        assertTrue(r.errLines().get(0).contains("testdev"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void anOptionTheDeviceRefusesIsOneLineAndStatusTwo() throws Exception {
        for (String spec : List.of("testdev,msi=0", "testdev,foo=bar", "image,file=/nonexistent")) {
            Run r = trapdoor("--device", spec, "-c", "lspci");
            assertEquals(2, r.status(), spec + ": " + r.err());
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.errLines().get(0).startsWith("trapdoor: --device " + spec), r.err());
        }
    }

    @Test
    void statsNamesAHostBridgeWithoutAModelAsTheReasonForTheDrops() throws Exception {
        Run r = trapdoor("-c", "unbind /pcie@10000000; traffic run 4; stats");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("note: host bridge /pcie@10000000 has no model (unbound from its driver): the guest "
                + "cannot enumerate the 2 device(s) behind it, so their MSIs stay disabled"), r.out());
    }

    @Test
    void aScriptRunsInGogosSessionWithItsStandardCommandsAndNamesTheLineThatFailed() throws Exception {
        Path script = dir.resolve("suite.gosh");
        Files.writeString(script, "echo start\nx = 41\nnosuch\necho \"after $x\"\n"
                + "each [1 2] { echo item $it }\nbind /pcie@10000000 gicv3\nlspci -s 01.0\n");
        Run r = trapdoor("--script", script.toString());
        assertEquals(1, r.status(), r.err());
        assertEquals(List.of(script + ":3: nosuch: no such command ('help' lists the commands)",
                script + ":6: bind /pcie@10000000 gicv3: gicv3 does not drive /pcie@10000000: the node is compatible "
                        + "with pci-host-ecam-generic, gicv3 handles arm,gic-v3 (bind --force makes it other hardware "
                        + "at that address, started from reset)"), r.errLines());
        assertTrue(r.out().contains("start\n"), r.out());
        assertTrue(r.out().contains("after 41\nitem 1\nitem 2\n"), r.out());
        assertTrue(r.out().contains("00:01.0 Unclassified device"), "the refused bind changed nothing: " + r.out());
    }

    @Test
    void exitEndsAScriptWithItsStatusAndHelpAndUsageAreOneLineWithoutJava() throws Exception {
        Run r = trapdoor("-c", "mem; help nosuch; lspci --help; exit 3; echo not reached");
        assertEquals(3, r.status(), r.err());
        assertEquals(List.of("mem: needs arguments; usage: mem [--domain NAME] read ADDR [SIZE] | mem [--domain NAME] write ADDR VALUE [SIZE] "
                + "(mem --help says more)", "help: no command 'nosuch' ('help' lists the commands)"), r.errLines());
        assertTrue(r.out().startsWith("usage: lspci "), r.out());
        assertFalse(r.out().contains("not reached"), r.out());
        assertFalse((r.out() + r.err()).contains("java."), r.out() + r.err());
    }

    @Test
    void helpListsTrapdoorsCommandsByGroupWithOneLineEach() throws Exception {
        Run r = trapdoor("-c", "help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Machine\n  bind "), r.out());
        assertTrue(java.util.regex.Pattern.compile("\nPCI\n(  \\S+ +\\S.*\n)*  lspci +\\S").matcher(r.out()).find(),
                "lspci in the PCI group, with its one line: " + r.out());
        assertFalse(r.out().contains("\u001b"), "no terminal escapes in piped output");
        assertFalse(r.out().contains("setsecuritymanager"), "Gogo's commands only with --all");
    }

    @Test
    void helpListsThePresetsAndTheDeviceTypesWithTheirOptions() throws Exception {
        Run r = trapdoor("--help");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.contains("\nPlatform presets (--platform NAME):\n"), out);
        for (String preset : List.of("virt", "virt-noiommu", "virt-gicv2m", "zcu102", "axi")) {
            assertTrue(out.lines().anyMatch(l -> l.matches("  " + java.util.regex.Pattern.quote(preset) + " +\\S.*")),
                    preset + " listed with what it is: " + out);
        }
        assertTrue(out.contains("\nDevice types (--device TYPE[,addr=SS.F][,key=value...]):\n  image\n"), out);
        assertTrue(out.contains("\n  testdev\n    addr=SS.F "), out);
        assertTrue(out.contains("    msi=N      MSI vectors, 1..32 (default 4)\n"), out);
        assertTrue(out.contains("    file=PATH  an lspci -x, -xxx or -xxxx dump (required)\n"), out);
        assertEquals("", r.err());
    }

    @Test
    void aDmaWriteToAnMsiDoorbellIsAnMsiInTheLedgerAndDmaSaysWhatItHit() throws Exception {
        String its = "/intc@8000000/msi-controller@8080000";
        // Dom0 is direct-mapped: 0x8090040 is the ITS's GITS_TRANSLATER; EventID 0 of 00:01.0 is mapped.
        Run xen = trapdoor("-c", "dma 00:01.0 0x8090040 4 write; stats; dma 00:01.0 0x40000000 4 write");
        assertEquals(0, xen.status(), xen.err());
        assertTrue(xen.out().contains("done: 0x4 bytes moved (written to the MSI doorbell of " + its
                + " (1 MSI, 1 delivered in the MSI ledger)), status "), xen.out());
        assertTrue(xen.out().contains("\nfired=1 delivered=1 dropped=0"), xen.out());
        assertTrue(xen.out().contains("done: 0x4 bytes moved (written to RAM (/memory@40000000)), status "), xen.out());
        // Bare metal: the endpoint is behind the SMMU, and Linux maps the doorbell at an IOVA (msi shows it).
        Run bare = trapdoor("--hypervisor", "none", "-c", "dma 00:01.0 0xfffff040 4 write; stats");
        assertEquals(0, bare.status(), bare.err());
        assertTrue(bare.out().contains("(written to the MSI doorbell of " + its + " (1 MSI, 1 delivered in the MSI ledger))"),
                bare.out());
        assertTrue(bare.out().contains("\nfired=1 delivered=1 dropped=0"), bare.out());
    }

    @Test
    void ctrlCDuringACommandStopsItWithoutPrintingJava() throws Exception {
        try (Pty pty = console()) {
            pty.await("trapdoor> ");
            pty.type("sleep 600\r");
            Thread.sleep(1500); // the sleep is running
            pty.type("\u0003");
            pty.await("trapdoor> ");
            pty.type("traffic run 99999999999\r");
            pty.await("traffic run: \\d+ of 99999999999 MSIs raised");
            pty.type("\u0003");
            pty.await("trapdoor> ");
            pty.type("echo still here\r");
            pty.await("\nstill here");
            pty.await("trapdoor> ");
            pty.type("\u0004");
            assertEquals(0, pty.exitStatus(), pty.plain());
            assertFalse(pty.plain().contains("InterruptedException"), pty.plain());
            assertFalse(pty.plain().contains("java."), pty.plain());
        }
    }
}
