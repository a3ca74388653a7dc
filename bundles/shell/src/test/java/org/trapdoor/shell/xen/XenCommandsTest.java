package org.trapdoor.shell.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.shell.command.CommandFailure;
import org.trapdoor.shell.ShellFormatter;

class XenCommandsTest {
    private final TestHypervisor hv = new TestHypervisor();

    private XenCommands commands() {
        XenCommands c = new XenCommands();
        c.setHypervisor(hv);
        return c;
    }

    @Test
    void xenShowsBridgesDevicesWithOwnersAndDomainCounters() {
        hv.owner.put("0000:00:02.0", "dom_io");
        hv.domains.get("Domain-0").aborts = 4;
        hv.domains.get("Domain-0").trapAborts = 2;
        String out = XenFormatter.format(commands().xen(), ShellFormatter.INSPECT).toString();
        assertEquals("""
                Xen 4.23-trapdoor

                host bridges:
                NODE            COMPATIBLE             SEGMENT  BUSES  OWNER      READY                             REFUSED
                /pcie@10000000  pci-host-ecam-generic  0000     00-ff  dom0-init  yes (Dom0 reported 0000:00:00.0)  3

                PCI devices:
                BDF           OWNER     ASSIGNABLE  IOMMU            STREAMS  IOMMU CONTEXT
                0000:00:01.0  Domain-0  no          /smmuv3@9050000  0x8      stage 2, vmid 0
                0000:00:02.0  dom_io    yes         /smmuv3@9050000  0x10     abort

                domains:
                ID  NAME      STATE    PCI (HOST->VIRTUAL)  STAGE-2 ABORTS  TRAP ABORTS  DMA FAULTS
                0   Domain-0  running  -                    4               2            0""", out);
    }

    @Test
    void policyListsKindsWithTheActiveOneStarred() {
        String out = XenFormatter.format(commands().policy(), ShellFormatter.INSPECT).toString();
        assertEquals("""
                KIND          DOMAIN    ACTIVE     AVAILABLE            FALLBACK
                bridge-owner  -         dom0-init  dom0-init*,xen-init  dom0-init
                hwdom-config  Domain-0  direct     direct*,vpci         direct""", out);
    }

    @Test
    void policySetSwitchesThroughTheHypervisorWithOrWithoutADomain() {
        PolicyListing p = commands().policy("set", "bridge-owner", "xen-init");
        assertEquals("bridge-owner is now xen-init", p.change());
        assertEquals("xen-init", p.policies().get(0).active());
        commands().policy("set", "Domain-0", "bridge-owner", "dom0-init");
        assertEquals("policy Domain-0 bridge-owner dom0-init", hv.calls.get(1));
    }

    @Test
    void policySetRefusesUnknownKindsNamesAndShapes() {
        XenCommands c = commands();
        assertEquals("policy set: no policy kind 'colour' (policy lists them)",
                assertThrows(CommandFailure.class, () -> c.policy("set", "colour", "red")).getMessage());
        assertEquals("policy set: no bridge-owner policy named bogus",
                assertThrows(CommandFailure.class, () -> c.policy("set", "bridge-owner", "bogus")).getMessage());
        assertTrue(assertThrows(CommandFailure.class, () -> c.policy("get")).getMessage().startsWith("Usage"));
    }

    @Test
    void withoutAHypervisorXenAndPolicySayThereIsNone() {
        XenCommands c = new XenCommands();
        assertTrue(assertThrows(CommandFailure.class, c::xen).getMessage().startsWith("xen: there is no hypervisor"));
        assertTrue(assertThrows(CommandFailure.class, () -> c.policy()).getMessage()
                .startsWith("policy: there is no hypervisor"));
    }
}
