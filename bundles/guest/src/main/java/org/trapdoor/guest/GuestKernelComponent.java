package org.trapdoor.guest;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.machine.Machine;

/**
 * The kernel running directly on the hardware ({@code --hypervisor none}): it boots when a
 * {@link Machine} appears, against the machine's system address space and platform device tree.
 *
 * <p>The reference is static and greedy: when the machine is replaced (or a better one appears)
 * this component is deactivated and activated again with the new one, which is a reboot and a
 * re-probe.
 */
@Component(service = GuestKernel.class, immediate = true, property = "trapdoor.guest=hardware")
public final class GuestKernelComponent implements GuestKernel {
    private final LinuxKernel kernel;

    @Activate
    public GuestKernelComponent(@Reference(policyOption = ReferencePolicyOption.GREEDY) Machine machine) {
        this.kernel = LinuxKernel.boot("linux, no hypervisor", machine.system(), machine.platform());
    }

    @Override
    public String name() {
        return kernel.name();
    }

    @Override
    public List<GuestPciHost> pciHosts() {
        return kernel.pciHosts();
    }

    @Override
    public List<GuestPciDevice> pciDevices() {
        return kernel.pciDevices();
    }

    @Override
    public List<String> bootLog() {
        return kernel.bootLog();
    }
}
