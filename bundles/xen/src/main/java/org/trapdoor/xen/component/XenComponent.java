package org.trapdoor.xen.component;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestKernelFactory;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.HypervisorPolicy;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.pci.host.HostBridgeBringUp;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.xen.VirtualInterrupts;
import org.trapdoor.xen.Xen;
import org.trapdoor.xen.domain.HostTree;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.irq.DomuMsiPolicies;
import org.trapdoor.xen.irq.DoorbellPolicies;
import org.trapdoor.xen.irq.XenInterrupts;
import org.trapdoor.xen.passthrough.MsiDeviceHooks;
import org.trapdoor.xen.passthrough.PciSubsystem;
import org.trapdoor.xen.pci.XenBringUps;
import org.trapdoor.xen.toolstack.CreateConfigs;
import org.trapdoor.xen.vpci.VpciDevice;

/**
 * Xen on the machine ({@code --hypervisor xen}): when a {@link Machine} whose {@code hypervisor}
 * service property is {@code xen} appears, and once the framework has started (every hardware
 * driver registered, as firmware hands over to Xen only on a composed platform), Xen boots Dom0,
 * creates the start-up DomUs (the configuration's {@code create} files, or by default
 * {@code guest1} with the test endpoint 00:02.0 when the platform has an IOMMU and that endpoint),
 * and only then publishes itself: the {@link Hypervisor} service and, through
 * {@link Dom0KernelComponent}, Dom0's kernel as the {@code GuestKernel} with
 * {@code trapdoor.guest=dom0}. Nobody sees a Xen that is still booting.
 *
 * <p>The references are static and greedy: a new machine (or factory, or interrupt fabric) is a
 * reboot of Xen, as for the bare-metal kernel.
 */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.trapdoor.api.hypervisor.Hypervisor")
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.trapdoor.xen.Xen")
@Component(immediate = true, configurationPid = XenComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = XenComponent.Config.class)
public final class XenComponent {
    public static final String PID = "org.trapdoor.xen";
    /** The default DomU's name and its endpoint. */
    public static final String DEFAULT_GUEST = "guest1";
    public static final String DEFAULT_GUEST_BDF = "0000:00:02.0";
    public static final long DEFAULT_GUEST_MIB = 128;

    /** Xen's boot options and the start-up domains. */
    @ObjectClassDefinition(name = "Trapdoor Xen", description = "Xen's command line and the domains created at start-up")
    public @interface Config {
        @AttributeDefinition(description = "dom0_mem: Dom0's RAM, e.g. 512M or 1G (a multiple of 2M)")
        String dom0__mem() default "512M";

        @AttributeDefinition(description = "dom0_max_vcpus: Dom0's vCPUs (at most the host's CPUs)")
        int dom0__max__vcpus() default 1;

        @AttributeDefinition(description = "xl configuration files' contents: the DomUs created at start-up")
        String[] create() default {};

        @AttributeDefinition(description = "the names of the create files, in the same order (for messages)")
        String[] create_source() default {};

        @AttributeDefinition(description = "without create files: create guest1 with the test endpoint 00:02.0 "
                + "when the platform has an IOMMU and that endpoint")
        boolean default__guest() default true;

        @AttributeDefinition(description = "policies chosen before Xen boots, KIND=NAME each "
                + "(the launcher's --policy), e.g. bridge-owner=xen-init")
        String[] policy() default {};
    }

    private static final Logger LOG = LoggerFactory.getLogger(XenComponent.class);
    /** xl's own voice for start-up {@code --create} failures: the console shows "xl", not a class name. */
    private static final Logger XL = LoggerFactory.getLogger("org.trapdoor.xen.xl");

    private final BundleContext context;
    private final Machine machine;
    private final MachineInterrupts interrupts;
    private final GuestKernelFactory kernels;
    /** The machine's trace registry: Xen declares its {@code xen_*} points there. */
    private final Tracing tracing;
    private final Config config;
    private final Map<String, Object> properties;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private FrameworkListener waitForStart;
    private Xen xen;
    private PciSubsystem pci;
    private boolean closed;
    /** The policy services bound now, with their kind (handed to the PCI subsystem once it exists). */
    private final Map<HypervisorPolicy, String> policies = new java.util.LinkedHashMap<>();
    /** Vendor bridges' bring-up sequences, read when Xen probes a bridge (policy xen-init). */
    private final List<HostBridgeBringUp> bringUps = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Activate
    public XenComponent(BundleContext context, Config config, Map<String, Object> properties,
            @Reference(policyOption = ReferencePolicyOption.GREEDY, target = "(hypervisor=xen)") Machine machine,
            @Reference(policyOption = ReferencePolicyOption.GREEDY) MachineInterrupts interrupts,
            @Reference(policyOption = ReferencePolicyOption.GREEDY) GuestKernelFactory kernels,
            @Reference Tracing tracing) {
        this.tracing = tracing;
        this.context = context;
        this.config = config;
        this.properties = properties;
        this.machine = machine;
        this.interrupts = interrupts;
        this.kernels = kernels;
    }

