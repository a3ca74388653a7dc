package org.trapdoor.guest;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.guest.GuestIommuDomain;
import org.trapdoor.api.guest.GuestIrqCount;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.guest.GuestMsiVector;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.guest.GuestPlatform;
import org.trapdoor.api.guest.Hypercalls;
import org.trapdoor.api.iommu.IommuFault;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.pci.host.HostBridgeBringUp;
import org.trapdoor.guest.dma.DmaApi;
import org.trapdoor.guest.dma.TestEndpointDma;
import org.trapdoor.guest.iommu.IommuSubsystem;
import org.trapdoor.guest.pci.PciHostGeneric;
import org.trapdoor.guest.pci.PciOps;
import org.trapdoor.guest.pci.vendor.PciXgene;
import org.trapdoor.guest.pci.vendor.PcieXilinx;
import org.trapdoor.guest.pci.vendor.PcieXilinxNwl;
import org.trapdoor.guest.printk.BootLog;
import org.trapdoor.guest.xen.XenGuest;

/**
 * A Linux-like kernel booted on a device-tree Arm machine: it runs against an address space (its
 * view of physical memory, with CPU loads and stores only) and the device tree it was given. The
 * same kernel serves a bare-metal boot and, later, a domain: only the two inputs differ.
 *
 * <p>At boot it probes every enabled {@code pci-host-ecam-generic} node in tree order, as
 * {@code pci-host-generic} would, then brings the GIC up and gives every function its MSI-X or
 * MSI vectors through the host's MSI controller ({@link MsiSubsystem}); its CPUs take the
 * interrupts through the {@link IrqFabric} they are wired to and count them. Between the two, the
 * SMMUs probe and every function behind one gets a DMA domain ({@link IommuSubsystem}), so that
 * its MSI doorbell and DMA buffers are mapped through it ({@link DmaApi}).
 *
 * <p>When the machine reports that the model on an MSI-controller node changed, the kernel
 * decides on its worker thread whether its MSI set-up still stands and re-probes if not
 * ({@link MsiHotplug}, {@link MsiReprobeRule}). {@link #close()} stops that.
 */
public final class LinuxKernel implements GuestKernel, AutoCloseable {
    /** What {@code pci-host-generic.c} matches. */
    public static final String ECAM_COMPATIBLE = "pci-host-ecam-generic";
    /** Lines kept in the boot log. */
    public static final int LOG_LINES = 2048;

    private static final Logger LOG = LoggerFactory.getLogger("org.trapdoor.guest.kernel");

    private final String name;
    private final BootLog log;
    private final List<GuestPciHost> hosts;
    private final List<GuestPciDevice> devices;
    private final MsiSubsystem msi;
    private final IommuSubsystem iommu;
    private final DmaApi dma;
    private final TestEndpointDma endpointDma;
    private final MsiHotplug hotplug;
    private final XenGuest xen;
    private volatile boolean shutDown;

    private LinuxKernel(String name, BootLog log, List<GuestPciHost> hosts, List<GuestPciDevice> devices,
            MsiSubsystem msi, IommuSubsystem iommu, DmaApi dma, MsiHotplug hotplug, XenGuest xen) {
        this.name = name;
        this.log = log;
        this.hosts = List.copyOf(hosts);
        this.devices = List.copyOf(devices);
        this.msi = msi;
        this.iommu = iommu;
        this.dma = dma;
        this.endpointDma = new TestEndpointDma(dma, msi.mmio());
        this.hotplug = hotplug;
        this.xen = xen;
    }

