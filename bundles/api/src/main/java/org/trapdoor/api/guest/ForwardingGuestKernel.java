package org.trapdoor.api.guest;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;
import org.trapdoor.api.iommu.IommuFault;

/**
 * A {@link GuestKernel} that forwards every query to a kernel someone else owns: what a service
 * component offers in place of the kernel it found booted. {@link #shutdown()} is not forwarded
 * (the kernel's owner ends it) and {@link #awaitBooted} is true at once (a kernel is only
 * published booted).
 */
@ConsumerType
public abstract class ForwardingGuestKernel implements GuestKernel {
    /** The kernel queries go to. */
    protected abstract GuestKernel kernel();

    @Override
    public String name() {
        return kernel().name();
    }

    @Override
    public List<GuestPciHost> pciHosts() {
        return kernel().pciHosts();
    }

    @Override
    public List<GuestPciDevice> pciDevices() {
        return kernel().pciDevices();
    }

    @Override
    public List<String> bootLog() {
        return kernel().bootLog();
    }

    @Override
    public List<GuestMsiVector> msiVectors() {
        return kernel().msiVectors();
    }

    @Override
    public List<GuestIrqCount> interruptCounts() {
        return kernel().interruptCounts();
    }

    @Override
    public List<GuestIommuDomain> iommuDomains() {
        return kernel().iommuDomains();
    }

    @Override
    public List<IommuFault> iommuFaults() {
        return kernel().iommuFaults();
    }

    @Override
    public GuestDmaTest dmaTest(String bdf, long phys, int length, boolean toMemory) {
        return kernel().dmaTest(bdf, phys, length, toMemory);
    }

    @Override
    public GuestDmaTest dmaRaw(String bdf, long busAddress, int length, boolean toMemory) {
        return kernel().dmaRaw(bdf, busAddress, length, toMemory);
    }

    @Override
    public String releaseDevice(String bdf) {
        return kernel().releaseDevice(bdf);
    }

    @Override
    public void reprobeMsi() {
        kernel().reprobeMsi();
    }

    @Override
    public long msiGeneration() {
        return kernel().msiGeneration();
    }

    @Override
    public boolean awaitMsiSettled(long timeoutMillis) throws InterruptedException {
        return kernel().awaitMsiSettled(timeoutMillis);
    }

    @Override
    public long interruptsHandled() {
        return kernel().interruptsHandled();
    }

    /** Booted before it was visible. */
    @Override
    public boolean awaitBooted(long timeoutMillis) {
        return true;
    }
}