    /**
     * Powers Xen on once DS has bound the dynamic references (policies, bring-up sequences):
     * DS calls their bind methods after the constructor and before this method, so booting from
     * the constructor would boot Xen without its bridge-owner policy and vendor sequences
     * whenever the framework had already started (a bundle started later, a Pax suite).
     */
    @Activate
    void activate() {
        Bundle system = context.getBundle(0);
        if (system != null && system.getState() == Bundle.STARTING) {
            waitForStart = event -> {
                if (event.getType() == FrameworkEvent.STARTED) {
                    powerOn();
                }
            };
            context.addFrameworkListener(waitForStart);
            if (system.getState() != Bundle.STARTING) {
                powerOn();
            }
        } else {
            powerOn();
        }
    }

    /**
     * Connects the PCI subsystem's DomU functions to the interrupt side's {@code domu-msi}
     * mechanisms and declares the kind in the policy registry (the two packages do not know each
     * other). Tests that build Xen by hand wire it the same way.
     */
    public static DomuMsiPolicies wireMsi(Xen x, XenInterrupts irqs, PciSubsystem p) {
        p.msiHooks(new MsiDeviceHooks() {
            @Override
            public void assigned(XenDomain domU, VpciDevice vpci, int virtualDeviceId, int hostDeviceId) {
                irqs.deviceAssigned(domU, vpci, virtualDeviceId, hostDeviceId, null, true);
            }

            @Override
            public void assigned(XenDomain domU, VpciDevice vpci, int virtualDeviceId, int hostDeviceId,
                    HostMsi host) {
                irqs.deviceAssigned(domU, vpci, virtualDeviceId, hostDeviceId, host.controller(), host.translated());
            }

            @Override
            public void detached(XenDomain domU, int virtualDeviceId) {
                irqs.deviceDetached(domU, virtualDeviceId);
            }

            @Override
            public void writeFaulted(XenDomain domU, int virtualDeviceId, long address, boolean dataCaptured,
                    int data) {
                irqs.writeFaulted(domU, virtualDeviceId, address, dataCaptured, data);
            }
        });
        irqs.iotlbFlush(p::flushIotlb);
        DomuMsiPolicies msi = new DomuMsiPolicies(p.policyRegistry(), irqs, x::find);
        new DoorbellPolicies(p.policyRegistry(), irqs, x::find); // after domu-msi: applied second
        return msi;
    }

