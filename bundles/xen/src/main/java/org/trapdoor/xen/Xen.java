package org.trapdoor.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestKernelFactory;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.DomainState;
import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.hypervisor.HypervisorException;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.hypervisor.PciDeviceStatus;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.hypervisor.PolicyInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.xen.domain.Dom0Builder;
import org.trapdoor.xen.domain.DomUBuilder;
import org.trapdoor.xen.domain.DomainPlatform;
import org.trapdoor.xen.domain.GuestLayout;
import org.trapdoor.xen.domain.HostTree;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.hypercall.GuestMemory;
import org.trapdoor.xen.hypercall.HypercallTable;
import org.trapdoor.xen.hypercall.PhysdevOp;
import org.trapdoor.xen.hypercall.XenVersion;
import org.trapdoor.xen.mm.FrameAllocator;
import org.trapdoor.xen.trace.XenTrace;

/**
 * The Xen hypervisor on the emulated machine, as its toolstack sees it: it takes the host's RAM
 * (Dom0's direct-mapped share, the rest its heap), builds and boots Dom0, creates and destroys
 * DomUs, and answers the toolstack's PCI and policy operations through its PCI subsystem.
 *
 * <p>Wiring: construct, give it its interrupt and PCI subsystems ({@link #interrupts},
 * {@link #pci}), then {@link #boot()}.
 */
public final class Xen implements Hypervisor {
    public static final int MAJOR = 4;
    public static final int MINOR = 23;
    public static final String EXTRA = "-trapdoor";
    /** RAM Xen keeps at least for its heap (P2M tables, DomU memory). */
    public static final long MIN_HEAP = 16L << 20;
    public static final int CONSOLE_LINES = 1024;
    /** {@code DOMID_FIRST_RESERVED}: domids from here on are special (dom_io, dom_xen...). */
    public static final int DOMID_FIRST_RESERVED = 0x7ff0;

    /**
     * Boot options ({@code dom0_mem}, {@code dom0_max_vcpus}, the PA size Xen programs in VTCR_EL2.PS).
     */
    public record Options(long dom0MemBytes, int dom0MaxVcpus, int paBits) {
        public static final Options DEFAULT = new Options(512L << 20, 1, 40);

        public Options {
            if (dom0MaxVcpus <= 0) {
                throw new IllegalArgumentException("dom0_max_vcpus must be positive, not " + dom0MaxVcpus);
            }
        }
    }

    private final Machine machine;
    private final GuestKernelFactory kernels;
    private final Options options;
    private final ConsoleRing console = new ConsoleRing(CONSOLE_LINES);
    private final HypercallTable hypercalls = new HypercallTable();
    private final PhysdevOp physdevOp = new PhysdevOp();
    private final GuestMemory guestMemory;
    private final Map<Integer, XenDomain> domains = new ConcurrentSkipListMap<>();
    private VirtualInterrupts interrupts = VirtualInterrupts.NONE;
    private PciPassthrough pci = PciPassthrough.NONE;
    private FrameAllocator heap;
    private XenDomain dom0;
    private boolean booted;

    public Xen(Machine machine, GuestKernelFactory kernels, Options options) {
        this.machine = machine;
        this.kernels = kernels;
        this.options = options;
        this.guestMemory = new GuestMemory(machine.memory());
        hypercalls.register(HypercallTable.XEN_VERSION, new XenVersion(MAJOR, MINOR, EXTRA, guestMemory));
        hypercalls.register(HypercallTable.PHYSDEV_OP, physdevOp);
    }

    /** Xen's trace points; {@link XenTrace#OFF} unless {@link #tracing} declared them in a registry. */
    private volatile XenTrace trace = XenTrace.OFF;

    /**
     * Declares Xen's trace points in the machine's registry (before {@link #boot()}): every
     * domain's trapped accesses ({@code xen_mmio_trap}) and hypercalls ({@code xen_hypercall}).
     * The interrupt side declares its own ({@code XenInterrupts.tracing}).
     */
    public synchronized Xen tracing(Tracing tracing) {
        beforeBoot();
        trace = new XenTrace(tracing);
        hypercalls.trace(trace.hypercall);
        return this;
    }

