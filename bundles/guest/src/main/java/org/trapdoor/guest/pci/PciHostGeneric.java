package org.trapdoor.guest.pci;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost.Window;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.guest.printk.BootLog;

/**
 * Linux's {@code pci-host-generic} driver ({@code pci_host_common_probe}) for one
 * {@code pci-host-ecam-generic} node: parse {@code reg} (the ECAM window), {@code bus-range},
 * {@code ranges} (the host bridge's windows) and the MSI parent, then have the PCI core enumerate
 * the root bus ({@link PciProbe}, {@code probe.c}) and assign and enable what it found
 * ({@link SetupBus}, {@code setup-bus.c}).
 *
 * <p>MSI: the controller records its MSI parent (from {@code msi-map} or {@code msi-parent});
 * the kernel's MSI set-up ({@code MsiSubsystem}) picks the domain for its devices from
 * {@link #msiControllers()}.
 */
public final class PciHostGeneric {
    /** Linux's bound for the extended capability list: (4096 - 256) / 8. */
    public static final int EXT_CAP_TTL = PciProbe.EXT_CAP_TTL;

    private final DtNode node;
    private final BootLog log;
    private final String dev;
    private final int segment;
    private final RegEntry ecam;
    private final int busFirst;
    private final int busLast;
    private final List<Window> windows = new ArrayList<>();
    private final DtNode msiParent;
    private final PciOps cfg;
    private final PciProbe probe;

    /**
     * Parses the node.
     *
     * @param defaultSegment the domain to use when the node has no {@code linux,pci-domain}
     * @throws DeviceTreeException when the node cannot describe an ECAM host (no {@code reg},
     *                             bad {@code bus-range} or {@code ranges})
     */
    public PciHostGeneric(DtNode node, AddressSpace memory, BootLog log, int defaultSegment) {
        this(node, memory, log, defaultSegment, null);
    }

    /**
     * Parses the node of a bridge whose ECAM window is the {@code reg} entry named {@code cfgName}
     * ({@code "cfg"} for ZynqMP NWL, as {@code nwl_pcie_parse_dt} finds it), or entry 0 when null.
     */
    public PciHostGeneric(DtNode node, AddressSpace memory, BootLog log, int defaultSegment, String cfgName) {
        this(node, memory, log, defaultSegment, cfgName, null);
    }

    /**
     * Parses the node of a bridge whose config window is the {@code reg} entry named
     * {@code cfgName} but is reached through the bridge's own accessors ({@code ops}: Linux's
     * {@code bridge->ops}, X-Gene's {@code xgene_pcie_ops}), not ECAM: the bus range is the
     * node's, whatever the window's size.
     */
    public PciHostGeneric(DtNode node, AddressSpace memory, BootLog log, int defaultSegment, String cfgName,
            PciOps ops) {
        this.node = node;
        this.log = log;
        List<RegEntry> reg = node.reg();
        RegEntry window = cfgName == null ? (reg.isEmpty() ? null : reg.get(0)) : node.reg(cfgName);
        if (window == null) {
            throw new DeviceTreeException(node.path() + (cfgName == null ? ": no reg, so no ECAM window"
                    : ": no \"" + cfgName + "\" in reg-names, so no ECAM window"));
        }
        this.ecam = window;
        this.dev = "pci-host-generic " + Long.toHexString(ecam.address()) + "." + node.baseName();
        this.segment = (int) node.u32("linux,pci-domain", defaultSegment);
        BusRange busr = BusRange.of(node);
        int first = busr.first();
        int last = busr.last();
        long maxBuses = ops != null ? last - first + 1 : PciEcam.LAYOUT.buses(ecam.size());
        if (maxBuses < 1) {
            throw new DeviceTreeException(String.format("%s: ECAM window of 0x%x bytes holds no whole bus",
                    node.path(), ecam.size()));
        }
        if (last - first + 1 > maxBuses) {
            int reduced = (int) (first + maxBuses - 1);
            log.warn("%s: ECAM area [mem 0x%x-0x%x] can only accommodate [bus %02x-%02x] (reduced from [bus %02x-%02x] desired)",
                    dev, ecam.address(), ecam.end() - 1, first, reduced, first, last);
            last = reduced;
        }
        this.busFirst = first;
        this.busLast = last;
        log.info("%s: host bridge %s ranges:", dev, node.path());
        for (PciRange r : node.pciRanges()) {
            GuestBar.Type t = switch (r.space()) {
                case IO -> GuestBar.Type.IO;
                case MEM32 -> GuestBar.Type.MEM32;
                case MEM64 -> GuestBar.Type.MEM64;
                case CONFIG -> null;
            };
            if (t == null || r.size() == 0) {
                log.warn("%s: ignoring %s range at 0x%x", dev, r.space(), r.cpuAddress());
                continue;
            }
            windows.add(new Window(t, r.prefetchable(), r.pciAddress(), r.cpuAddress(), r.size()));
            log.info("%s: %8s 0x%010x..0x%010x -> 0x%010x", dev, t == GuestBar.Type.IO ? "IO" : "MEM",
                    r.cpuAddress(), r.cpuAddress() + r.size() - 1, r.pciAddress());
        }
        DtNode msi;
        try {
            msi = findMsiParent(node);
        } catch (DeviceTreeException e) {
            // A broken msi-map costs MSI, not enumeration.
            log.warn("%s: %s; devices will have no MSI domain", dev, e.getMessage());
            msi = null;
        }
        this.msiParent = msi;
        this.cfg = ops != null ? ops : new PciEcam(memory, ecam.address(), busFirst, busLast);
        this.probe = new PciProbe(cfg, log, segment, busLast);
        log.info("%s: %s at [mem 0x%x-0x%x] for [bus %02x-%02x]", dev, ops != null ? "config window" : "ECAM",
                ecam.address(), ecam.end() - 1, busFirst, busLast);
    }

