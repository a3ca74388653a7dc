package org.trapdoor.hw.zynqmp.psgtr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.phy.Lane;
import org.trapdoor.api.phy.LaneProtocol;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.testkit.FakeBindContext;

class PsGtrTest {
    /** ZCU102's lane plan (Linux 6.1): DP on lane 1, USB3 on lane 2, SATA on lane 3. */
    static final String CONSUMERS = """
            ahci@fd0c0000 { compatible = "ceva,ahci-1v84"; phys = <&psgtr 3 1 1 1>; };
            usb@ff9d0000 { compatible = "xlnx,zynqmp-dwc3"; phys = <&psgtr 2 4 0 2>; };
            display@fd4a0000 { compatible = "xlnx,zynqmp-dpsub-1.7"; phys = <&psgtr 1 6 0 3>; };
            """;

    static PsGtr bind(String consumers) throws BindException {
        DeviceTree t = new DeviceTreeService().parseDts("""
                /dts-v1/;
                / {
                    #address-cells = <2>; #size-cells = <2>;
                    psgtr: phy@fd400000 {
                        compatible = "xlnx,zynqmp-psgtr-v1.1";
                        reg = <0 0xfd400000 0 0x40000>, <0 0xfd3d0000 0 0x1000>; reg-names = "serdes", "siou";
                        #phy-cells = <4>;
                    };
                """ + consumers + "};\n", "psgtr.dts");
        return (PsGtr) new PsGtrDriver().create(new FakeBindContext(t.node("/phy@fd400000")));
    }

    static long read(PsGtr p, int offset) {
        MemoryTransaction tx = new MemoryTransaction().read(0xfd400000L + offset, 4);
        tx.offset = offset;
        p.region(0).access(tx);
        return tx.data;
    }

    static void write(PsGtr p, int offset, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(0xfd400000L + offset, 4, v);
        tx.offset = offset;
        p.region(0).access(tx);
    }

    @Test
    void theBoardsLanePlanIsProgrammedAtResetAndShowsInTheIcmAndPllRegisters() throws BindException {
        PsGtr p = bind(CONSUMERS);
        assertEquals(0x40, read(p, PsGtr.ICM_CFG0), "lane 0 power-down, lane 1 DP");
        assertEquals(0x23, read(p, PsGtr.ICM_CFG1), "lane 2 USB3, lane 3 SATA");
        assertEquals(0, read(p, PsGtr.L0_PLL_STATUS_READ_1) & PsGtr.PLL_STATUS_LOCKED, "lane 0 carries nothing");
        assertEquals(PsGtr.PLL_STATUS_LOCKED, read(p, 3 * PsGtr.LANE_STRIDE + PsGtr.L0_PLL_STATUS_READ_1));
        List<Lane> lanes = p.lanes();
        assertEquals(LaneProtocol.SATA, lanes.get(3).protocol());
        assertEquals(1, lanes.get(3).instance());
        assertEquals(List.of("/ahci@fd0c0000"), lanes.get(3).claimedBy());
        assertTrue(p.conflicts().isEmpty(), p.conflicts().toString());
        assertFalse(p.linkReady(LaneProtocol.PCIE, 0));
    }

    @Test
    void writingTheIcmGivesALaneToPcieAndItsPllLocks() throws BindException {
        PsGtr p = bind(CONSUMERS);
        write(p, PsGtr.ICM_CFG0, 0x41);
        assertTrue(p.linkReady(LaneProtocol.PCIE, 0));
        assertEquals(PsGtr.PLL_STATUS_LOCKED, read(p, PsGtr.L0_PLL_STATUS_READ_1));
        write(p, PsGtr.ICM_CFG0, 0x47);
        assertFalse(p.linkReady(LaneProtocol.PCIE, 0));
        assertEquals(1, p.reservedCodeWrites(), "code 7 is reserved: the lane carries nothing");
        assertEquals(0, read(p, PsGtr.L0_PLL_STATUS_READ_1));
    }

    @Test
    void aLaneGivenToTwoControllersKeepsTheFirstAndReportsTheConflict() throws BindException {
        PsGtr p = bind(CONSUMERS + "sgmii { compatible = \"cdns,zynqmp-gem\"; phys = <&psgtr 3 7 3 1>; };\n");
        assertEquals(LaneProtocol.SATA, p.lanes().get(3).protocol());
        assertEquals(List.of("lane 3 is claimed by /sgmii as well as /ahci@fd0c0000; it stays SATA"), p.conflicts());
        assertTrue(p.summary().contains("conflicts"), p.summary());
    }

    @Test
    void anInstanceTheLaneCannotServeIsRefusedWithTheLaneAndProtocolNamed() throws BindException {
        PsGtr p = bind("usb { compatible = \"x\"; phys = <&psgtr 0 4 1 0>; };\n");
        assertEquals(List.of("/usb: lane 0 carries USB3 instance 0, not 1"), p.conflicts());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.assign(1, LaneProtocol.PCIE, 0));
        assertEquals("/phy@fd400000: lane 1 carries PCIE for instance 1 only, not 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.assign(4, LaneProtocol.PCIE, 0));
    }

    @Test
    void aReplacementTakesTheLanesOver() throws BindException {
        PsGtr a = bind(CONSUMERS);
        a.assign(0, LaneProtocol.PCIE, 0);
        PsGtr b = bind(CONSUMERS);
        b.restoreState(a.saveState());
        assertTrue(b.linkReady(LaneProtocol.PCIE, 0));
    }
}
