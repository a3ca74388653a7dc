package org.trapdoor.xen.component;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.trapdoor.xen.Xen;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.iommu.IommuFault;

/**
 * Dom0's kernel as the {@link GuestKernel} service ({@code trapdoor.guest=dom0}): the shell's
 * default view under Xen. It exists exactly while a Xen that {@link XenComponent} booted is
 * published, so it is only visible once Dom0 (and the start-up DomUs) have booted; declared
 * through Declarative Services so a launcher sees a guest on its way while Xen boots.
 */
@Component(service = GuestKernel.class, immediate = true, property = "trapdoor.guest=dom0")
public final class Dom0KernelComponent implements GuestKernel {
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
