package org.trapdoor.guest;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.guest.ForwardingGuestKernel;
import org.trapdoor.api.guest.GuestKernel;

/**
 * The {@link GuestKernel} service of the kernel running directly on the hardware: it exists
 * exactly while a kernel that {@link BareMetalBoot} booted is published, so the service is only
 * visible once that kernel has booted with its CPUs wired, and goes away before it shuts down.
 * Declared through Declarative Services, so a launcher can see that a guest is on its way (the
 * component is enabled but not yet satisfied) before it is there.
 */
@Component(service = GuestKernel.class, immediate = true, property = "trapdoor.guest=hardware")
public final class GuestKernelComponent extends ForwardingGuestKernel {
    private final LinuxKernel kernel;

    @Activate
    public GuestKernelComponent(@Reference(policyOption = ReferencePolicyOption.GREEDY) LinuxKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    protected GuestKernel kernel() {
        return kernel;
    }
}
