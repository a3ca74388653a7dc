package org.trapdoor.shell.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.shell.CommandFailure;
import org.trapdoor.shell.ShellFormatter;
import org.trapdoor.xen.toolstack.XlToolstack;

class XlCommandsTest {
    private final TestHypervisor hv = new TestHypervisor();

    @TempDir
    Path dir;

    private XlCommands xl() {
        XlCommands c = new XlCommands();
        c.setHypervisor(hv);
        c.setToolstack(new XlToolstack());
        return c;
    }

    private static String text(Object o) {
        return XenFormatter.format(o, ShellFormatter.INSPECT).toString();
    }

    private String refused(String... args) {
        return assertThrows(CommandFailure.class, () -> xl().xl(args)).getMessage();
    }

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void withoutAHypervisorEverySubcommandSaysThereIsNone() {
        XlCommands c = new XlCommands();
        c.setToolstack(new XlToolstack());
        String m = assertThrows(CommandFailure.class, () -> c.xl("list")).getMessage();
        assertTrue(m.startsWith("xl list: there is no hypervisor"), m);
    }

    @Test
    void listPrintsXlsTable() {
        assertEquals("Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
                + "Domain-0                                     0   512     1     r-----       0.0",
                text(xl().xl("list")));
    }

    @Test
    void theAssignmentFlowGoesThroughTheHypervisorInXlsWords() throws IOException {
        XlCommands c = xl();
        c.xl("pci-assignable-add", "00:02.0");
        assertEquals("0000:00:02.0 ", text(c.xl("pci-assignable-list")));
        Path cfg = file("guest1.cfg", "name = 'guest1'\nmemory = 128\npci = [ '00:02.0' ]\n");
        XlOutput created = c.xl("create", cfg.toString());
        assertEquals("Parsing config from " + cfg, text(created));
        assertEquals("guest1", ((TestHypervisor.Dom) created.value()).name());
        assertEquals("Vdev Device\n00.0 0000:00:02.0", text(c.xl("pci-list", "guest1")));
        assertEquals("", text(c.xl("pci-assignable-list")));
        c.xl("pci-detach", "guest1", "00:02.0");
        assertEquals("0000:00:02.0 ", text(c.xl("pci-assignable-list")));
        PciAssignment back = (PciAssignment) c.xl("pci-attach", "guest1", "00:02.0@5").value();
        assertEquals("0000:00:05.0", back.virtualBdf());
        c.xl("destroy", "guest1");
        assertEquals(List.of("assignable-add 0000:00:02.0", "create DomainConfig[name=guest1, memoryMiB=128, vcpus=1, "
                + "pci=[PciSpec[segment=0, bus=0, device=2, function=0, vslot=-1, permissive=false, seize=false]]]",
                "attach guest1 0000:00:02.0", "detach guest1 0000:00:02.0", "attach guest1 0000:00:02.0",
                "destroy guest1"), hv.calls);
    }

    @Test
    void createAppendsKeyValueArgumentsAsXlDoes() throws IOException {
        Path cfg = file("g.cfg", "name = 'g'\nmemory = 64\n");
        xl().xl("create", cfg.toString(), "memory=96", "vcpus=2");
        assertEquals(96, hv.domains.get("g").mib);
        assertEquals(2, hv.domains.get("g").vcpus);
    }

    @Test
    void aBadFileIsOneLineNamingFileAndLineAndCreatesNothing() throws IOException {
        Path cfg = file("bad.cfg", "name = 'g'\ncolour = 'red'\n");
        assertEquals(cfg + ":2: unknown parameter `colour'", refused("create", cfg.toString()));
        Path bdf = file("bdf.cfg", "name = 'g'\npci = [ '00:02.9' ]\n");
        assertTrue(refused("create", bdf.toString()).startsWith(bdf + ":2: unable to parse PCI_SPEC_STRING `00:02.9'"));
        assertEquals("Failed to read config file: " + dir.resolve("none.cfg") + ": No such file or directory",
                refused("create", dir.resolve("none.cfg").toString()));
        assertEquals(1, hv.domains.size());
    }

    @Test
    void refusalsCarryTheSubcommandAndTheHypervisorsReason() {
        assertEquals("pci-attach: malformed PCI_SPEC_STRING \"00:02.0@99\": bad vslot `99' (hex, 0-1f)",
                refused("pci-attach", "Domain-0", "00:02.0@99"));
        assertEquals("pci-assignable-add: malformed BDF \"2.0\": not [DDDD:]BB:DD.F (hex; bus 0-ff, device 0-1f, "
                + "function 0-7)", refused("pci-assignable-add", "2.0"));
        assertEquals("pci-attach: 0000:00:01.0 is not assignable", refused("pci-attach", "Domain-0", "00:01.0"));
        assertEquals("pci-list: nobody is an invalid domain identifier", refused("pci-list", "nobody"));
        assertEquals("destroy: 7 is an invalid domain identifier", refused("destroy", "7"));
        assertEquals("Usage: xl pci-list NAME", refused("pci-list"));
        assertTrue(refused("migrate", "g").startsWith("xl: command not implemented: migrate"));
    }

    @Test
    void dmesgIsTheConsoleRing() {
        assertEquals("(XEN) Xen version 4.23-trapdoor\n(XEN) Brought up 1 CPUs", text(xl().xl("dmesg")));
    }

    @Test
    void noSubcommandGivesTheUsage() {
        assertTrue(text(xl().xl()).startsWith("Usage: xl SUBCOMMAND"));
    }
}