    /** Sets the interrupt subsystem (before {@link #boot()}). */
    public synchronized Xen interrupts(VirtualInterrupts v) {
        beforeBoot();
        interrupts = v;
        return this;
    }

    /** Sets the PCI subsystem (before {@link #boot()}). */
    public synchronized Xen pci(PciPassthrough p) {
        beforeBoot();
        pci = p;
        return this;
    }

    private void beforeBoot() {
        if (booted) {
            throw new IllegalStateException("Xen has booted: subsystems are fixed");
        }
    }

    /**
     * Takes the host's RAM, builds Dom0 and boots its kernel.
     *
     * @throws HypervisorException when Dom0 cannot be built (no RAM, bad options)
     */
    public synchronized XenDomain boot() {
        beforeBoot();
        booted = true;
        DeviceTree host = machine.platform();
        console.printk("Xen version %d.%d%s (trapdoor) on %s", MAJOR, MINOR, EXTRA,
                host.root().has("model") ? host.root().property("model").string() : host.source());
        DtNode uart = HostTree.consoleUart(host);
        if (uart != null) {
            // dt_uart_init: the console UART is Xen's from now on, hidden from Dom0.
            console.printk("Taking dtuart configuration from /chosen/stdout-path");
            console.printk("Looking for dtuart at \"%s\": %s used by Xen", uart.path(), uart.compatibles().get(0));
        }
        long[] split;
        try {
            split = Dom0Builder.splitRam(host, options.dom0MemBytes(), MIN_HEAP);
        } catch (IllegalArgumentException e) {
            console.printk("Panic: %s", e.getMessage());
            throw new HypervisorException(e.getMessage(), e);
        }
        heap = new FrameAllocator(machine.memory(), split[2], split[3]);
        console.printk("Xen heap: %#x-%#x (%d MiB)", split[2], split[2] + split[3] - 1, split[3] >> 20);
        boolean xenIommu = host.nodes().stream().anyMatch(n -> n.isEnabled() && HostTree.isXenIommu(n));
        int vcpus = Math.min(options.dom0MaxVcpus(), Math.max(1, cpuCount(host)));
        XenDomain d0 = Dom0Builder.build(host, machine.system(), machine.memory(), heap, split[0], split[1], vcpus,
                0, options.paBits(), xenIommu, MAJOR + "." + MINOR);
        d0.ipaSpace().trace(trace.mmioTrap);
        console.printk("*** LOADING DOMAIN 0 ***");
        console.printk("Allocating 1:1 mappings totalling %dMB for dom0: %#x-%#x", split[1] >> 20, split[0],
                split[0] + split[1] - 1);
        d0.interrupts(interrupts.attachDom0(d0));
        pci.dom0Built(d0);
        domains.put(d0.id(), d0);
        dom0 = d0;
        d0.state(DomainState.RUNNING);
        console.printk("Std. Loglevel: All; Guest Loglevel: All");
        console.printk("*** Serial input to DOM0 (type 'CTRL-a' three times to switch input)");
        bootKernel(d0);
        return d0;
    }

    private void bootKernel(XenDomain d) {
        DomainPlatform platform = new DomainPlatform(d.hardwareDomain() ? "dom0" : d.name(), d.ipaSpace(),
                d.deviceTree(), d.interrupts(), hypercalls.forDomain(d));
        // The boot runs on the creating thread as the domain's vCPU 0: its time is the domain's.
        long start = System.nanoTime();
        try {
            GuestKernel k = kernels.boot(platform, Map.of());
            d.kernel(k);
        } catch (RuntimeException e) {
            console.printk("d%d: kernel failed to boot: %s", d.id(), e.getMessage());
            throw new HypervisorException("d" + d.id() + ": kernel failed to boot: " + e.getMessage(), e);
        } finally {
            d.cpuTime().add(System.nanoTime() - start);
        }
    }