    /**
     * Kernel command-line parameters the model honours.
     *
     * @param iommuPassthrough {@code iommu.passthrough=1}: functions behind an SMMU get identity
     *                         (bypass) domains instead of DMA domains
     * @param vfioPciIds       {@code vfio-pci.ids=}: {@code vendor:device} pairs (hex) whose
     *                         functions are bound to {@code vfio-pci}; behind an SMMU they get an
     *                         unmanaged domain (as when their user attaches the group to a VFIO
     *                         container), whose MSI doorbells sit in the software MSI window
     * @param bringUps         the host-bridge bring-up sequences the platform's bridge plugins
     *                         offer: the drivers of bridges that need one run it at probe
     */
    public record Params(boolean iommuPassthrough, List<String> vfioPciIds, List<HostBridgeBringUp> bringUps) {
        public static final Params DEFAULT = new Params(false);

        public Params(boolean iommuPassthrough, List<String> vfioPciIds) {
            this(iommuPassthrough, vfioPciIds, List.of());
        }

        /** The same parameters with the bridge plugins' bring-up sequences. */
        public Params withBringUps(List<HostBridgeBringUp> sequences) {
            return new Params(iommuPassthrough, vfioPciIds, sequences);
        }

        public Params {
            bringUps = List.copyOf(bringUps);
            vfioPciIds = List.copyOf(vfioPciIds);
            for (String id : vfioPciIds) {
                parseId(id);
            }
        }

        public Params(boolean iommuPassthrough) {
            this(iommuPassthrough, List.of());
        }

        /** Whether {@code d} is bound to {@code vfio-pci} ({@code vfio_pci_core}'s id table match). */
        boolean vfio(GuestPciDevice d) {
            for (String id : vfioPciIds) {
                int[] vd = parseId(id);
                if (vd[0] == d.vendorId() && vd[1] == d.deviceId()) {
                    return true;
                }
            }
            return false;
        }

