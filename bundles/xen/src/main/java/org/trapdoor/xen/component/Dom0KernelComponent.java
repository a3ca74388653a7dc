package org.trapdoor.xen.component;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.xen.Xen;
import org.trapdoor.api.guest.ForwardingGuestKernel;
import org.trapdoor.api.guest.GuestKernel;

/**
 * Dom0's kernel as the {@link GuestKernel} service ({@code trapdoor.guest=dom0}): the shell's
 * default view under Xen. It exists exactly while a Xen that {@link XenComponent} booted is
 * published, so it is only visible once Dom0 (and the start-up DomUs) have booted; declared
 * through Declarative Services so a launcher sees a guest on its way while Xen boots.
 */
@Component(service = GuestKernel.class, immediate = true, property = "trapdoor.guest=dom0")
public final class Dom0KernelComponent extends ForwardingGuestKernel {
    private final GuestKernel kernel;

    @Activate
    public Dom0KernelComponent(@Reference(policyOption = ReferencePolicyOption.GREEDY) Xen xen) {
        GuestKernel k = xen.hardwareDomain().kernel();
        if (k == null) {
            throw new IllegalStateException("Dom0 has no kernel");
        }
        this.kernel = k;
    }

    @Override
    protected GuestKernel kernel() {
        return kernel;
    }
}
