package org.trapdoor.api.guest;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.memory.AddressSpace;

/**
 * What a guest kernel boots on: the memory its CPUs load from and store to (physical addresses on
 * bare metal, a domain's intermediate physical addresses under a hypervisor), the tree it is
 * given, its interrupt wiring, and the hypervisor call when there is a hypervisor.
 */
@ProviderType
public interface GuestPlatform {
    /** A name for messages and the kernel's {@link GuestKernel#name()}, e.g. {@code "dom0"}. */
    String name();

    AddressSpace memory();

    DeviceTree deviceTree();

    GuestInterrupts interrupts();

    /** The hypervisor call, or null on bare metal. */
    Hypercalls hypercalls();
}