    private static int cpuCount(DeviceTree host) {
        DtNode cpus = host.root().child("cpus");
        int n = 0;
        if (cpus != null) {
            for (DtNode c : cpus.children()) {
                if (c.has("device_type") && "cpu".equals(c.property("device_type").string())) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The HVC dispatch table (subsystems register their hypercalls here). */
    public HypercallTable hypercalls() {
        return hypercalls;
    }

    /** {@code physdev_op}'s command table (xpci registers {@code PHYSDEVOP_pci_device_add}). */
    public PhysdevOp physdevOp() {
        return physdevOp;
    }

    /** copy_from_guest / copy_to_guest. */
    public GuestMemory guestMemory() {
        return guestMemory;
    }

    /** Xen's heap, or null before boot. */
    public synchronized FrameAllocator heap() {
        return heap;
    }

    public Machine machine() {
        return machine;
    }

    public ConsoleRing consoleRing() {
        return console;
    }

    @Override
    public String version() {
        return "Xen " + MAJOR + "." + MINOR + EXTRA;
    }

    @Override
    public List<Domain> domains() {
        return new ArrayList<>(domains.values());
    }

    /** Every domain, as Xen's own type. */
    public List<XenDomain> xenDomains() {
        return new ArrayList<>(domains.values());
    }

    @Override
    public Optional<Domain> domain(String nameOrId) {
        return Optional.ofNullable(find(nameOrId));
    }

    /** The domain by name or domid, or null. */
    public XenDomain find(String nameOrId) {
        if (nameOrId == null) {
            return null;
        }
        for (XenDomain d : domains.values()) {
            if (d.name().equals(nameOrId)) {
                return d;
            }
        }
        try {
            return domains.get(Integer.parseInt(nameOrId.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private XenDomain require(String nameOrId) {
        XenDomain d = find(nameOrId);
        if (d == null) {
            // xl's find_domain: libxl_name_to_domid fails with ERROR_INVAL.
            throw new HypervisorException(nameOrId + " is an invalid domain identifier (rc=-6)");
        }
        return d;
    }

    @Override
    public synchronized Domain hardwareDomain() {
        if (dom0 == null) {
            throw new HypervisorException("Xen has not booted Dom0");
        }
        return dom0;
    }

    /**
     * {@code xl create}: domid and VMID, memory from Xen's heap at {@code GUEST_RAM0_BASE}, the tree
     * libxl writes, the vGIC, the config's PCI functions (and the vPCI node), then the kernel boots.
     * Anything that fails undoes what was done, so nothing leaks.
     */
    @Override
    public synchronized Domain create(DomainConfig config) {
        if (dom0 == null) {
            throw new HypervisorException("Xen has not booted: no domain can be created");
        }
        if (find(config.name()) != null) {
            throw new HypervisorException("domain with name \"" + config.name() + "\" already exists.");
        }
        int domid = freeId(1, DOMID_FIRST_RESERVED);
        if (domid < 0) {
            throw new HypervisorException("cannot create domain " + config.name() + ": no free domid");
        }
        // The VMID tags the domain's stage 2 in the TLBs and the SMMU: 8 bits, 0 is Dom0's.
        int vmid = freeVmid();
        if (vmid < 0) {
            throw new HypervisorException("cannot create domain " + config.name() + ": no free VMID");
        }
        XenDomain d;
        try {
            d = DomUBuilder.build(domid, config.name(), config.memoryMiB() << 20, config.vcpus(), vmid,
                    machine.system(), machine.memory(), heap, options.paBits(), MAJOR, MINOR,
                    HostTree.gicv2(machine.platform()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            console.printk("d%d: cannot build %s: %s", domid, config.name(), e.getMessage());
            throw new HypervisorException("cannot (re-)build domain " + config.name() + ": " + e.getMessage(), e);
        }
        d.ipaSpace().trace(trace.mmioTrap);
        domains.put(domid, d);
        console.printk("d%d: %s created: %dMB at %#x, %d vCPU(s), VMID %d", domid, config.name(),
                config.memoryMiB(), GuestLayout.RAM0_BASE, config.vcpus(), vmid);
        try {
            d.interrupts(interrupts.attachDomU(d));
            pci.domainBuilt(d, config.pci());
            d.state(DomainState.RUNNING);
            bootKernel(d);
        } catch (RuntimeException e) {
            teardown(d);
            throw e instanceof HypervisorException h ? h
                    : new HypervisorException("cannot create domain " + config.name() + ": " + e.getMessage(), e);
        }
        return d;
    }

    /**
     * {@code xl destroy}: the kernel stops, the domain's functions go back to quarantine, its vGIC
     * goes, its memory and P2M tables return to Xen's heap.
     */
    @Override
    public synchronized void destroy(String nameOrId) {
        XenDomain d = require(nameOrId);
        if (d.hardwareDomain()) {
            throw new HypervisorException("Cannot destroy privileged domain 0");
        }
        teardown(d);
    }

    private void teardown(XenDomain d) {
        d.state(DomainState.DYING);
        GuestKernel k = d.kernel();
        if (k != null) {
            k.shutdown();
        }
        // Devices first: once they are quarantined no DMA can reach the memory about to be freed.
        try {
            pci.domainDestroyed(d);
        } finally {
            interrupts.destroy(d);
            long bytes = d.memoryBytes();
            DomUBuilder.release(d, heap);
            domains.remove(d.id());
            d.state(DomainState.DEAD);
            console.printk("d%d: %s destroyed, %dMB returned to the heap", d.id(), d.name(), bytes >> 20);
        }
    }

    /**
     * Stops Xen (the machine is going away): every DomU is destroyed, Dom0's kernel shuts down and
     * Dom0's interrupts are released. Idempotent.
     */
    public synchronized void shutdown() {
        for (XenDomain d : new ArrayList<>(domains.values())) {
            if (!d.hardwareDomain()) {
                try {
                    teardown(d);
                } catch (RuntimeException e) {
                    console.printk("d%d: teardown at shutdown failed: %s", d.id(), e.getMessage());
                }
            }
        }
        XenDomain d0 = dom0;
        if (d0 != null && d0.state() != DomainState.DEAD) {
            d0.state(DomainState.DYING);
            GuestKernel k = d0.kernel();
            if (k != null) {
                k.shutdown();
            }
            interrupts.destroy(d0);
            d0.state(DomainState.DEAD);
            console.printk("Xen shut down");
        }
    }

    private int freeId(int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (!domains.containsKey(i)) {
                return i;
            }
        }
        return -1;
    }

    private int freeVmid() {
        boolean[] used = new boolean[256];
        for (XenDomain d : domains.values()) {
            used[d.p2m().vmid()] = true;
        }
        for (int v = 1; v < used.length; v++) {
            if (!used[v]) {
                return v;
            }
        }
        return -1;
    }

    @Override
    public void assignableAdd(String bdf) {
        pci.assignableAdd(bdf);
    }

    @Override
    public void assignableRemove(String bdf) {
        pci.assignableRemove(bdf);
    }

    @Override
    public List<String> assignableList() {
        return pci.assignableList();
    }

    @Override
    public PciAssignment attach(String domain, PciSpec spec) {
        return pci.attach(require(domain), spec);
    }

    @Override
    public void detach(String domain, String bdf) {
        pci.detach(require(domain), bdf);
    }

    @Override
    public List<PciDeviceStatus> pciDevices() {
        return pci.devices();
    }

    @Override
    public List<HostBridgeStatus> hostBridges() {
        return pci.hostBridges();
    }

    @Override
    public List<String> console() {
        return console.lines();
    }

    @Override
    public List<PolicyInfo> policies() {
        return pci.policies();
    }

    @Override
    public void setPolicy(String domain, String kind, String name) {
        pci.setPolicy(domain == null ? null : require(domain), kind, name);
    }

    @Override
    public org.trapdoor.api.irq.InterruptCounters interruptLedger() {
        return interrupts.ledger();
    }
}
