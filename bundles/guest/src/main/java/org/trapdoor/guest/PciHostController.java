package org.trapdoor.guest;

import static org.trapdoor.api.pci.PciConfig.*;

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
import org.trapdoor.api.guest.GuestCapability;
import org.trapdoor.api.guest.GuestPciDevice;
import org.trapdoor.api.guest.GuestPciHost;
import org.trapdoor.api.guest.GuestPciHost.Window;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.guest.msi.ConfigPort;

/**
 * What Linux's {@code pci-host-generic} driver and the PCI core do for one
 * {@code pci-host-ecam-generic} node at boot: parse {@code reg}, {@code bus-range} and
 * {@code ranges}, scan the root bus through ECAM (and the buses behind PCI-to-PCI bridges,
 * numbering them), size every BAR, size and place bridge windows, assign addresses in the host
 * bridge's windows, enable the devices and walk their capabilities.
 *
 * <p>MSI: the controller records its MSI parent (from {@code msi-map} or {@code msi-parent});
 * the kernel's MSI set-up ({@code MsiSubsystem}) picks the domain for its devices from
 * {@link #msiControllers()}.
 */
final class PciHostController {
    /** Linux's ttl for the standard list ({@code PCI_FIND_CAP_TTL}). */
    static final int CAP_TTL = CAP_WALK_TTL;
    /** Linux's bound for the extended list: (4096 - 256) / 8. */
    static final int EXT_CAP_TTL = (4096 - 256) / 8;

    private final DtNode node;
    private final BootLog log;
    private final String dev;
    private final int segment;
    private final RegEntry ecam;
    private final int busFirst;
    private final int busLast;
    private final List<Window> windows = new ArrayList<>();
    private final DtNode msiParent;
    private final EcamAccessor cfg;
    private final List<Function> functions = new ArrayList<>();

    /** A config-space resource the kernel places: a BAR or a bridge window. */
    private abstract static class Resource {
        GuestBar.Type type;
        boolean prefetchable;
        long size;
        long align;
        long bus = -1;
        long cpu = -1;

        boolean assigned() {
            return bus >= 0;
        }
    }

    /** One sized BAR. */
    private static final class Bar extends Resource {
        int index;
    }

    /** Which of a type 1 header's three windows. */
    private enum WindowKind {
        IO, MEM, PREF
    }

    /** One forwarding window of a PCI-to-PCI bridge, sized from what sits below it. */
    private static final class BridgeWindow extends Resource {
        final WindowKind kind;

        BridgeWindow(WindowKind kind) {
            this.kind = kind;
        }
    }

    /** One function under construction. */
    private static final class Function {
        int bus;
        int devfn;
        int vendor;
        int device;
        int classCode;
        int revision;
        int headerType;
        int command;
        final List<Bar> bars = new ArrayList<>();
        final List<GuestCapability> caps = new ArrayList<>();
        // Type 1 only: the buses behind it and its windows (null where the bridge has none).
        int secondary = -1;
        final List<Function> children = new ArrayList<>();
        final BridgeWindow[] windows = new BridgeWindow[WindowKind.values().length];
        boolean pref64;

        boolean isBridge() {
            return headerType == HEADER_TYPE_BRIDGE;
        }
    }