        private static int[] parseId(String id) {
            String[] p = id.trim().split(":");
            try {
                if (p.length == 2) {
                    int v = Integer.parseInt(p[0], 16);
                    int dev = Integer.parseInt(p[1], 16);
                    if (v >= 0 && v <= 0xffff && dev >= 0 && dev <= 0xffff) {
                        return new int[] {v, dev};
                    }
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("vfio-pci.ids: '" + id + "' is not vendor:device in hex");
        }
    }

    /** Boots with no CPUs wired to the interrupt controller: vectors are set up, nobody takes them. */
    public static LinuxKernel boot(String name, AddressSpace memory, DeviceTree tree) {
        return boot(name, memory, tree, IrqFabric.NONE, LOG_LINES);
    }

    /** Boots: probes the PCI host bridges of {@code tree} through {@code memory}, then sets interrupts up. */
    public static LinuxKernel boot(String name, AddressSpace memory, DeviceTree tree, IrqFabric fabric) {
        return boot(name, memory, tree, fabric, LOG_LINES);
    }

    static LinuxKernel boot(String name, AddressSpace memory, DeviceTree tree, int logLines) {
        return boot(name, memory, tree, IrqFabric.NONE, logLines);
    }

    static LinuxKernel boot(String name, AddressSpace memory, DeviceTree tree, IrqFabric fabric, int logLines) {
        return boot(name, memory, tree, fabric, logLines, Params.DEFAULT);
    }

    /** Boots with the given kernel parameters. */
    public static LinuxKernel boot(String name, AddressSpace memory, DeviceTree tree, IrqFabric fabric, Params params) {
        return boot(name, memory, tree, fabric, LOG_LINES, params, null);
    }

    /**
     * Boots on {@code platform}: its memory, its tree, its CPUs' interrupt wiring, and (under a
     * hypervisor) its hypercall, which the kernel uses when the tree has a {@code /hypervisor} node.
     */
    public static LinuxKernel boot(GuestPlatform platform, Params params) {
        IrqFabric fabric = platform.interrupts() == null ? IrqFabric.NONE : new PlatformIrqFabric(platform.interrupts());
        return boot(platform.name(), platform.memory(), platform.deviceTree(), fabric, LOG_LINES, params,
                platform.hypercalls());
    }

    static LinuxKernel boot(String name, AddressSpace memory, DeviceTree tree, IrqFabric fabric, int logLines,
            Params params) {
        return boot(name, memory, tree, fabric, logLines, params, null);
    }

    static LinuxKernel boot(String name, AddressSpace memory, DeviceTree tree, IrqFabric fabric, int logLines,
            Params params, Hypercalls hypercalls) {
        BootLog log = new BootLog(LOG, logLines);
        log.info("Booting Linux-like kernel model (%s)", name);
        log.info("Machine model: %s", tree.root().has("model") ? tree.root().property("model").string() : tree.source());
        MsiSubsystem msi = new MsiSubsystem(memory, tree, log, fabric);
        // Listening before the GIC and MSI controllers are probed: a swap during boot is not missed.
        MsiHotplug hotplug = new MsiHotplug(fabric, msi, log);
        msi.initIrq();
        // xen_early_init / xen_guest_init (early_initcall): after init_IRQ, before PCI.
        XenGuest xen = XenGuest.detect(tree, hypercalls, msi.pages(), msi.mmio(), log);
        List<GuestPciHost> hosts = new ArrayList<>();
        List<GuestPciDevice> devices = new ArrayList<>();
        List<PciHostGeneric> probed = new ArrayList<>();
        int nextSegment = 0;
        for (DtNode n : tree.nodes()) {
            // The host-bridge drivers this kernel has, by compatible (their of_match tables).
            boolean nwl = n.compatibles().contains(PcieXilinxNwl.COMPATIBLE);
            boolean xgene = n.compatibles().contains(PciXgene.COMPATIBLE);
            boolean axi = n.compatibles().contains(PcieXilinx.COMPATIBLE);
            if (!n.isEnabled() || !(nwl || xgene || axi || n.compatibles().contains(ECAM_COMPATIBLE))) {
                continue;
            }
            if (nwl && !PcieXilinxNwl.bridgeInit(n, msi.mmio(), log, params.bringUps())) {
                hosts.add(new GuestPciHost(n.path(), -1, 0, 0, 0, 0, List.of(), null, "bridge bring-up failed"));
                continue;
            }
            PciOps ops = null;
            if (xgene || axi) {
                ops = xgene ? PciXgene.probe(n, msi.mmio(), memory, log) : PcieXilinx.probe(n, msi.mmio(), memory, log);
                if (ops == null) {
                    hosts.add(new GuestPciHost(n.path(), -1, 0, 0, 0, 0, List.of(), null, "probe failed"));
                    continue;
                }
            }
            PciHostGeneric host;
            try {
                host = new PciHostGeneric(n, memory, log, nextSegment,
                        nwl ? PcieXilinxNwl.CFG : xgene ? PciXgene.CFG : null, ops);
            } catch (RuntimeException e) {
                // A malformed node fails its own probe only, as a driver probe error would.
                log.warn("pci-host-generic %s: probe failed: %s", n.path(), e.getMessage());
                hosts.add(new GuestPciHost(n.path(), -1, 0, 0, 0, 0, List.of(), null, e.getMessage()));
                continue;
            }
            host.probe();
            if (xen != null && xen.initialDomain()) {
                // xen_pci_notifier on BUS_NOTIFY_ADD_DEVICE: each function reaches Xen before its driver probes.
                for (GuestPciDevice d : host.devices()) {
                    xen.addDevice(d);
                }
            }
            probed.add(host);
            GuestPciHost info = host.info();
            nextSegment = Math.max(nextSegment, info.segment() + 1);
            hosts.add(info);
            devices.addAll(host.devices());
        }
        if (hosts.isEmpty()) {
            log.info("PCI: no %s host bridge in the device tree", ECAM_COMPATIBLE);
        }
        log.info("PCI: %d function(s) enumerated behind %d host bridge(s)", devices.size(), hosts.size());
        IommuSubsystem iommu = null;
        if (msi.pages() != null) {
            // The SMMUs probe and every function gets its DMA domain before any driver maps a
            // buffer or an MSI doorbell.
            iommu = new IommuSubsystem(tree, msi.mmio(), msi.pages(), log);
            List<IommuSubsystem.Function> functions = new ArrayList<>();
            for (PciHostGeneric host : probed) {
                GuestPciHost info = host.info();
                for (GuestPciDevice d : host.devices()) {
                    functions.add(new IommuSubsystem.Function(info, host.node(), d));
                }
            }
            iommu.probe(functions, params.iommuPassthrough(), params::vfio);
        }
        DmaApi dma = new DmaApi(iommu, msi.pages());
        msi.dma(dma);
        msi.setUpDevices(probed);
        hotplug.start();
        return new LinuxKernel(name, log, hosts, devices, msi, iommu, dma, hotplug, xen);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<GuestPciHost> pciHosts() {
        return hosts;
    }

    @Override
    public List<GuestPciDevice> pciDevices() {
        return devices;
    }

    @Override
    public List<String> bootLog() {
        return log.lines();
    }

    @Override
    public List<GuestMsiVector> msiVectors() {
        return msi.vectors();
    }

    @Override
    public List<GuestIrqCount> interruptCounts() {
        return msi.counts();
    }

    @Override
    public void reprobeMsi() {
        msi.reprobe();
    }

    /**
     * {@code echo BDF > /sys/bus/pci/drivers/DRIVER/unbind}, then the bind to xen-pciback, as libxl's
     * {@code pci-assignable-add} does from Dom0 (see {@link GuestKernel#releaseDevice}).
     */
    @Override
    public String releaseDevice(String bdf) {
        device(bdf);
        return msi.release(bdf);
    }

    @Override
    public long msiGeneration() {
        return msi.generation();
    }

    @Override
    public boolean awaitMsiSettled(long timeoutMillis) throws InterruptedException {
        return hotplug.awaitSettled(timeoutMillis);
    }

    @Override
    public long interruptsHandled() {
        return msi.cpu().total();
    }

    /** Stops acting on MSI-controller changes (the kernel is shut down or replaced). */
    @Override
    public void close() {
        hotplug.close();
    }

    /**
     * Stops the kernel, as when its domain is destroyed: no more re-probes, and its CPUs stop taking
     * interrupts (the handler no longer acknowledges on any CPU interface). Idempotent.
     */
    @Override
    public void shutdown() {
        if (shutDown) {
            return;
        }
        shutDown = true;
        log.info("reboot: Power down");
        close();
        msi.cpu().resolver(() -> null);
        msi.cpu().controller(null);
    }

    /** The kernel's Xen support, or null when it runs without a hypervisor. */
    public XenGuest xen() {
        return xen;
    }

    @Override
    public List<GuestIommuDomain> iommuDomains() {
        return iommu == null ? List.of() : iommu.domains();
    }

    @Override
    public List<IommuFault> iommuFaults() {
        return iommu == null ? List.of() : iommu.faults();
    }

    @Override
    public GuestDmaTest dmaTest(String bdf, long phys, int length, boolean toMemory) {
        GuestDmaTest r = endpointDma.mapped(device(bdf), phys, length, toMemory);
        log.info("%s", r.message());
        return r;
    }

    @Override
    public GuestDmaTest dmaRaw(String bdf, long busAddress, int length, boolean toMemory) {
        GuestDmaTest r = endpointDma.raw(device(bdf), busAddress, length, toMemory);
        log.info("%s", r.message());
        return r;
    }

    private GuestPciDevice device(String bdf) {
        for (GuestPciDevice d : devices) {
            if (d.bdf().equals(bdf)) {
                return d;
            }
        }
        throw new IllegalArgumentException("no PCI function " + bdf);
    }

    /** The DMA mapping API (drivers, tests). */
    public DmaApi dma() {
        return dma;
    }

    /** The IOMMU layer, or {@code null} without RAM for its tables (tests). */
    IommuSubsystem iommu() {
        return iommu;
    }

    /** The interrupt and MSI set-up (tests). */
    MsiSubsystem msi() {
        return msi;
    }
}
