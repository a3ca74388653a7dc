package org.trapdoor.guest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv2.Gicv2Driver;
import org.trapdoor.hw.gicv2.Gicv2mDriver;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv2.Smmuv2Driver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/**
 * A machine composed of the real models without OSGi (device tree, ECAM host bridge, GICs, ITS,
 * v2m, SMMUs, testdevs); the guest's CPUs are wired through the machine's own interrupt fabric
 * ({@link org.trapdoor.api.machine.MachineInterrupts}), as the OSGi component wires them.
 */
final class MachineRig implements AutoCloseable {
    final ComposedMachine machine;
    LinuxKernel kernel;

    /** The IOMMU models the SMMU drivers created, by node path (when the rig has them). */
    final Map<String, Iommu> iommus = new ConcurrentHashMap<>();

    /**
     * {@code platform}: a core preset name or a DTS under src/test/resources. The SMMUv3 and SMMUv2
     * drivers are always registered, as the launcher registers them: the machine sends every device
     * transaction through the IOMMU its bridge's {@code iommu-map} names and aborts it while that
     * node has no model. Their models are kept in {@link #iommus}.
     */
    MachineRig(String platform, String... devices) {
        this(platform, true, devices);
    }

    /**
     * A machine whose IOMMU nodes stay unbound (no SMMU driver registered): what a guest sees when
     * no SMMU model answers, and what the machine then does with the device's traffic.
     */
    static MachineRig withoutSmmuDrivers(String platform, String... devices) {
        return new MachineRig(platform, false, devices);
    }

    private MachineRig(String platform, boolean smmus, String... devices) {
        DeviceTreeService loader = new DeviceTreeService();
        DeviceTree tree = Presets.source(platform) != null ? Presets.load(loader, platform)
                : loader.parseDts(resource(platform), platform);
        machine = new ComposedMachine(tree);
        machine.addDriver(new EcamDriver());
        machine.addDriver(new Gicv3Driver());
        machine.addDriver(new ItsDriver());
        machine.addDriver(new Gicv2Driver());
        machine.addDriver(new Gicv2mDriver());
        if (smmus) {
            machine.addDriver(capturing(new Smmuv3Driver()));
            machine.addDriver(capturing(new Smmuv2Driver()));
        }
        machine.addFactory(new TestDeviceFactory());
        for (String spec : devices) {
            machine.attach(spec);
        }
    }

    /** Delegates to {@code d} and remembers each IOMMU model it creates. */
    private HardwareDriver capturing(HardwareDriver d) {
        return new HardwareDriver() {
            @Override
            public String name() {
                return d.name();
            }

            @Override
            public List<String> compatibles() {
                return d.compatibles();
            }

            @Override
            public DeviceModel create(BindContext context) throws BindException {
                DeviceModel m = d.create(context);
                iommus.put(context.node().path(), (Iommu) m);
                return m;
            }
        };
    }

    /** The one IOMMU model of the machine. */
    Iommu iommu() {
        if (iommus.size() != 1) {
            throw new AssertionError("expected one IOMMU model, have " + iommus.keySet());
        }
        return iommus.values().iterator().next();
    }

    private static String resource(String name) {
        try (InputStream in = MachineRig.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    LinuxKernel boot() {
        return boot(LinuxKernel.Params.DEFAULT);
    }

    LinuxKernel boot(LinuxKernel.Params params) {
        kernel = LinuxKernel.boot("test", machine.system(), machine.platform(), new MachineIrqFabric(machine), params);
        return kernel;
    }

    /** The guest's view of the function at {@code bdf}. */
    GuestPciDevice device(String bdf) {
        return kernel.pciDevices().stream().filter(d -> d.bdf().equals(bdf)).findFirst()
                .orElseThrow(() -> new AssertionError("no function " + bdf));
    }

    /** A CPU store to the testdev's RAISE doorbell in its BAR0: the device raises {@code vector}. */
    void raise(String bdf, int vector) {
        long bar0 = device(bdf).bar(0).cpuAddress();
        MemResult r = machine.system().write(bar0 + TestDevice.REG_RAISE, 4, vector);
        if (r != MemResult.OK) {
            throw new AssertionError("RAISE write to " + bdf + " failed: " + r);
        }
    }

    @Override
    public void close() {
        if (kernel != null) {
            kernel.close();
        }
        machine.close();
    }
}
