package org.trapdoor.core.platforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.core.Presets;
import org.trapdoor.core.fuzz.ModelCatalogAccess;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;

/**
 * The real boards' trees (minimal verbatim copies of Linux 6.1's, in decompiled form, in this
 * module's test resources) and the presets built from them load as DTS and as DTB and compose
 * with every PCIe node bound, every disabled one left disabled; the X-Gene tree binds although
 * its PCIe csr regions overlap the clock nodes' pages.
 */
class RealTreesTest {
    private static final DeviceTreeService LOADER = new DeviceTreeService();

    static DeviceTree resource(String name) {
        try (InputStream in = RealTreesTest.class.getResourceAsStream("/platforms/" + name)) {
            return LOADER.parseDts(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static DeviceTree load(String source, boolean dtb) {
        DeviceTree t = source.endsWith(".dts") ? resource(source) : Presets.load(LOADER, source);
        return dtb ? LOADER.parseDtb(LOADER.toDtb(t), source + ".dtb") : t;
    }

    /** Every PCIe node's state, by path. */
    static Map<String, NodeState> pcieStates(ComposedMachine m) {
        Map<String, NodeState> out = new TreeMap<>();
        for (NodeInfo n : m.nodes()) {
            DtNode node = m.platform().node(n.path());
            if (node != null && node.has("device_type") && node.property("device_type").string().equals("pci")) {
                out.put(n.path(), n.state());
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} (dtb: {1})")
    @CsvSource({"apm-mustang-minimal.dts, false", "apm-mustang-minimal.dts, true", "mustang, false", "mustang, true"})
    void mustangBindsItsEnabledXgeneBridgeAndMsiBlockAndKeepsTheOtherFourDisabled(String source, boolean dtb) {
        try (ComposedMachine m = new ComposedMachine(load(source, dtb))) {
            ModelCatalogAccess.addEverything(m);
            Map<String, NodeState> pcie = pcieStates(m);
            assertEquals(Map.of("/soc/pcie@1f2b0000", NodeState.BOUND, "/soc/pcie@1f2c0000", NodeState.DISABLED,
                    "/soc/pcie@1f2d0000", NodeState.DISABLED, "/soc/pcie@1f500000", NodeState.DISABLED,
                    "/soc/pcie@1f510000", NodeState.DISABLED), pcie);
            NodeInfo bridge = m.node("/soc/pcie@1f2b0000");
            assertEquals("xgene-pcie", bridge.driver());
            assertEquals(null, bridge.problem(), "csr mapped although the clock's page overlaps it");
            assertEquals(NodeState.BOUND, m.node("/soc/msi@79000000").state());
            assertEquals("xgene1-msi", m.node("/soc/msi@79000000").driver());
            assertEquals(NodeState.BOUND, m.node("/soc/clocks/pcie0clk@1f2bc000").state());
            assertEquals(NodeState.DISABLED, m.node("/soc/clocks/pcie1clk@1f2cc000").state());
            // The overlap rule: csr + 0xc000 is the clock's page, the rest of csr the bridge's.
            assertTrue(m.bus().regionAt(0x1f2b_c008L).name().startsWith("/soc/clocks/pcie0clk@1f2bc000"));
            assertTrue(m.bus().regionAt(0x1f2b_0160L).name().startsWith("/soc/pcie@1f2b0000"));
            assertTrue(m.bus().regionAt(0x1f2b_d000L).name().startsWith("/soc/pcie@1f2b0000"));
            assertEquals(List.of("/soc/pcie@1f2b0000"), m.hostBridges());
        }
    }

    @ParameterizedTest(name = "{0} (dtb: {1})")
    @CsvSource({"zynqmp-zcu102-revA-minimal.dts, false", "zynqmp-zcu102-revA-minimal.dts, true", "zcu102, false",
        "zcu102, true"})
    void zcu102BindsItsNwlBridge(String source, boolean dtb) {
        try (ComposedMachine m = new ComposedMachine(load(source, dtb))) {
            ModelCatalogAccess.addEverything(m);
            assertEquals(Map.of("/axi/pcie@fd0e0000", NodeState.BOUND), pcieStates(m));
            assertEquals("xlnx-nwl", m.node("/axi/pcie@fd0e0000").driver());
            assertEquals(NodeState.DISABLED, m.node("/axi/iommu@fd800000").state(), "the MMU-500 is disabled on the board");
        }
    }

    @Test
    void theMinimalMustangCopyKeepsTheRealTreesOverlapsOfIdenticalClockPages() {
        try (ComposedMachine m = new ComposedMachine(load("apm-mustang-minimal.dts", false))) {
            ModelCatalogAccess.addEverything(m);
            // sataphy1clk@1f21c000 (disabled) and sata01clk@1f21c000 name the same page: one decodes it.
            assertTrue(m.bus().regionAt(0x1f21_c000L) != null);
            assertEquals(0, m.nodes().stream().filter(n -> n.problem() != null && n.problem().contains("not mapped")).count());
        }
    }
}
