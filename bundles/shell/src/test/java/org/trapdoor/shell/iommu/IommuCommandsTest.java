package org.trapdoor.shell.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.shell.command.CommandFailure;

class IommuCommandsTest {
    private final Fixtures.Kernel kernel = new Fixtures.Kernel();

    private IommuCommands commands(boolean withKernel) {
        IommuCommands c = new IommuCommands(Fixtures.machine(), Fixtures.interrupts(java.util.Map.of()));
        if (withKernel) {
            c.setKernel(kernel);
        }
        return c;
    }

    @Test
    void iommuListsOnlyIommuNodesWithTheirStreamsAndDomains() {
        IommuListing l = commands(true).iommu();
        assertEquals("linux", l.kernel());
        assertEquals(2, l.entries().size());
        IommuListing.Entry v3 = l.entries().get(0);
        assertEquals(Fixtures.SMMU3, v3.path());
        assertEquals("smmuv3", v3.model());
        assertEquals(List.of(Fixtures.DOMAIN), v3.domains());
        assertEquals(1, v3.streams().size());
        IommuListing.Entry v2 = l.entries().get(1);
        assertEquals(IommuCommands.NO_MODEL, v2.model(), "an unbound node has no model to ask");
        assertEquals(NodeState.UNBOUND, v2.state());
        assertEquals(3, v2.upstreamAborts());
        assertEquals(List.of(), v2.domains());
    }

    @Test
    void aVendorsIommuIsListedWithWhatItsBoundModelSaysItIs() {
        String vendor = "/iommu@fd800000";
        java.util.List<org.trapdoor.api.machine.NodeInfo> nodes = new java.util.ArrayList<>(Fixtures.nodes());
        nodes.add(new org.trapdoor.api.machine.NodeInfo(vendor, List.of("acme,iommu"), List.of(), NodeState.BOUND,
                "acme-iommu", "", 0, null));
        org.trapdoor.api.machine.Machine m = (org.trapdoor.api.machine.Machine) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {org.trapdoor.api.machine.Machine.class},
                (p, method, args) -> switch (method.getName()) {
                    case "platform" -> Fixtures.tree();
                    case "nodes" -> nodes;
                    case "node" -> nodes.stream().filter(n -> n.path().equals(args[0])).findFirst().orElse(null);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        IommuCommands c = new IommuCommands(m, Fixtures.interrupts(java.util.Map.of(vendor, Fixtures.iommu("acme-iommu"))));
        IommuListing l = c.iommu();
        assertEquals(3, l.entries().size(), "compatible strings no shell knows do not hide it");
        assertEquals("acme-iommu", l.entries().get(2).model());
        assertEquals(List.of(), c.iommu("events", vendor).faults(), "its StreamIDs (none mapped) select its records");
    }

    @Test
    void eventsOfOneNodeAreOnlyThatIommusRecords() {
        IommuCommands c = commands(true);
        assertEquals(kernel.faults, c.iommu("events").faults());
        assertEquals(List.of(Fixtures.V3_BAD_STE, Fixtures.V3_TRANSLATION), c.iommu("events", Fixtures.SMMU3).faults());
        assertEquals(List.of(Fixtures.V2_TF, Fixtures.V2_USF), c.iommu("events", Fixtures.SMMU2).faults());
    }

    @Test
    void eventsRejectAnUnknownActionOrANodeThatIsNoIommu() {
        IommuCommands c = commands(true);
        assertTrue(assertThrows(CommandFailure.class, () -> c.iommu("list")).getMessage().contains("unknown action"));
        assertTrue(assertThrows(CommandFailure.class, () -> c.iommu("events", "/nope")).getMessage()
                .startsWith("no node '/nope'"));
        assertTrue(assertThrows(CommandFailure.class, () -> c.iommu("events", Fixtures.PCIE0)).getMessage()
                .contains("is not an IOMMU"));
    }

    @Test
    void withoutAKernelThereAreNoEventsAndNoDma() {
        IommuCommands c = commands(false);
        assertNull(c.iommu("events").kernel());
        assertNull(c.iommu().kernel());
        assertTrue(assertThrows(CommandFailure.class, () -> c.dma("", "00:01.0", "0x1000", "4", "read")).getMessage()
                .startsWith("no guest kernel"));
    }

    @Test
    void aDmaInsideTheMappingMovesDataAndRecordsNothing() {
        DmaReport r = commands(true).dma("", "00:01.0", "0xffff_f000", "0x100", "write");
        assertEquals(List.of("0000:00:01.0 0xfffff000 256 write"), kernel.calls);
        assertTrue(r.result().ok());
        assertEquals(List.of(), r.recorded());
    }

    @Test
    void aDmaOutsideTheMappingsReportsTheFaultTheIommuRecorded() {
        DmaReport r = commands(true).dma("", "0000:00:01.0", "0xdead0000", "64", "read");
        assertFalse(r.result().ok());
        assertEquals(1, r.recorded().size());
        assertEquals(0xdead_0000L, r.recorded().get(0).address());
        assertFalse(r.recorded().get(0).write());
    }

    @Test
    void badDmaArgumentsAndUnknownFunctionsAreClearErrors() {
        IommuCommands c = commands(true);
        assertTrue(assertThrows(CommandFailure.class, () -> c.dma("", "00:01.0", "0x1000", "4", "sideways")).getMessage()
                .startsWith("direction"));
        assertEquals("no PCI function 00:03.0",
                assertThrows(CommandFailure.class, () -> c.dma("", "00:03.0", "0x1000", "4", "read")).getMessage(),
                "the function as lspci prints it, not in the guest's own form");
        assertEquals(List.of("0000:00:03.0 0x1000 4 read"), kernel.calls);
    }
}
