package org.trapdoor.xen;

import org.trapdoor.xen.component.XenComponent;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.core.Presets;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.guest.LinuxKernelFactory;
import org.trapdoor.hw.gicv2.Gicv2Driver;
import org.trapdoor.hw.gicv2m.Gicv2mDriver;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv2.Smmuv2Driver;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDeviceFactory;

/**
 * A machine composed of the real models without OSGi (as the guest's tests compose one), with Xen
 * on it and the Linux-like kernel as every domain's kernel.
 */
final class XenRig implements AutoCloseable {
    final ComposedMachine machine;
    final Xen xen;
    /** The interrupt subsystem of {@link #full} rigs, else null. */
    org.trapdoor.xen.irq.XenInterrupts irqs;
    /** The PCI subsystem of {@link #full} rigs, else null. */
    org.trapdoor.xen.passthrough.PciSubsystem pci;

    XenRig(String platform, Xen.Options options, String... devices) {
        this(Presets.load(new DeviceTreeService(), platform), options, devices);
    }

    /** On a platform tree a test has adjusted (e.g. a capability switched on on a node). */
    XenRig(DeviceTree tree, Xen.Options options, String... devices) {
        machine = new ComposedMachine(tree);
        machine.addDriver(new EcamDriver());
        machine.addDriver(new Gicv3Driver());
        machine.addDriver(new ItsDriver());
        machine.addDriver(new Gicv2Driver());
        machine.addDriver(new Gicv2mDriver());
        machine.addDriver(new Smmuv3Driver());
        machine.addDriver(new Smmuv2Driver());
        machine.addFactory(new TestDeviceFactory());
        for (String d : devices) {
            machine.attach(d);
        }
        xen = new Xen(machine, new LinuxKernelFactory(), options).tracing(machine.tracing());
    }

    /** Xen with its vGIC and PCI subsystem, wired as {@link XenComponent} wires them. */
    static XenRig full(String platform, Xen.Options options, String... devices) {
        XenRig rig = new XenRig(platform, options, devices);
        org.trapdoor.xen.irq.XenInterrupts irqs = new org.trapdoor.xen.irq.XenInterrupts(rig.machine, rig.machine,
                rig.xen::heap).tracing(rig.machine.tracing());
        rig.xen.interrupts(VirtualInterrupts.of(irqs::attachDom0, irqs::attachDomU, irqs::destroy));
        rig.irqs = irqs;
        rig.pci = new org.trapdoor.xen.passthrough.PciSubsystem(rig.xen);
        rig.xen.pci(rig.pci);
        return rig;
    }

    @Override
    public void close() {
        for (var d : xen.xenDomains()) {
            if (d.kernel() != null) {
                d.kernel().shutdown();
            }
        }
        machine.close();
    }
}