    private synchronized void powerOn() {
        if (xen != null || closed) {
            return;
        }
        Xen x;
        try {
            x = new Xen(machine, kernels, new Xen.Options(size(config.dom0__mem()), config.dom0__max__vcpus(), 40));
            x.tracing(tracing);
            XenInterrupts irqs = new XenInterrupts(interrupts, machine, x::heap).tracing(tracing);
            x.interrupts(VirtualInterrupts.of(irqs::attachDom0, irqs::attachDomU, irqs::destroy, irqs::ledger));
            PciSubsystem p = new PciSubsystem(x, XenBringUps.of(() -> bringUps, machine.system()));
            x.pci(p);
            pci = p;
            wireMsi(x, irqs, p);
            // Policies bound before Xen existed; later ones are applied live by the bind method.
            policies.forEach((policy, kind) -> p.policyRegistry().add(kind, policy));
            chooseInitialPolicies(x, p);
            x.boot();
        } catch (RuntimeException e) {
            LOG.error("Xen failed to boot: {}", e.getMessage(), e);
            return;
        }
        xen = x;
        for (DomainConfig c : startupDomains()) {
            try {
                x.create(c);
            } catch (HypervisorException e) {
                // One bad domain does not take the others or Dom0 down: xl create fails alone.
                XL.error("create {}: {}", c.name(), e.getMessage());
                x.consoleRing().printk("xl create %s failed: %s", c.name(), e.getMessage());
            }
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("hypervisor", "xen");
        registrations.add(context.registerService(Xen.class, x, props));
        registrations.add(context.registerService(Hypervisor.class, x, props));
    }

    /**
     * The configuration's {@code policy} choices, made before Xen boots: a bring-up owner chosen
     * with {@code policy set} after boot comes too late for the bridge Xen probed while booting.
     * A choice Xen does not know is said on its console and leaves the default in force; the
     * launcher's session reports it to the user as a bad argument, so it is not logged twice.
     */
    private void chooseInitialPolicies(Xen x, PciSubsystem p) {
        for (String choice : config.policy()) {
            int eq = choice == null ? -1 : choice.indexOf('=');
            if (eq <= 0) {
                x.consoleRing().printk("policy %s: expected KIND=NAME, ignored", choice);
                continue;
            }
            try {
                p.policyRegistry().set(null, choice.substring(0, eq).strip(), choice.substring(eq + 1).strip());
            } catch (HypervisorException e) {
                LOG.debug("start-up policy {}: {}", choice, e.getMessage());
                x.consoleRing().printk("policy %s ignored: %s", choice, e.getMessage());
            }
        }
    }

    @Reference(service = HypervisorPolicy.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addPolicy(HypervisorPolicy policy, Map<String, Object> props) {
        Object kind = props.get(HypervisorPolicy.KIND);
        if (!(kind instanceof String k)) {
            LOG.warn("policy {} has no {} property: ignored", policy.name(), HypervisorPolicy.KIND);
            return;
        }
        PciSubsystem p;
        synchronized (this) {
            policies.put(policy, k);
            p = pci;
        }
        if (p != null) {
            p.policyRegistry().add(k, policy);
        }
    }

    void removePolicy(HypervisorPolicy policy, Map<String, Object> props) {
        String k;
        PciSubsystem p;
        synchronized (this) {
            k = policies.remove(policy);
            p = pci;
        }
        if (k != null && p != null) {
            p.policyRegistry().remove(k, policy);
        }
    }

    @Reference(service = HostBridgeBringUp.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addBringUp(HostBridgeBringUp b) {
        bringUps.add(b);
    }

    void removeBringUp(HostBridgeBringUp b) {
        bringUps.remove(b);
    }

    /** The configuration's create files, or the default guest; a file that does not parse creates nothing. */
    private List<DomainConfig> startupDomains() {
        Object create = properties.get(CreateConfigs.CREATE);
        boolean any = create instanceof String s ? !s.isBlank()
                : create instanceof String[] a ? a.length > 0 : create instanceof java.util.Collection<?> c && !c.isEmpty();
        if (any) {
            try {
                return CreateConfigs.read(create, properties.get(CreateConfigs.CREATE_SOURCE));
            } catch (HypervisorException e) {
                LOG.error("{}", e.getMessage());
                return List.of();
            }
        }
        if (!config.default__guest()) {
            return List.of();
        }
        boolean iommu = false;
        for (DtNode n : machine.platform().nodes()) {
            iommu |= n.isEnabled() && HostTree.isXenIommu(n);
        }
        boolean endpoint = false;
        for (PciDeviceInfo d : machine.pciDevices()) {
            endpoint |= d.bdf().equals(DEFAULT_GUEST_BDF);
        }
        if (!iommu || !endpoint) {
            LOG.info("no default guest: the platform has {}", !iommu ? "no IOMMU Xen drives" : "no endpoint at 00:02.0");
            return List.of();
        }
        // seize=1: xl takes the endpoint from Dom0 into quarantine first, as pci-assignable-add would.
        return List.of(new DomainConfig(DEFAULT_GUEST, DEFAULT_GUEST_MIB, 1,
                List.of(new PciSpec(0, 0, 2, 0, -1, false, true))));
    }

    /** {@code dom0_mem}'s size syntax ({@code parse_size_and_unit}): a number with K, M, G or T (bytes without). */
    static long size(String s) {
        String t = s == null ? "" : s.trim().toUpperCase(Locale.ROOT);
        if (t.isEmpty()) {
            throw new IllegalArgumentException("dom0_mem is empty");
        }
        long unit = switch (t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            case 'B' -> 1;
            default -> 0;
        };
        String digits = unit == 0 ? t : t.substring(0, t.length() - 1);
        try {
            long n = Long.parseLong(digits);
            long bytes = n * (unit == 0 ? 1 : unit);
            if (n <= 0 || bytes / (unit == 0 ? 1 : unit) != n) {
                throw new IllegalArgumentException("dom0_mem=" + s + " is not a positive size");
            }
            return bytes;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("dom0_mem=" + s + ": expected a size such as 512M or 1G");
        }
    }

    @Deactivate
    void deactivate() {
        Xen x;
        List<ServiceRegistration<?>> regs;
        synchronized (this) {
            closed = true;
            x = xen;
            regs = new ArrayList<>(registrations);
            registrations.clear();
        }
        if (waitForStart != null) {
            try {
                context.removeFrameworkListener(waitForStart);
            } catch (IllegalStateException e) {
                // the bundle is stopping: its listeners go with it
            }
        }
        for (ServiceRegistration<?> r : regs) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        if (x != null) {
            x.shutdown();
        }
    }
}
