package org.trapdoor.guest;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.iommu.IommuFault;

/**
 * The {@link GuestKernel} service of the kernel running directly on the hardware: it exists
 * exactly while a kernel that {@link BareMetalBoot} booted is published, so the service is only
 * visible once that kernel has booted with its CPUs wired, and goes away before it shuts down.
 * Declared through Declarative Services, so a launcher can see that a guest is on its way (the
 * component is enabled but not yet satisfied) before it is there.
 */
@Component(service = GuestKernel.class, immediate = true, property = "trapdoor.guest=hardware")
public final class GuestKernelComponent implements GuestKernel {
    private final LinuxKernel kernel;

    @Activate
    public GuestKernelComponent(@Reference(policyOption = ReferencePolicyOption.GREEDY) LinuxKernel kernel) {
        this.kernel = kernel;
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
    public List<GuestIommuDomain> iommuDomains() {
        return kernel.iommuDomains();
    }

    @Override
    public List<IommuFault> iommuFaults() {
        return kernel.iommuFaults();
    }

    @Override
    public GuestDmaTest dmaTest(String bdf, long phys, int length, boolean toMemory) {
        return kernel.dmaTest(bdf, phys, length, toMemory);
    }

    @Override
    public GuestDmaTest dmaRaw(String bdf, long busAddress, int length, boolean toMemory) {
        return kernel.dmaRaw(bdf, busAddress, length, toMemory);
    }

    @Override
    public void reprobeMsi() {
        kernel.reprobeMsi();
    }

    @Override
    public long msiGeneration() {
        return kernel.msiGeneration();
    }

    @Override
    public boolean awaitMsiSettled(long timeoutMillis) throws InterruptedException {
        return kernel.awaitMsiSettled(timeoutMillis);
    }

    @Override
    public long interruptsHandled() {
        return kernel.interruptsHandled();
    }

    /** Booted before it was visible. */
    @Override
    public boolean awaitBooted(long timeoutMillis) {
        return true;
    }
}
