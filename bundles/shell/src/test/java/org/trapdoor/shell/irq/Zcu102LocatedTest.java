package org.trapdoor.shell.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.pci.host.RegisterAccess;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv2.Gicv2Driver;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.hw.xlnx.nwl.NwlBringUp;
import org.trapdoor.hw.xlnx.nwl.NwlDriver;
import org.trapdoor.hw.zynqmp.psgtr.PsGtrDriver;

/**
 * On the zcu102 preset the endpoints keep their root-bus requester IDs (the NWL bridge has no
 * msi-map) but answer behind the root port on bus 1: {@code traffic} names them as lspci does
 * once the real NWL model, brought up, says so.
 */
class Zcu102LocatedTest {
    @Test
    void theNwlEndpointsAreNamedOnTheRootPortsSecondaryBusOnceTheBridgeIsUp() {
        try (ComposedMachine m = new ComposedMachine(Presets.load(new DeviceTreeService(), "zcu102"))) {
            m.addDriver(new Gicv2Driver());
            m.addDriver(new PsGtrDriver());
            m.addDriver(new NwlDriver());
            m.addFactory(new TestDeviceFactory());
            m.attach("testdev,addr=01.0");
            IrqCommands c = new IrqCommands(m, m);
            assertEquals(0x008, c.located(0x008), "before bring-up the root port has no secondary bus");
            RegisterAccess cpu = new RegisterAccess() {
                @Override
                public long read(long address, int size) {
                    return m.system().read(address, size);
                }

                @Override
                public void write(long address, int size, long value) {
                    m.system().write(address, size, value);
                }
            };
            assertTrue(new NwlBringUp().run(m.platform().node("/axi/pcie@fd0e0000"), "dom0", cpu).ok());
            assertEquals(0x108, c.located(0x008), "01:01.0, as lspci lists it");
            assertEquals(0x010, c.located(0x010), "nothing attached there: the ID as it is");
        }
    }
}