    private static DtNode findMsiParent(DtNode node) {
        IdMap map = node.msiMap();
        if (map != null && !map.entries().isEmpty()) {
            return map.entries().get(0).target();
        }
        List<PhandleRef> parents = node.msiParent();
        return parents.isEmpty() ? null : parents.get(0).node();
    }

    /** The MSI controller node this host's devices signal through, or {@code null}. */
    public DtNode msiParent() {
        return msiParent;
    }

    /** The host-bridge node. */
    public DtNode node() {
        return node;
    }

    /**
     * The MSI controllers this host's devices may signal through, in the order Linux tries them:
     * the {@code msi-map} targets, then the {@code msi-parent} entries.
     */
    public List<DtNode> msiControllers() {
        List<DtNode> out = new ArrayList<>();
        try {
            IdMap map = node.msiMap();
            if (map != null) {
                for (IdMap.Entry e : map.entries()) {
                    if (e.target() != null && !out.contains(e.target())) {
                        out.add(e.target());
                    }
                }
            }
            for (PhandleRef p : node.msiParent()) {
                if (p.node() != null && !out.contains(p.node())) {
                    out.add(p.node());
                }
            }
        } catch (DeviceTreeException e) {
            log.warn("%s: %s", dev, e.getMessage());
        }
        return out;
    }

    /** Config-space access to one function behind this host, through ECAM. */
    public ConfigPort configPort(GuestPciDevice d) {
        return new ConfigPort() {
            @Override
            public int read(int offset, int size) {
                return cfg.read(d.bus(), d.devfn(), offset, size);
            }

            @Override
            public void write(int offset, int size, int value) {
                cfg.write(d.bus(), d.devfn(), offset, size, value);
            }
        };
    }

    /**
     * {@code pci_host_probe}: enumerates ({@link PciProbe}), then sizes, assigns and enables
     * ({@link SetupBus}) everything below the host bridge.
     */
    public void probe() {
        log.info("%s: PCI host bridge to bus %04x:%02x", dev, segment, busFirst);
        log.info("pci_bus %04x:%02x: root bus resource [bus %02x-%02x]", segment, busFirst, busFirst, busLast);
        List<PciDev> root = probe.scanRootBus(busFirst);
        SetupBus setup = new SetupBus(cfg, log, segment);
        setup.assignRootBus(root, windows);
        for (PciDev f : probe.functions()) {
            setup.enable(f);
        }
        if (msiParent != null) {
            log.info("%s: MSI parent %s", dev, msiParent.path());
        } else {
            log.info("%s: no msi-map or msi-parent: devices have no MSI domain", dev);
        }
    }

    // ------------------------------------------------------------------ results

    public GuestPciHost info() {
        return new GuestPciHost(node.path(), segment, ecam.address(), ecam.size(), busFirst, busLast, windows,
                msiParent == null ? null : msiParent.path(), null);
    }

    public List<GuestPciDevice> devices() {
        List<GuestPciDevice> out = new ArrayList<>();
        for (PciDev f : probe.functions()) {
            List<GuestBar> bars = new ArrayList<>();
            for (PciDev.Bar b : f.bars) {
                bars.add(new GuestBar(b.index, b.type, b.prefetchable, b.size, b.bus, b.cpu));
            }
            out.add(new GuestPciDevice(node.path(), segment, f.bus, f.devfn, f.vendor, f.device, f.classCode,
                    f.revision, f.headerType, f.command, bars, f.caps));
        }
        return out;
    }
}
