package org.trapdoor.guest;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;

/**
 * The kernel running directly on the hardware ({@code --hypervisor none}): it boots when a
 * {@link Machine} appears, against the machine's system address space and platform device tree,
 * with its CPUs wired through the machine's {@link MachineInterrupts}.
 *
 * <p>Power-on happens once the platform is composed: while the framework is still starting
 * (the system bundle is STARTING, so hardware bundles may not have registered their drivers
 * yet) the boot waits for the framework's STARTED event, as firmware waits for its devices
 * before handing over to the kernel. {@link #awaitBooted} lets a launcher wait for it.
 *
 * <p>The references are static and greedy: when the machine is replaced (or a better one appears,
 * or the interrupt fabric is replaced) this component is deactivated and activated again with the new
 * one, which is a reboot and a re-probe. Swapping an MSI controller model does not reboot: the
 * kernel hears of it through {@link MachineInterrupts#watchMsiControllers} and re-probes its MSI
 * set-up by itself when the controller was re-plugged (see {@link LinuxKernel}); a shell may still
 * call {@link #reprobeMsi()}.
 */
@Component(service = GuestKernel.class, immediate = true, property = "trapdoor.guest=hardware")
@Designate(ocd = GuestKernelComponent.Config.class)
public final class GuestKernelComponent implements GuestKernel {
    /** Kernel command-line options; a change reboots the kernel (the component is re-activated). */
    @ObjectClassDefinition(name = "Trapdoor guest kernel (no hypervisor)", description = "Kernel command-line options")
    public @interface Config {
        @AttributeDefinition(description = "iommu.passthrough=1: functions behind an SMMU get identity (bypass) "
                + "domains and do DMA and MSI with physical addresses, instead of DMA domains with IOVAs")
        boolean iommu_passthrough() default false;

        @AttributeDefinition(description = "vfio-pci.ids=: vendor:device pairs (hex) whose functions are bound to "
                + "vfio-pci and get unmanaged IOMMU domains, their MSI doorbells in the software MSI window")
        String[] vfio_pci_ids() default {};
    }

    private static final Logger LOG = LoggerFactory.getLogger(GuestKernelComponent.class);

    private final Machine machine;
    private final MachineInterrupts interrupts;
    private final CountDownLatch booted = new CountDownLatch(1);
    private final BundleContext context;
    private final LinuxKernel.Params params;
    private volatile LinuxKernel kernel;
    private volatile boolean closed;
    private FrameworkListener waitForStart;

    @Activate
    public GuestKernelComponent(BundleContext context, Config config,
            @Reference(policyOption = ReferencePolicyOption.GREEDY) Machine machine,
            // Mandatory: booting without the interrupt fabric and again when it arrives would be
            // two boots of one machine.
            @Reference(policyOption = ReferencePolicyOption.GREEDY) MachineInterrupts interrupts) {
        this.context = context;
        this.params = new LinuxKernel.Params(config.iommu_passthrough(),
                config.vfio_pci_ids() == null ? List.of() : List.of(config.vfio_pci_ids()));
        this.machine = machine;
        this.interrupts = interrupts;
        Bundle system = context.getBundle(0);
        if (system != null && system.getState() == Bundle.STARTING) {
            waitForStart = event -> {
                if (event.getType() == FrameworkEvent.STARTED) {
                    powerOn();
                }
            };
            context.addFrameworkListener(waitForStart);
            // The framework may have finished starting between the check and the listener.
            if (system.getState() != Bundle.STARTING) {
                powerOn();
            }
        } else {
            powerOn();
        }
    }

    /** For tests and hand-wired use: boots at once. */
    GuestKernelComponent(Machine machine, MachineInterrupts interrupts) {
        this(machine, interrupts, LinuxKernel.Params.DEFAULT);
    }

    /** For tests and hand-wired use: boots at once with {@code params}. */
    GuestKernelComponent(Machine machine, MachineInterrupts interrupts, LinuxKernel.Params params) {
        this.context = null;
        this.params = params;
        this.machine = machine;
        this.interrupts = interrupts;
        powerOn();
    }

    private synchronized void powerOn() {
        if (kernel != null || closed) {
            return;
        }
        try {
            kernel = LinuxKernel.boot("linux, no hypervisor", machine.system(), machine.platform(),
                    interrupts == null ? IrqFabric.NONE : new MachineIrqFabric(interrupts), params);
        } catch (RuntimeException e) {
            LOG.error("guest kernel failed to boot: {}", e.getMessage(), e);
        } finally {
            booted.countDown();
        }
    }

    @Deactivate
    void deactivate() {
        closed = true;
        if (waitForStart != null && context != null) {
            try {
                context.removeFrameworkListener(waitForStart);
            } catch (IllegalStateException e) {
                // the bundle is stopping: its listeners go with it
            }
        }
        booted.countDown();
        LinuxKernel k;
        synchronized (this) {
            k = kernel;
        }
        if (k != null) {
            k.close();
        }
    }

    @Override
    public boolean awaitBooted(long timeoutMillis) throws InterruptedException {
        return booted.await(timeoutMillis, TimeUnit.MILLISECONDS) && kernel != null;
    }

    @Override
    public String name() {
        LinuxKernel k = kernel;
        return k == null ? "linux, no hypervisor (not booted)" : k.name();
    }

    @Override
    public List<GuestPciHost> pciHosts() {
        LinuxKernel k = kernel;
        return k == null ? List.of() : k.pciHosts();
    }

    @Override
    public List<GuestPciDevice> pciDevices() {
        LinuxKernel k = kernel;
        return k == null ? List.of() : k.pciDevices();
    }

    @Override
    public List<String> bootLog() {
        LinuxKernel k = kernel;
        return k == null ? List.of() : k.bootLog();
    }

    @Override
    public List<GuestMsiVector> msiVectors() {
        LinuxKernel k = kernel;
        return k == null ? List.of() : k.msiVectors();
    }

    @Override
    public List<GuestIrqCount> interruptCounts() {
        LinuxKernel k = kernel;
        return k == null ? List.of() : k.interruptCounts();
    }

    @Override
    public List<GuestIommuDomain> iommuDomains() {
        LinuxKernel k = kernel;
        return k == null ? List.of() : k.iommuDomains();
    }

    @Override
    public List<IommuFault> iommuFaults() {
        LinuxKernel k = kernel;
        return k == null ? List.of() : k.iommuFaults();
    }

    @Override
    public GuestDmaTest dmaTest(String bdf, long phys, int length, boolean toMemory) {
        return booted().dmaTest(bdf, phys, length, toMemory);
    }

    @Override
    public GuestDmaTest dmaRaw(String bdf, long busAddress, int length, boolean toMemory) {
        return booted().dmaRaw(bdf, busAddress, length, toMemory);
    }

    private LinuxKernel booted() {
        LinuxKernel k = kernel;
        if (k == null) {
            throw new IllegalStateException("the guest kernel has not booted yet");
        }
        return k;
    }

    @Override
    public void reprobeMsi() {
        LinuxKernel k = kernel;
        if (k == null) {
            throw new IllegalStateException("the guest kernel has not booted yet");
        }
        k.reprobeMsi();
    }

    @Override
    public long msiGeneration() {
        LinuxKernel k = kernel;
        return k == null ? 0 : k.msiGeneration();
    }

    @Override
    public boolean awaitMsiSettled(long timeoutMillis) throws InterruptedException {
        LinuxKernel k = kernel;
        return k == null || k.awaitMsiSettled(timeoutMillis);
    }

    @Override
    public long interruptsHandled() {
        LinuxKernel k = kernel;
        return k == null ? 0 : k.interruptsHandled();
    }
}
