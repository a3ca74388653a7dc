package org.trapdoor.guest;

import java.util.Hashtable;
import java.util.List;
import java.util.function.Consumer;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceRegistration;
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
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;

/**
 * Boots the kernel directly on the hardware ({@code --hypervisor none}) when a {@link Machine}
 * whose service property {@code hypervisor} is {@code none} appears: against the machine's system address space and platform device tree, with its CPUs
 * wired through the machine's {@link MachineInterrupts}. Only once that boot has finished (PCI
 * enumerated, the CPUs wired to the interrupt controller, MSIs set up) is the kernel published,
 * as a bundle-private {@link LinuxKernel} service that {@link GuestKernelComponent} offers to
 * everyone as the {@code GuestKernel}: nobody can see a guest that is still booting or whose CPUs
 * are not wired yet.
 *
 * <p>Power-on happens once the platform is composed: while the framework is still starting
 * (hardware bundles may not have registered their drivers yet) the boot waits for the
 * framework's STARTED event, as firmware waits for its devices before handing over to the kernel.
 *
 * <p>The references are static and greedy: when the machine is replaced (or a better one
 * appears, or the interrupt fabric is replaced) this component is deactivated — the kernel is
 * withdrawn, then shut down — and activated again with the new one, which is a reboot. Swapping an
 * MSI controller model does not reboot: the kernel hears of it through
 * {@link MachineInterrupts#watchMsiControllers} and re-probes its MSI set-up by itself (see
 * {@link LinuxKernel}).
 */
// The LinuxKernel service is registered by hand (after the boot), so its capability is declared here.
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.trapdoor.guest.LinuxKernel")
@Component(immediate = true, configurationPid = BareMetalBoot.PID)
@Designate(ocd = BareMetalBoot.Config.class)
public final class BareMetalBoot {
    /** The configuration of the kernel's command line. */
    public static final String PID = "org.trapdoor.guest";

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

    /** The Machine service's {@code hypervisor} property says none (or, from an older core, nothing). */
    static final String BARE_MACHINE = "(|(hypervisor=none)(!(hypervisor=*)))";

    private static final Logger LOG = LoggerFactory.getLogger(BareMetalBoot.class);

    private final Machine machine;
    private final MachineInterrupts interrupts;
    private final LinuxKernel.Params params;
    private final BundleContext context;
    private final Consumer<LinuxKernel> publish;
    private LinuxKernel kernel;
    private ServiceRegistration<LinuxKernel> registration;
    private boolean closed;
    private FrameworkListener waitForStart;

    @Activate
    public BareMetalBoot(BundleContext context, Config config,
            // Only a machine with no hypervisor: under one, the hypervisor boots the kernels (in its domains).
            @Reference(policyOption = ReferencePolicyOption.GREEDY, target = BARE_MACHINE) Machine machine,
            // Mandatory: booting without the interrupt fabric and again when it arrives would be
            // two boots of one machine.
            @Reference(policyOption = ReferencePolicyOption.GREEDY) MachineInterrupts interrupts) {
        this.context = context;
        this.machine = machine;
        this.interrupts = interrupts;
        this.params = new LinuxKernel.Params(config.iommu_passthrough(),
                config.vfio_pci_ids() == null ? List.of() : List.of(config.vfio_pci_ids()));
        this.publish = null;
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

    /** For tests and hand-wired use: boots at once and hands the booted kernel to {@code publish}. */
    BareMetalBoot(Machine machine, MachineInterrupts interrupts, LinuxKernel.Params params,
            Consumer<LinuxKernel> publish) {
        this.context = null;
        this.machine = machine;
        this.interrupts = interrupts;
        this.params = params;
        this.publish = publish;
        powerOn();
    }

    private synchronized void powerOn() {
        if (kernel != null || closed) {
            return;
        }
        LinuxKernel k;
        try {
            k = LinuxKernel.boot(new BareMetalPlatform("linux, no hypervisor", machine, interrupts), params);
        } catch (RuntimeException e) {
            LOG.error("guest kernel failed to boot: {}", e.getMessage(), e);
            return;
        }
        kernel = k;
        // Published last: whoever finds the kernel finds it booted, its CPUs wired.
        if (publish != null) {
            publish.accept(k);
        } else {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("trapdoor.guest", "hardware");
            registration = context.registerService(LinuxKernel.class, k, props);
        }
    }

    /** The kernel this component booted, or {@code null} before (or without) a successful boot. */
    synchronized LinuxKernel kernel() {
        return kernel;
    }

    @Deactivate
    void deactivate() {
        LinuxKernel k;
        ServiceRegistration<LinuxKernel> r;
        synchronized (this) {
            closed = true;
            k = kernel;
            r = registration;
            registration = null;
        }
        if (waitForStart != null && context != null) {
            try {
                context.removeFrameworkListener(waitForStart);
            } catch (IllegalStateException e) {
                // the bundle is stopping: its listeners go with it
            }
        }
        // Withdrawn before it shuts down: no consumer keeps using a kernel that has stopped.
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        if (k != null) {
            k.close();
        }
    }
}
