package org.trapdoor.shell.xen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.domain.DomainViewException;
import org.trapdoor.shell.domain.DomainViews;

class DomainViewsTest {
    /** A kernel that only has a name and a log. */
    record Kernel(String name, List<String> bootLog) implements GuestKernel {
        public List<GuestPciHost> pciHosts() {
            return List.of();
        }

        public List<GuestPciDevice> pciDevices() {
            return List.of();
        }
    }

    private final TestHypervisor hv = new TestHypervisor();
    private final TestHypervisor.Dom guest1;

    DomainViewsTest() {
        guest1 = hv.new Dom(1, "guest1", 128, 1);
        hv.domains.put("guest1", guest1);
    }

    private DomainViews views() {
        DomainViews v = new DomainViews();
        v.setHypervisor(hv);
        return v;
    }

    @Test
    void domainOptionComesOutOfFreeArgumentsAnywhere() {
        DomainViews.Split s = DomainViews.split("lspci", "-v", "--domain", "guest1", "-s", "00.0");
        assertEquals("guest1", s.domain());
        assertArrayEquals(new String[] {"-v", "-s", "00.0"}, s.rest());
        assertEquals("1", DomainViews.split("lspci", "--domain=1").domain());
        assertEquals("", DomainViews.split("lspci", "-d", "1af4:").domain(), "-d stays lspci's vendor:device filter");
        assertEquals("lspci: --domain needs a domain name or id",
                assertThrows(DomainViewException.class, () -> DomainViews.split("lspci", "-v", "--domain")).getMessage());
    }

    @Test
    void theKernelIsTheNamedDomainsOrTheDefault() {
        Kernel dom0 = new Kernel("dom0", List.of());
        Kernel mine = new Kernel("guest1", List.of());
        guest1.kernel = mine;
        assertSame(dom0, views().kernel("msi", "", dom0));
        assertSame(mine, views().kernel("msi", "guest1", dom0));
        assertSame(mine, views().kernel("msi", "1", dom0), "a domid names it too");
    }

    @Test
    void anUnknownDomainAKernelNotBootedAndNoHypervisorAreRefused() {
        assertEquals("msi --domain: nobody is an invalid domain identifier (xl list shows the domains)",
                assertThrows(DomainViewException.class, () -> views().kernel("msi", "nobody", null)).getMessage());
        assertEquals("msi --domain: guest1's kernel has not booted",
                assertThrows(DomainViewException.class, () -> views().kernel("msi", "guest1", null)).getMessage());
        assertTrue(assertThrows(DomainViewException.class, () -> new DomainViews().space("mem", "guest1", null))
                .getMessage().startsWith("mem --domain: there is no hypervisor"));
    }

    @Test
    void theSpaceIsTheDomainsIpaSpace() {
        List<Long> seen = new ArrayList<>();
        AddressSpace ipa = tx -> seen.add(tx.address);
        guest1.space = ipa;
        views().space("mem", "guest1", null).access(new MemoryTransaction().read(0x40000000L, 4));
        assertEquals(List.of(0x40000000L), seen);
    }

    @Test
    void hostBridgesAreTheTopmostEnabledPciNodes() {
        DtNode root = new DtNode("", null);
        DtNode vpci = pci(new DtNode("pcie@10000000", root));
        pci(new DtNode("pci@0,0", vpci)); // a bridge below it is not a host bridge
        DtNode off = pci(new DtNode("pcie@20000000", root));
        off.put(DtProperty.ofStrings("status", "disabled"));
        new DtNode("memory@40000000", root).put(DtProperty.ofStrings("device_type", "memory"));
        assertEquals(List.of("/pcie@10000000"), DomainViews.hostBridges(new DeviceTree(root, "guest1", List.of())));
    }

    private static DtNode pci(DtNode n) {
        n.put(DtProperty.ofStrings("device_type", "pci"));
        return n;
    }

    @Test
    void dmesgShowsTheDefaultOrTheNamedDomainsLog() {
        DmesgCommand c = new DmesgCommand(views());
        c.setKernel(new Kernel("dom0", List.of("Booting Linux on physical CPU 0x0")));
        guest1.kernel = new Kernel("guest1", List.of("Booting Linux", "pci 0000:00:00.0: [1b36:0005]"));
        assertEquals(List.of("Booting Linux on physical CPU 0x0"), c.dmesg("").lines());
        GuestLog g = c.dmesg("guest1");
        assertEquals("guest1", g.domain());
        assertEquals("Booting Linux\npci 0000:00:00.0: [1b36:0005]",
                XenFormatter.format(g, org.trapdoor.shell.ShellFormatter.INSPECT).toString());
        assertEquals("dmesg: no guest kernel has booted",
                assertThrows(CommandFailure.class, () -> new DmesgCommand(views()).dmesg("")).getMessage());
    }
}
