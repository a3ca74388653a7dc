package org.trapdoor.shell.phy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.host.BringUpResult;
import org.trapdoor.api.pci.host.RegisterAccess;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv2.Gicv2Driver;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.hw.xlnx.nwl.NwlBringUp;
import org.trapdoor.hw.xlnx.nwl.NwlDriver;
import org.trapdoor.hw.zynqmp.psgtr.PsGtrDriver;
import org.trapdoor.shell.command.CommandFailure;

/**
 * {@code lanes} on the zcu102 preset: the PS-GTR's plan as its bound model reports it, checked
 * against the ICM_CFG registers read through the system address space (phy-zynqmp.c's layout:
 * lane 0 in ICM_CFG0[2:0], lane 1 in [6:4], lanes 2 and 3 likewise in ICM_CFG1).
 */
class LaneCommandsTest {
    private static final long SERDES = 0xfd40_0000L;
    private static final long ICM_CFG0 = SERDES + 0x10010;
    private static final long ICM_CFG1 = SERDES + 0x10014;
    private static final String PCIE = "/axi/pcie@fd0e0000";

    private ComposedMachine m;
    private LaneCommands lanes;

    @BeforeEach
    void compose() {
        m = new ComposedMachine(Presets.load(new DeviceTreeService(), "zcu102"));
        m.addDriver(new Gicv2Driver());
        m.addDriver(new PsGtrDriver());
        m.addDriver(new NwlDriver());
        // The link trains only with a device below the bridge, as the preset's endpoints are.
        m.addFactory(new TestDeviceFactory());
        m.attach("testdev,addr=01.0");
        lanes = new LaneCommands(m);
    }

    @AfterEach
    void close() {
        m.close();
    }

    private final RegisterAccess cpu = new RegisterAccess() {
        @Override
        public long read(long address, int size) {
            return m.system().read(address, size);
        }

        @Override
        public void write(long address, int size, long value) {
            m.system().write(address, size, value);
        }
    };

    private BringUpResult bringUp() {
        return new NwlBringUp().run(m.platform().node(PCIE), "dom0", cpu);
    }

    @Test
    void lanesListTheZcu102PlanAsTheBoundPsGtrReportsItAndItsRegistersSay() {
        String out = lanes.lanes().toString();
        assertEquals("/axi/phy@fd400000 (zynqmp-psgtr)\n"
                + "LANE  CONTROLLER  INSTANCE  PLL       CLAIMED BY\n"
                + "0     unused      -         -         -\n"
                + "1     DP          0         locked    /axi/display@fd4a0000\n"
                + "2     USB3        0         locked    /axi/usb@ff9d0000\n"
                + "3     SATA        1         locked    /axi/ahci@fd0c0000\n", out);
        // The same plan in the hardware's own words: ICM codes 0 (power down), 4 (DP), 3 (USB3), 2 (SATA).
        assertEquals(0x40, m.system().read(ICM_CFG0, 4));
        assertEquals(0x23, m.system().read(ICM_CFG1, 4));
    }

    @Test
    void aLaneSetBeforeBringUpReachesTheHardwareAndTheBridgeBringUpSeesIt() {
        lanes.lanes("set", "0", "sata");
        assertEquals(2, m.system().read(ICM_CFG0, 4) & 0x7, "lane 0 programmed for SATA");
        BringUpResult refused = bringUp();
        assertFalse(refused.ok(), "PCIe has no lane while lane 0 carries SATA");
        assertTrue(refused.error().contains("lane 0 carries SATA"), refused.error());

        String out = lanes.lanes("set", "0", "pcie").toString();
        assertTrue(out.contains("\n0     PCIe        0         locked    -\n"), out);
        assertEquals(1, m.system().read(ICM_CFG0, 4) & 0x7);
        assertTrue(bringUp().ok());
        assertTrue(m.hostBridge(PCIE).ready());
    }

    @Test
    void afterBringUpThePcieLaneIsRefusedWithOneLineAndOtherLanesStillChange() {
        assertTrue(bringUp().ok());
        CommandFailure e = assertThrows(CommandFailure.class, () -> lanes.lanes("set", "0", "sata"));
        assertEquals("lanes set: lane 0 carries PCIe for /axi/pcie@fd0e0000, which has been brought up; "
                + "the lane plan changes before bring-up only", e.getMessage());
        assertEquals(1, m.system().read(ICM_CFG0, 4) & 0x7, "lane 0 still carries PCIe");
        assertTrue(lanes.lanes("set", "3", "none").toString().contains("\n3     unused      -         -         "
                + "/axi/ahci@fd0c0000\n"));
        assertEquals(0, m.system().read(ICM_CFG1, 4) >> 4 & 0x7);
    }

    @Test
    void badLaneControllerInstanceOrActionIsOneLineAndChangesNothing() {
        long before0 = m.system().read(ICM_CFG0, 4);
        long before1 = m.system().read(ICM_CFG1, 4);
        assertEquals("lanes set: /axi/phy@fd400000 has no lane 4 (lanes 0..3)",
                assertThrows(CommandFailure.class, () -> lanes.lanes("set", "4", "pcie")).getMessage());
        assertEquals("lanes set: unknown controller 'fibre' (want pcie, sata, usb3, dp, sgmii or none)",
                assertThrows(CommandFailure.class, () -> lanes.lanes("set", "0", "fibre")).getMessage());
        assertEquals("lanes set: invalid lane 'x' (a number)",
                assertThrows(CommandFailure.class, () -> lanes.lanes("set", "x", "pcie")).getMessage());
        assertTrue(assertThrows(CommandFailure.class, () -> lanes.lanes("frob", "0", "pcie")).getMessage()
                .startsWith("lanes: unknown action 'frob'"));
        String wrong = assertThrows(CommandFailure.class, () -> lanes.lanes("set", "1", "pcie", "3")).getMessage();
        assertTrue(wrong.startsWith("lanes set: /axi/phy@fd400000: lane 1 carries PCIE for instance 1 only"), wrong);
        assertFalse(wrong.contains("Exception"), wrong);
        assertEquals(before0, m.system().read(ICM_CFG0, 4));
        assertEquals(before1, m.system().read(ICM_CFG1, 4));
    }

    @Test
    void anUnboundPhyIsSaidToHaveNoModelToAsk() {
        m.unbind("/axi/phy@fd400000");
        assertEquals("/axi/phy@fd400000: no lane-sharing model bound (nothing to ask)\n", lanes.lanes().toString());
        assertEquals("lanes set: no PHY with shared lanes has a model bound",
                assertThrows(CommandFailure.class, () -> lanes.lanes("set", "0", "pcie")).getMessage());
    }
}