    /**
     * Parses the node.
     *
     * @param defaultSegment the domain to use when the node has no {@code linux,pci-domain}
     * @throws DeviceTreeException when the node cannot describe an ECAM host (no {@code reg},
     *                             bad {@code bus-range} or {@code ranges})
     */
    PciHostController(DtNode node, AddressSpace memory, BootLog log, int defaultSegment) {
        this.node = node;
        this.log = log;
        List<RegEntry> reg = node.reg();
        if (reg.isEmpty()) {
            throw new DeviceTreeException(node.path() + ": no reg, so no ECAM window");
        }
        this.ecam = reg.get(0);
        this.dev = "pci-host-generic " + Long.toHexString(ecam.address()) + "." + node.baseName();
        this.segment = (int) node.u32("linux,pci-domain", defaultSegment);
        BusRange busr = BusRange.of(node);
        int first = busr.first();
        int last = busr.last();
        long maxBuses = ecam.size() >>> EcamAccessor.BUS_SHIFT;
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
        this.cfg = new EcamAccessor(memory, ecam.address(), busFirst, busLast);
        log.info("%s: ECAM at [mem 0x%x-0x%x] for [bus %02x-%02x]", dev, ecam.address(), ecam.end() - 1,
                busFirst, busLast);
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
    DtNode msiParent() {
        return msiParent;
    }

    /** The host-bridge node. */
    DtNode node() {
        return node;
    }

    /**
     * The MSI controllers this host's devices may signal through, in the order Linux tries them:
     * the {@code msi-map} targets, then the {@code msi-parent} entries.
     */
    List<DtNode> msiControllers() {
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
    ConfigPort configPort(GuestPciDevice d) {
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

    /** Enumerates, sizes, assigns and enables everything below the host bridge. */
    void probe() {
        log.info("%s: PCI host bridge to bus %04x:%02x", dev, segment, busFirst);
        log.info("pci_bus %04x:%02x: root bus resource [bus %02x-%02x]", segment, busFirst, busFirst, busLast);
        List<Function> root = new ArrayList<>();
        scanBus(busFirst, root);
        assignBus(root, new ResourceWindows(windows));
        for (Function f : functions) {
            enable(f);
        }
        if (msiParent != null) {
            log.info("%s: MSI parent %s", dev, msiParent.path());
        } else {
            log.info("%s: no msi-map or msi-parent: devices have no MSI domain", dev);
        }
    }

    // ------------------------------------------------------------------ enumeration

    private String name(int bus, int devfn) {
        return String.format("pci %04x:%02x:%02x.%d", segment, bus, devfn >> 3, devfn & 7);
    }

    /**
     * {@code pci_scan_child_bus}: the functions of {@code bus}, then (second pass) the buses
     * behind its bridges, numbered depth-first as Linux does when it assigns bus numbers itself.
     *
     * @return the highest bus number at or below {@code bus}
     */
    private int scanBus(int bus, List<Function> found) {
        for (int slot = 0; slot < 32; slot++) {
            int devfn = slot << 3;
            if (!present(bus, devfn)) {
                continue;
            }
            int ht = cfg.read(bus, devfn, HEADER_TYPE, 1);
            int fns = (ht & HEADER_TYPE_MULTIFUNCTION) != 0 ? 8 : 1;
            for (int fn = 0; fn < fns; fn++) {
                if (fn == 0 || present(bus, devfn | fn)) {
                    Function f = probeFunction(bus, devfn | fn);
                    if (f != null) {
                        found.add(f);
                    }
                }
            }
        }
        int max = bus;
        for (Function f : found) {
            if (f.isBridge()) {
                max = scanBridge(f, max);
            }
        }
        return max;
    }

    /** {@code pci_scan_bridge} with reassignment: secondary = next free bus, subordinate fixed after the scan. */
    private int scanBridge(Function b, int max) {
        String n = name(b.bus, b.devfn);
        int secondary = max + 1;
        int old = cfg.read(b.bus, b.devfn, 0x18, 4);
        int latency = old & 0xff00_0000;
        if (secondary > busLast) {
            log.warn("%s: no bus number left for the bus behind this bridge (root bus range ends at %02x)", n, busLast);
            cfg.write(b.bus, b.devfn, 0x18, 4, latency | b.bus);
            return max;
        }
        // Forward everything up to the end of the range while the buses below are scanned.
        cfg.write(b.bus, b.devfn, 0x18, 4, latency | busLast << 16 | secondary << 8 | b.bus);
        b.secondary = secondary;
        int sub = scanBus(secondary, b.children);
        cfg.write(b.bus, b.devfn, 0x18, 4, latency | sub << 16 | secondary << 8 | b.bus);
        log.info("%s: PCI bridge to [bus %02x-%02x]", n, secondary, sub);
        return sub;
    }

    /** Linux's {@code pci_bus_generic_read_dev_vendor_id}: all-ones and all-zeros mean nothing there. */
    private boolean present(int bus, int devfn) {
        int l = cfg.read(bus, devfn, VENDOR_ID, 4);
        return l != -1 && l != 0 && l != 0xffff_0000 && l != 0x0000_ffff;
    }

    /** Reads, sizes and walks one function; {@code null} for an unknown header type. */
    private Function probeFunction(int bus, int devfn) {
        Function f = new Function();
        f.bus = bus;
        f.devfn = devfn;
        int ids = cfg.read(bus, devfn, VENDOR_ID, 4);
        f.vendor = ids & 0xffff;
        f.device = ids >>> 16;
        int cls = cfg.read(bus, devfn, REVISION_ID, 4);
        f.classCode = cls >>> 8;
        f.revision = cls & 0xff;
        f.headerType = cfg.read(bus, devfn, HEADER_TYPE, 1) & HEADER_TYPE_MASK;
        String n = name(bus, devfn);
        log.info("%s: [%04x:%04x] type %02x class 0x%06x", n, f.vendor, f.device, f.headerType, f.classCode);
        int barCount;
        switch (f.headerType) {
            case HEADER_TYPE_NORMAL -> barCount = 6;
            case HEADER_TYPE_BRIDGE -> barCount = 2;
            case HEADER_TYPE_CARDBUS -> barCount = 1;
            default -> {
                log.warn("%s: unknown header type %02x, ignoring device", n, f.headerType);
                return null;
            }
        }
        sizeBars(f, barCount, n);
        walkCapabilities(f, n);
        if (f.isBridge()) {
            probeBridgeWindows(f);
        }
        functions.add(f);
        return f;
    }

    /**
     * {@code pci_read_bridge_windows}: the memory window always exists; the I/O and prefetchable
     * ones exist if their base registers hold a value or take one; the prefetchable window is
     * 64-bit when its type nibble says so.
     */
    private void probeBridgeWindows(Function b) {
        b.windows[WindowKind.MEM.ordinal()] = new BridgeWindow(WindowKind.MEM);
        int io = cfg.read(b.bus, b.devfn, 0x1c, 2);
        if (io == 0) {
            cfg.write(b.bus, b.devfn, 0x1c, 2, 0xe0f0);
            io = cfg.read(b.bus, b.devfn, 0x1c, 2);
            cfg.write(b.bus, b.devfn, 0x1c, 2, 0);
        }
        if (io != 0) {
            b.windows[WindowKind.IO.ordinal()] = new BridgeWindow(WindowKind.IO);
        }
        int pmem = cfg.read(b.bus, b.devfn, 0x24, 4);
        if (pmem == 0) {
            cfg.write(b.bus, b.devfn, 0x24, 4, 0xffe0_fff0);
            pmem = cfg.read(b.bus, b.devfn, 0x24, 4);
            cfg.write(b.bus, b.devfn, 0x24, 4, 0);
        }
        if (pmem != 0) {
            b.windows[WindowKind.PREF.ordinal()] = new BridgeWindow(WindowKind.PREF);
            b.pref64 = (pmem & 0xf) == 1;
        }
    }

    // ------------------------------------------------------------------ BAR sizing

    /**
     * Sizes the BARs as {@code __pci_read_base} does: decoding off while the BARs hold all-ones,
     * original values and Command restored afterwards (pci-config.md §2).
     */
    private void sizeBars(Function f, int barCount, String n) {
        int cmd = cfg.read(f.bus, f.devfn, COMMAND, 2);
        int decode = cmd & (COMMAND_MEMORY | COMMAND_IO);
        if (decode != 0) {
            cfg.write(f.bus, f.devfn, COMMAND, 2, cmd & ~decode);
        }
        for (int i = 0; i < barCount; i++) {
            int off = BAR0 + 4 * i;
            int orig = cfg.read(f.bus, f.devfn, off, 4);
            cfg.write(f.bus, f.devfn, off, 4, -1);
            int sz = cfg.read(f.bus, f.devfn, off, 4);
            cfg.write(f.bus, f.devfn, off, 4, orig);
            if (sz == -1 && orig == -1) {
                // A BAR that reads all-ones whatever is written is broken (or absent function).
                continue;
            }
            Bar b = new Bar();
            b.index = i;
            if ((orig & BAR_SPACE_IO) != 0) {
                b.type = GuestBar.Type.IO;
                long mask = sz & BAR_IO_MASK & 0xffffL;
                b.size = mask == 0 ? 0 : Long.lowestOneBit(mask);
            } else {
                b.prefetchable = (orig & BAR_MEM_PREFETCH) != 0;
                int memType = orig & BAR_MEM_TYPE_MASK;
                if (memType == BAR_MEM_TYPE_64) {
                    b.type = GuestBar.Type.MEM64;
                    if (i == barCount - 1) {
                        log.warn("%s: reg 0x%x: 64-bit BAR in the last slot, ignored", n, off);
                        continue;
                    }
                    int hiOff = off + 4;
                    int origHi = cfg.read(f.bus, f.devfn, hiOff, 4);
                    cfg.write(f.bus, f.devfn, hiOff, 4, -1);
                    int szHi = cfg.read(f.bus, f.devfn, hiOff, 4);
                    cfg.write(f.bus, f.devfn, hiOff, 4, origHi);
                    long mask = ((long) szHi << 32) | (sz & BAR_MEM_MASK & 0xffff_ffffL);
                    b.size = Long.lowestOneBit(mask);
                    i++;
                } else {
                    b.type = GuestBar.Type.MEM32;
                    if (memType != BAR_MEM_TYPE_32) {
                        log.warn("%s: reg 0x%x: reserved memory type %d treated as 32-bit", n, off, memType >> 1);
                    }
                    b.size = Long.lowestOneBit(sz & BAR_MEM_MASK & 0xffff_ffffL);
                }
            }
            if (b.size == 0) {
                continue;
            }
            b.align = b.size;
            f.bars.add(b);
            log.info("%s: reg 0x%x: [%s 0x%08x-0x%08x%s]", n, off, b.type == GuestBar.Type.IO ? "io" : "mem",
                    0, b.size - 1, flags(b));
        }
        if (decode != 0) {
            cfg.write(f.bus, f.devfn, COMMAND, 2, cmd);
        }
    }

    private static String flags(Resource b) {
        return (b.type == GuestBar.Type.MEM64 ? " 64bit" : "") + (b.prefetchable ? " pref" : "");
    }

    // ------------------------------------------------------------------ capabilities

    /** {@code __pci_find_next_cap_ttl} over the whole list, then the extended list for PCIe functions. */
    private void walkCapabilities(Function f, String n) {
        int status = cfg.read(f.bus, f.devfn, STATUS, 2);
        if ((status & STATUS_CAP_LIST) == 0) {
            return;
        }
        int pos = cfg.read(f.bus, f.devfn, f.headerType == HEADER_TYPE_CARDBUS ? 0x14 : CAPABILITY_LIST, 1);
        int ttl = CAP_TTL;
        boolean express = false;
        while (true) {
            if (pos < HEADER_END) {
                break;
            }
            if (ttl-- == 0) {
                log.warn("%s: capability list longer than %d entries (a loop?), walk stopped", n, CAP_TTL);
                break;
            }
            pos &= ~3;
            int ent = cfg.read(f.bus, f.devfn, pos, 2);
            int id = ent & 0xff;
            if (id == 0xff) {
                break;
            }
            f.caps.add(new GuestCapability(id, pos, false, 0));
            express |= id == CAP_ID_EXP;
            pos = ent >>> 8;
        }
        if (!express) {
            return;
        }
        // pci_cfg_space_size_ext: extended config space exists if the first dword is readable.
        int header = cfg.read(f.bus, f.devfn, EXT_CAP_START, 4);
        if (header == -1 || header == 0) {
            return;
        }
        int epos = EXT_CAP_START;
        int ettl = EXT_CAP_TTL;
        while (ettl-- > 0) {
            f.caps.add(new GuestCapability(header & 0xffff, epos, true, (header >>> 16) & 0xf));
            epos = (header >>> 20) & 0xffc;
            if (epos < EXT_CAP_START) {
                return;
            }
            header = cfg.read(f.bus, f.devfn, epos, 4);
            if (header == 0 || header == -1) {
                return;
            }
        }
        log.warn("%s: extended capability list longer than %d entries (a loop?), walk stopped", n, EXT_CAP_TTL);
    }

    // ------------------------------------------------------------------ assignment

    /** Bridge windows are 1 MiB granular for memory, 4 KiB for I/O. */
    private static final long MEM_WINDOW_GRANULE = 1L << 20;
    private static final long IO_WINDOW_GRANULE = 1L << 12;

    private record Request(Function function, Resource resource) {
    }

    /**
     * The window of {@code bridge} a resource below it must sit in ({@code pbus_size_mem}'s type
     * masks): I/O in the I/O window; prefetchable memory in the prefetchable window when there is
     * one (only 64-bit resources when that window is 64-bit); everything else in the memory window.
     */
    private static WindowKind windowFor(Function bridge, Resource r) {
        if (r.type == GuestBar.Type.IO) {
            return WindowKind.IO;
        }
        if (r.prefetchable && bridge.windows[WindowKind.PREF.ordinal()] != null
                && (!bridge.pref64 || r.type == GuestBar.Type.MEM64)) {
            return WindowKind.PREF;
        }
        return WindowKind.MEM;
    }

    /** Resources of one function that need a place: its BARs and, for a bridge, its non-empty windows. */
    private static List<Resource> resources(Function f) {
        List<Resource> out = new ArrayList<>(f.bars);
        for (BridgeWindow w : f.windows) {
            if (w != null && w.size > 0) {
                out.add(w);
            }
        }
        return out;
    }

    /** {@code pbus_size_io/mem}, bottom-up: each window holds what sits below it, largest alignment first. */
    private void sizeBridge(Function b) {
        for (Function c : b.children) {
            if (c.isBridge()) {
                sizeBridge(c);
            }
        }
        for (WindowKind k : WindowKind.values()) {
            BridgeWindow w = b.windows[k.ordinal()];
            if (w == null) {
                continue;
            }
            long sum = 0;
            long maxAlign = 0;
            for (Function c : b.children) {
                for (Resource r : resources(c)) {
                    if (windowFor(b, r) == k) {
                        // Sorted by alignment, each item starts aligned: the sizes just add up.
                        sum += r.size;
                        maxAlign = Math.max(maxAlign, r.align);
                    }
                }
            }
            long granule = k == WindowKind.IO ? IO_WINDOW_GRANULE : MEM_WINDOW_GRANULE;
            w.size = sum == 0 ? 0 : (sum + granule - 1) & -granule;
            w.align = Math.max(granule, maxAlign);
            w.prefetchable = k == WindowKind.PREF;
            w.type = k == WindowKind.IO ? GuestBar.Type.IO
                    : k == WindowKind.PREF && b.pref64 ? GuestBar.Type.MEM64 : GuestBar.Type.MEM32;
        }
    }

    /**
     * {@code pbus_assign_resources_sorted} for one bus: its BARs and bridge windows, largest
     * alignment first, from {@code pool}; then each bridge's windows become the pool of the bus
     * behind it.
     */
    private void assignBus(List<Function> bus, ResourceWindows pool) {
        List<Request> all = new ArrayList<>();
        for (Function f : bus) {
            if (f.isBridge()) {
                sizeBridge(f);
            }
            for (Resource r : resources(f)) {
                all.add(new Request(f, r));
            }
        }
        // Stable: equal alignments keep scan order, as Linux's sorted insertion does.
        all.sort((x, y) -> Long.compareUnsigned(y.resource().align, x.resource().align));
        for (Request r : all) {
            Function f = r.function();
            Resource res = r.resource();
            String n = name(f.bus, f.devfn);
            String what = res instanceof Bar bar ? "BAR " + bar.index : "bridge window";
            String kind = res.type == GuestBar.Type.IO ? "io" : "mem";
            ResourceWindows.Placement p = pool.allocate(res.type, res.prefetchable, res.size, res.align);
            if (p == null) {
                log.warn("%s: %s: no space for [%s size 0x%08x%s]", n, what, kind, res.size, flags(res));
                log.warn("%s: %s: failed to assign [%s size 0x%08x%s]", n, what, kind, res.size, flags(res));
                continue;
            }
            if (res instanceof Bar bar && !writeBar(f, bar, p.busAddress(), n)) {
                continue;
            }
            res.bus = p.busAddress();
            res.cpu = p.cpuAddress();
            log.info("%s: %s: assigned [%s 0x%08x-0x%08x%s]", n, what, kind, res.cpu, res.cpu + res.size - 1, flags(res));
        }
        for (Function f : bus) {
            if (f.isBridge()) {
                List<Window> below = programBridgeWindows(f);
                if (f.secondary >= 0) {
                    assignBus(f.children, new ResourceWindows(below));
                }
            }
        }
    }

    /**
     * {@code pci_setup_bridge}: writes base/limit of each window (a closed window has base above
     * limit) and returns the assigned ones as the apertures of the bus behind.
     */
    private List<Window> programBridgeWindows(Function b) {
        List<Window> below = new ArrayList<>();
        BridgeWindow io = b.windows[WindowKind.IO.ordinal()];
        if (io != null) {
            if (io.assigned()) {
                long end = io.bus + io.size - 1;
                cfg.write(b.bus, b.devfn, 0x30, 4, (int) ((end >>> 16) << 16 | (io.bus >>> 16)));
                cfg.write(b.bus, b.devfn, 0x1c, 2, (int) ((end >>> 8) & 0xf0) << 8 | (int) ((io.bus >>> 8) & 0xf0));
                below.add(new Window(GuestBar.Type.IO, false, io.bus, io.cpu, io.size));
            } else {
                cfg.write(b.bus, b.devfn, 0x1c, 2, 0x00f0);
            }
        }
        BridgeWindow mem = b.windows[WindowKind.MEM.ordinal()];
        if (mem.assigned()) {
            long end = mem.bus + mem.size - 1;
            cfg.write(b.bus, b.devfn, 0x20, 4, (int) ((end >>> 16) & 0xfff0) << 16 | (int) ((mem.bus >>> 16) & 0xfff0));
            below.add(new Window(GuestBar.Type.MEM32, false, mem.bus, mem.cpu, mem.size));
        } else {
            cfg.write(b.bus, b.devfn, 0x20, 4, 0x0000_fff0);
        }
        BridgeWindow pref = b.windows[WindowKind.PREF.ordinal()];
        if (pref != null) {
            if (pref.assigned()) {
                long end = pref.bus + pref.size - 1;
                cfg.write(b.bus, b.devfn, 0x24, 4, (int) ((end >>> 16) & 0xfff0) << 16 | (int) ((pref.bus >>> 16) & 0xfff0));
                if (b.pref64) {
                    cfg.write(b.bus, b.devfn, 0x28, 4, (int) (pref.bus >>> 32));
                    cfg.write(b.bus, b.devfn, 0x2c, 4, (int) (end >>> 32));
                }
                below.add(new Window(pref.type, true, pref.bus, pref.cpu, pref.size));
            } else {
                cfg.write(b.bus, b.devfn, 0x24, 4, 0x0000_fff0);
                if (b.pref64) {
                    cfg.write(b.bus, b.devfn, 0x28, 4, 0);
                    cfg.write(b.bus, b.devfn, 0x2c, 4, 0);
                }
            }
        }
        return below;
    }

    /**
     * {@code pci_std_update_resource}: the address with the BAR's own (read-only) flag bits, then
     * a read-back check; returns whether the BAR now holds the address.
     */
    private boolean writeBar(Function f, Bar b, long bus, String n) {
        int off = BAR0 + 4 * b.index;
        int lowFlags = cfg.read(f.bus, f.devfn, off, 4) & (b.type == GuestBar.Type.IO ? ~BAR_IO_MASK : ~BAR_MEM_MASK);
        cfg.write(f.bus, f.devfn, off, 4, (int) bus | lowFlags);
        if (b.type == GuestBar.Type.MEM64) {
            cfg.write(f.bus, f.devfn, off + 4, 4, (int) (bus >>> 32));
        }
        long lo = cfg.read(f.bus, f.devfn, off, 4) & 0xffff_ffffL;
        long readBack = lo & (b.type == GuestBar.Type.IO ? BAR_IO_MASK : BAR_MEM_MASK) & 0xffff_ffffL;
        if (b.type == GuestBar.Type.MEM64) {
            readBack |= (cfg.read(f.bus, f.devfn, off + 4, 4) & 0xffff_ffffL) << 32;
        }
        if (readBack != bus) {
            log.warn("%s: BAR %d: error updating (0x%x != 0x%x)", n, b.index, readBack, bus);
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ enable

    /**
     * {@code pci_enable_resources} then {@code pci_set_master}: decoding is turned on for the
     * kinds of BAR that got an address (a failed BAR was reset and does not count).
     */
    private void enable(Function f) {
        int old = cfg.read(f.bus, f.devfn, COMMAND, 2);
        int cmd = old;
        for (Resource r : resources(f)) {
            if (r.assigned()) {
                cmd |= r.type == GuestBar.Type.IO ? COMMAND_IO : COMMAND_MEMORY;
            }
        }
        if ((cmd & ~old & (COMMAND_IO | COMMAND_MEMORY)) != 0) {
            log.info("%s: enabling device (%04x -> %04x)", name(f.bus, f.devfn), old, cmd);
        }
        cmd |= COMMAND_MASTER;
        if (cmd != old) {
            cfg.write(f.bus, f.devfn, COMMAND, 2, cmd);
        }
        f.command = cfg.read(f.bus, f.devfn, COMMAND, 2);
    }

    // ------------------------------------------------------------------ results

    GuestPciHost info() {
        return new GuestPciHost(node.path(), segment, ecam.address(), ecam.size(), busFirst, busLast, windows,
                msiParent == null ? null : msiParent.path(), null);
    }

    List<GuestPciDevice> devices() {
        List<GuestPciDevice> out = new ArrayList<>();
        for (Function f : functions) {
            List<GuestBar> bars = new ArrayList<>();
            for (Bar b : f.bars) {
                bars.add(new GuestBar(b.index, b.type, b.prefetchable, b.size, b.bus, b.cpu));
            }
            out.add(new GuestPciDevice(node.path(), segment, f.bus, f.devfn, f.vendor, f.device, f.classCode,
                    f.revision, f.headerType, f.command, bars, f.caps));
        }
        return out;
    }
}
