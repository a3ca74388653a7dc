package org.trapdoor.xen.pci;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/**
 * The {@code virt} preset composed from the real models, with two test endpoints at 00:01.0 and
 * 00:02.0, and Xen's view of its host bridge; the BARs placed as Dom0 would place them.
 */
public final class HostRig implements AutoCloseable {
    public static final long BAR0_01 = 0x1000_0000L;
    public static final long BAR2_01 = 0x80_0000_0000L;
    public static final long BAR0_02 = 0x1000_1000L;
    public static final long BAR2_02 = 0x80_0001_0000L;

    public final ComposedMachine machine;
    public final List<String> console = new ArrayList<>();
    public final PciHostBridges bridges;
    public final XenHostBridge bridge;

    public HostRig() {
        machine = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt"));
        machine.addDriver(new EcamDriver());
        machine.addDriver(new Gicv3Driver());
        machine.addDriver(new ItsDriver());
        machine.addDriver(new Smmuv3Driver());
        machine.addFactory(new TestDeviceFactory());
        machine.attach("testdev,addr=01.0,msi=4,msix=8");
        machine.attach("testdev,addr=02.0,msi=1,msix=0");
        bridges = PciHostBridges.probe(machine.platform(), machine.system(), n -> null, console::add);
        bridge = bridges.all().get(0);
    }

    /** Places the BARs of both endpoints as Dom0's enumeration would, memory decoding and bus mastering on. */
    public HostRig placeBars() {
        bridge.markReady("test rig");
        program(0x08, BAR0_01, BAR2_01);
        program(0x10, BAR0_02, BAR2_02);
        return this;
    }

    private void program(int devfn, long bar0, long bar2) {
        bridge.write(0, devfn, 0x10, 4, (int) bar0);
        bridge.write(0, devfn, 0x18, 4, (int) bar2);
        bridge.write(0, devfn, 0x1c, 4, (int) (bar2 >>> 32));
        bridge.write(0, devfn, 0x04, 2, 0x6);
    }

    @Override
    public void close() {
        machine.close();
    }
}
