package org.trapdoor.core;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Configuration of the machine (PID {@code org.trapdoor.machine}). */
@ObjectClassDefinition(name = "Trapdoor machine",
        description = "The emulated platform: which device tree, which PCI devices, which hypervisor.")
public @interface MachineConfig {
    @AttributeDefinition(name = "Platform",
            description = "A built-in preset (virt, virt-noiommu) or the path of a .dts or .dtb file.")
    String platform() default Presets.DEFAULT;

    @AttributeDefinition(name = "Devices",
            description = "PCI devices, QEMU style: TYPE[,addr=SS.F][,bridge=NODE|bus=pcie.N][,key=value...], "
                    + "e.g. testdev,addr=01.0,msi=4 or image,file=dump.txt. Empty: two testdev endpoints at 01.0 and 02.0.")
    String[] devices() default {};

    @AttributeDefinition(name = "Hypervisor", description = "The hypervisor running on the machine.",
            options = {@Option(label = "none (bare machine)", value = "none"),
                @Option(label = "Xen (Dom0 and DomUs, org.trapdoor.xen)", value = "xen")})
    String hypervisor() default "none";
}
