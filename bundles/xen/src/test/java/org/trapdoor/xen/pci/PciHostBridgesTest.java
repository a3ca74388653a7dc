package org.trapdoor.xen.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.policy.xeninit.XenInitPolicy;

/** {@code pci_host_common_probe} over device trees: which nodes are bridges, their segments, the gate, bring-up. */
class PciHostBridgesTest {
    private final List<String> console = new ArrayList<>();
    private final AddressSpace nothing = tx -> tx.fail(org.trapdoor.api.memory.MemResult.DECODE_ERROR);

    private static DeviceTree tree(String bridges) {
        return new DeviceTreeService().parseDts("/dts-v1/;\n/ {\n #address-cells = <2>; #size-cells = <2>;\n" + bridges
                + "};\n", "test.dts");
    }

    private static String bridge(String unit, String extra) {
        return " pcie@" + unit + " { compatible = \"pci-host-ecam-generic\"; device_type = \"pci\";"
                + " #address-cells = <3>; #size-cells = <2>; reg = <0x0 0x" + unit + " 0x0 0x1000000>; " + extra + " };\n";
    }

    @Test
    void segmentsFollowLinuxPciDomainWhenEveryBridgeHasIt() {
        PciHostBridges b = PciHostBridges.probe(tree(bridge("10000000", "linux,pci-domain = <3>;")
                + bridge("20000000", "linux,pci-domain = <1>;")), nothing, n -> null, console::add);
        assertEquals(List.of(3, 1), b.all().stream().map(XenHostBridge::segment).toList());
        assertEquals(15, b.all().get(0).busEnd(), "a 16 MiB window decodes 16 buses");
    }

    @Test
    void otherwiseBridgesAreNumberedInTreeOrder() {
        PciHostBridges b = PciHostBridges.probe(tree(bridge("10000000", "") + bridge("20000000", "bus-range = <0x20 0x2f>;")),
                nothing, n -> null, console::add);
        assertEquals(List.of(0, 1), b.all().stream().map(XenHostBridge::segment).toList());
        assertEquals(b.all().get(1), b.find(1, 0x21));
        assertEquals(null, b.find(1, 0x30));
    }

    @Test
    void mixingTheTwoIsRefusedWithXensMessage() {
        HypervisorException e = assertThrows(HypervisorException.class, () -> PciHostBridges.probe(
                tree(bridge("10000000", "") + bridge("20000000", "linux,pci-domain = <1>;")), nothing, n -> null,
                console::add));
        assertTrue(e.getMessage().startsWith("Inconsistent \"linux,pci-domain\" property in DT"), e.getMessage());
    }

    @Test
    void passthroughBridgesAndUnknownCompatiblesAreSkipped() {
        PciHostBridges b = PciHostBridges.probe(tree(bridge("10000000", "xen,passthrough;")
                + " pcie@20000000 { compatible = \"acme,pcie\"; device_type = \"pci\"; reg = <0x0 0x20000000 0x0 0x100000>; };\n"),
                nothing, n -> null, console::add);
        assertEquals(0, b.all().size());
    }

    @Test
    void xensConfigAccessIsRefusedAndCountedUntilReady() {
        PciHostBridges b = PciHostBridges.probe(tree(bridge("10000000", "")), nothing, n -> null, console::add);
        XenHostBridge x = b.all().get(0);
        assertEquals(-1, x.read(0, 0, 0, 4));
        x.write(0, 0, 4, 2, 6);
        assertEquals(2, x.refusedAccesses());
        x.markReady("test");
        x.read(0, 0, 0, 4);
        assertEquals(2, x.refusedAccesses());
    }

    @Test
    void xenInitRunsAVendorSequenceThenMarksReadyAndAFailureKeepsItClosed() {
        List<String> ran = new ArrayList<>();
        String vendor = " pcie@30000000 { compatible = \"acme,pcie\"; device_type = \"pci\"; reg = <0x0 0x30000000 0x0 0x100000>; };\n";
        PciHostBridges ok = PciHostBridges.probe(tree(vendor), nothing, n -> () -> ran.add(n.path()), console::add);
        XenHostBridge x = ok.all().get(0);
        assertTrue(x.needsBringUp());
        new XenInitPolicy().bridgeFound(x);
        assertEquals(List.of("/pcie@30000000"), ran);
        assertTrue(x.ready());
        assertEquals("Xen ran the bridge's bring-up sequence", x.status().readyReason());

        PciHostBridges bad = PciHostBridges.probe(tree(vendor), nothing, n -> () -> {
            throw new IllegalStateException("bring-up step link-up failed: link down");
        }, console::add);
        XenHostBridge y = bad.all().get(0);
        assertThrows(IllegalStateException.class, () -> new XenInitPolicy().bridgeFound(y));
        assertFalse(y.ready());
        assertTrue(y.status().readyReason().contains("link down"), y.status().readyReason());
    }
}
