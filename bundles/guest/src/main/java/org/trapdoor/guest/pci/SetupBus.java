package org.trapdoor.guest.pci;

import static org.trapdoor.api.pci.PciConfig.*;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestPciHost.Window;
import org.trapdoor.guest.printk.BootLog;

/**
 * Resource assignment below a host bridge, as Linux's {@code drivers/pci/setup-bus.c} does it
 * after enumeration: bridge windows sized bottom-up from what sits behind them
 * ({@code pbus_size_io}, {@code pbus_size_mem}), each bus's BARs and windows placed largest
 * alignment first in the windows of the bus above ({@code pbus_assign_resources_sorted}, through
 * {@link ResourceWindows}), the bridges' base/limit registers programmed
 * ({@code pci_setup_bridge}), every BAR written and read back ({@code pci_std_update_resource}),
 * then decoding and bus mastering enabled ({@code pci_enable_resources}, {@code pci_set_master}).
 */
final class SetupBus {
    private final PciOps cfg;
    private final BootLog log;
    private final int segment;

    SetupBus(PciOps cfg, BootLog log, int segment) {
        this.cfg = cfg;
        this.log = log;
        this.segment = segment;
    }

    /** Assigns everything on {@code rootBus} and below it from the host bridge's {@code windows}. */
    void assignRootBus(List<PciDev> rootBus, List<Window> windows) {
        assignBus(rootBus, new ResourceWindows(windows));
    }

    private String name(int bus, int devfn) {
        return String.format("pci %04x:%02x:%02x.%d", segment, bus, devfn >> 3, devfn & 7);
    }

    /** Bridge windows are 1 MiB granular for memory, 4 KiB for I/O. */
    private static final long MEM_WINDOW_GRANULE = 1L << 20;
    private static final long IO_WINDOW_GRANULE = 1L << 12;

    private record Request(PciDev function, PciDev.Resource resource) {
    }

    /**
     * The window of {@code bridge} a resource below it must sit in ({@code pbus_size_mem}'s type
     * masks): I/O in the I/O window; prefetchable memory in the prefetchable window when there is
     * one (only 64-bit resources when that window is 64-bit); everything else in the memory window.
     */
    private static PciDev.WindowKind windowFor(PciDev bridge, PciDev.Resource r) {
        if (r.type == GuestBar.Type.IO) {
            return PciDev.WindowKind.IO;
        }
        if (r.prefetchable && bridge.windows[PciDev.WindowKind.PREF.ordinal()] != null
                && (!bridge.pref64 || r.type == GuestBar.Type.MEM64)) {
            return PciDev.WindowKind.PREF;
        }
        return PciDev.WindowKind.MEM;
    }

    /** {@code pbus_size_io/mem}, bottom-up: each window holds what sits below it, largest alignment first. */
    private void sizeBridge(PciDev b) {
        for (PciDev c : b.children) {
            if (c.isBridge()) {
                sizeBridge(c);
            }
        }
        for (PciDev.WindowKind k : PciDev.WindowKind.values()) {
            PciDev.BridgeWindow w = b.windows[k.ordinal()];
            if (w == null) {
                continue;
            }
            long sum = 0;
            long maxAlign = 0;
            for (PciDev c : b.children) {
                for (PciDev.Resource r : c.resources()) {
                    if (windowFor(b, r) == k) {
                        // Sorted by alignment, each item starts aligned: the sizes just add up.
                        sum += r.size;
                        maxAlign = Math.max(maxAlign, r.align);
                    }
                }
            }
            long granule = k == PciDev.WindowKind.IO ? IO_WINDOW_GRANULE : MEM_WINDOW_GRANULE;
            w.size = sum == 0 ? 0 : (sum + granule - 1) & -granule;
            w.align = Math.max(granule, maxAlign);
            w.prefetchable = k == PciDev.WindowKind.PREF;
            w.type = k == PciDev.WindowKind.IO ? GuestBar.Type.IO
                    : k == PciDev.WindowKind.PREF && b.pref64 ? GuestBar.Type.MEM64 : GuestBar.Type.MEM32;
        }
    }

    /**
     * {@code pbus_assign_resources_sorted} for one bus: its BARs and bridge windows, largest
     * alignment first, from {@code pool}; then each bridge's windows become the pool of the bus
     * behind it.
     */
    private void assignBus(List<PciDev> bus, ResourceWindows pool) {
        List<Request> all = new ArrayList<>();
        for (PciDev f : bus) {
            if (f.isBridge()) {
                sizeBridge(f);
            }
            for (PciDev.Resource r : f.resources()) {
                all.add(new Request(f, r));
            }
        }
        // Stable: equal alignments keep scan order, as Linux's sorted insertion does.
        all.sort((x, y) -> Long.compareUnsigned(y.resource().align, x.resource().align));
        for (Request r : all) {
            PciDev f = r.function();
            PciDev.Resource res = r.resource();
            String n = name(f.bus, f.devfn);
            String what = res instanceof PciDev.Bar bar ? "BAR " + bar.index : "bridge window";
            String kind = res.type == GuestBar.Type.IO ? "io" : "mem";
            ResourceWindows.Placement p = pool.allocate(res.type, res.prefetchable, res.size, res.align);
            if (p == null) {
                log.warn("%s: %s: no space for [%s size 0x%08x%s]", n, what, kind, res.size, res.flags());
                log.warn("%s: %s: failed to assign [%s size 0x%08x%s]", n, what, kind, res.size, res.flags());
                continue;
            }
            if (res instanceof PciDev.Bar bar && !writeBar(f, bar, p.busAddress(), n)) {
                continue;
            }
            res.bus = p.busAddress();
            res.cpu = p.cpuAddress();
            log.info("%s: %s: assigned [%s 0x%08x-0x%08x%s]", n, what, kind, res.cpu, res.cpu + res.size - 1, res.flags());
        }
        for (PciDev f : bus) {
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
    private List<Window> programBridgeWindows(PciDev b) {
        List<Window> below = new ArrayList<>();
        PciDev.BridgeWindow io = b.windows[PciDev.WindowKind.IO.ordinal()];
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
        PciDev.BridgeWindow mem = b.windows[PciDev.WindowKind.MEM.ordinal()];
        if (mem.assigned()) {
            long end = mem.bus + mem.size - 1;
            cfg.write(b.bus, b.devfn, 0x20, 4, (int) ((end >>> 16) & 0xfff0) << 16 | (int) ((mem.bus >>> 16) & 0xfff0));
            below.add(new Window(GuestBar.Type.MEM32, false, mem.bus, mem.cpu, mem.size));
        } else {
            cfg.write(b.bus, b.devfn, 0x20, 4, 0x0000_fff0);
        }
        PciDev.BridgeWindow pref = b.windows[PciDev.WindowKind.PREF.ordinal()];
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
    private boolean writeBar(PciDev f, PciDev.Bar b, long bus, String n) {
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

    /**
     * {@code pci_enable_resources} then {@code pci_set_master}: decoding is turned on for the
     * kinds of BAR that got an address (a failed BAR was reset and does not count).
     */
    void enable(PciDev f) {
        int old = cfg.read(f.bus, f.devfn, COMMAND, 2);
        int cmd = old;
        for (PciDev.Resource r : f.resources()) {
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
}
