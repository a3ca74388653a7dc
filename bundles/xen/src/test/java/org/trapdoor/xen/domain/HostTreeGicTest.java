package org.trapdoor.xen.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.devicetree.DeviceTreeService;

/** Which GIC Xen drives ({@code gic_dt_preinit}), with and without a root {@code interrupt-parent}. */
class HostTreeGicTest {
    private static DeviceTree tree(String root, String body) {
        return new DeviceTreeService().parseDts("/dts-v1/;\n/ {\n #address-cells = <2>; #size-cells = <2>;\n" + root
                + body + "};\n", "test.dts");
    }

    private static final String ZYNQMP_LIKE = " axi { compatible = \"simple-bus\"; #address-cells = <2>;"
            + " #size-cells = <2>; ranges;\n"
            + "  intc: interrupt-controller@e0000000 { compatible = \"xlnx,not-a-gic\"; interrupt-controller;"
            + " #interrupt-cells = <1>; reg = <0x0 0xe0000000 0x0 0x1000>; };\n"
            + "  off: interrupt-controller@f8000000 { compatible = \"arm,gic-400\"; status = \"disabled\";"
            + " interrupt-controller; #interrupt-cells = <3>; reg = <0x0 0xf8000000 0x0 0x1000>; };\n"
            + "  gic: interrupt-controller@f9010000 { compatible = \"arm,gic-400\"; interrupt-controller;"
            + " #interrupt-cells = <3>; interrupt-parent = <&gic>; reg = <0x0 0xf9010000 0x0 0x10000>; };\n"
            + " };\n";

    @Test
    void withoutARootInterruptParentXenTakesTheFirstEnabledGicAsGicDtPreinitDoes() {
        DeviceTree t = tree("", ZYNQMP_LIKE);
        assertNull(t.root().property("interrupt-parent"), "zynqmp.dtsi's root has none");
        assertEquals("/axi/interrupt-controller@f9010000", HostTree.interruptController(t).path());
        assertTrue(HostTree.gicv2(t), "a GIC-400 host is a GICv2 host");
    }

    @Test
    void aRootInterruptParentThatIsAGicIsTaken() {
        DeviceTree t = tree(" interrupt-parent = <&second>;\n", ZYNQMP_LIKE
                + " second: interrupt-controller@8000000 { compatible = \"arm,gic-v3\"; interrupt-controller;"
                + " #interrupt-cells = <3>; reg = <0x0 0x8000000 0x0 0x10000>; };\n");
        assertEquals("/interrupt-controller@8000000", HostTree.interruptController(t).path());
        assertFalse(HostTree.gicv2(t));
    }

    @Test
    void aTreeWithoutAGicHasNoControllerForXen() {
        DeviceTree t = tree("", " intc: interrupt-controller@e0000000 { compatible = \"xlnx,not-a-gic\";"
                + " interrupt-controller; #interrupt-cells = <1>; };\n");
        assertNull(HostTree.interruptController(t));
        assertFalse(HostTree.gicv2(t));
    }
}
