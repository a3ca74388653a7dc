package org.trapdoor.guest;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;

/**
 * The kernel running directly on the hardware ({@code --hypervisor none}): it boots when a
 * {@link Machine} appears, against the machine's system address space and platform device tree,
 * with its CPUs wired through the machine's {@link MachineInterrupts} when that service exists.
 *
 * <p>The references are static and greedy: when the machine is replaced (or a better one appears,
 * or the interrupt fabric appears) this component is deactivated and activated again with the new
 * one, which is a reboot and a re-probe. Swapping an MSI controller model does not reboot: a
 * shell calls {@link #reprobeMsi()} (the machine API has no swap notification to hook).
 */
@Component(service = GuestKernel.class, immediate = true, property = "trapdoor.guest=hardware")
public final class GuestKernelComponent implements GuestKernel {
    private final LinuxKernel kernel;

    @Activate
    public GuestKernelComponent(@Reference(policyOption = ReferencePolicyOption.GREEDY) Machine machine,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
            MachineInterrupts interrupts) {
        this.kernel = LinuxKernel.boot("linux, no hypervisor", machine.system(), machine.platform(),
                interrupts == null ? IrqFabric.NONE : new MachineIrqFabric(interrupts));
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

    @Override
    public List<GuestMsiVector> msiVectors() {
        return kernel.msiVectors();
    }

    @Override
    public List<GuestIrqCount> interruptCounts() {
        return kernel.interruptCounts();
    }

    @Override
    public void reprobeMsi() {
        kernel.reprobeMsi();
    }
}
