package org.trapdoor.guest.pci;

import static org.trapdoor.api.pci.PciConfig.*;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.guest.GuestBar;
import org.trapdoor.api.guest.GuestCapability;
import org.trapdoor.guest.printk.BootLog;

/**
 * The PCI core's enumeration, as {@code drivers/pci/probe.c} does it behind a host bridge: scan a
 * bus through ECAM ({@code pci_scan_child_bus}), number the buses behind PCI-to-PCI bridges
 * depth-first ({@code pci_scan_bridge}), read and size every BAR ({@code __pci_read_base}), find
 * which bridge windows exist ({@code pci_read_bridge_windows}) and walk the capability lists.
 * Placing what it found is {@link SetupBus}'s job.
 */
final class PciProbe {
    /** Linux's ttl for the standard list ({@code PCI_FIND_CAP_TTL}). */
    static final int CAP_TTL = CAP_WALK_TTL;
    /** Linux's bound for the extended list: (4096 - 256) / 8. */
    static final int EXT_CAP_TTL = (4096 - 256) / 8;

    private final PciOps cfg;
    private final BootLog log;
    private final int segment;
    private final int busLast;
    /** Every function found, in scan order. */
    private final List<PciDev> found = new ArrayList<>();

    PciProbe(PciOps cfg, BootLog log, int segment, int busLast) {
        this.cfg = cfg;
        this.log = log;
        this.segment = segment;
        this.busLast = busLast;
    }

    /** Every function found so far, in scan order. */
    List<PciDev> functions() {
        return found;
    }

    /** Scans the root bus {@code bus} and everything behind it; returns the root bus's functions. */
    List<PciDev> scanRootBus(int bus) {
        List<PciDev> root = new ArrayList<>();
        scanBus(bus, root);
        return root;
    }

    private String name(int bus, int devfn) {
        return String.format("pci %04x:%02x:%02x.%d", segment, bus, devfn >> 3, devfn & 7);
    }

    /**
     * {@code pci_scan_child_bus}: the functions of {@code bus}, then (second pass) the buses
     * behind its bridges, numbered depth-first as Linux does when it assigns bus numbers itself.
     *
     * @return the highest bus number at or below {@code bus}
     */
    private int scanBus(int bus, List<PciDev> onBus) {
        for (int slot = 0; slot < 32; slot++) {
            int devfn = slot << 3;
            if (!present(bus, devfn)) {
                continue;
            }
            int ht = cfg.read(bus, devfn, HEADER_TYPE, 1);
            int fns = (ht & HEADER_TYPE_MULTIFUNCTION) != 0 ? 8 : 1;
            for (int fn = 0; fn < fns; fn++) {
                if (fn == 0 || present(bus, devfn | fn)) {
                    PciDev f = probeFunction(bus, devfn | fn);
                    if (f != null) {
                        onBus.add(f);
                    }
                }
            }
        }
        int max = bus;
        for (PciDev f : onBus) {
            if (f.isBridge()) {
                max = scanBridge(f, max);
            }
        }
        return max;
    }

    /** {@code pci_scan_bridge} with reassignment: secondary = next free bus, subordinate fixed after the scan. */
    private int scanBridge(PciDev b, int max) {
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
    private PciDev probeFunction(int bus, int devfn) {
        PciDev f = new PciDev();
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
        found.add(f);
        return f;
    }

    /**
     * {@code pci_read_bridge_windows}: the memory window always exists; the I/O and prefetchable
     * ones exist if their base registers hold a value or take one; the prefetchable window is
     * 64-bit when its type nibble says so.
     */
    private void probeBridgeWindows(PciDev b) {
        b.windows[PciDev.WindowKind.MEM.ordinal()] = new PciDev.BridgeWindow(PciDev.WindowKind.MEM);
        int io = cfg.read(b.bus, b.devfn, 0x1c, 2);
        if (io == 0) {
            cfg.write(b.bus, b.devfn, 0x1c, 2, 0xe0f0);
            io = cfg.read(b.bus, b.devfn, 0x1c, 2);
            cfg.write(b.bus, b.devfn, 0x1c, 2, 0);
        }
        if (io != 0) {
            b.windows[PciDev.WindowKind.IO.ordinal()] = new PciDev.BridgeWindow(PciDev.WindowKind.IO);
        }
        int pmem = cfg.read(b.bus, b.devfn, 0x24, 4);
        if (pmem == 0) {
            cfg.write(b.bus, b.devfn, 0x24, 4, 0xffe0_fff0);
            pmem = cfg.read(b.bus, b.devfn, 0x24, 4);
            cfg.write(b.bus, b.devfn, 0x24, 4, 0);
        }
        if (pmem != 0) {
            b.windows[PciDev.WindowKind.PREF.ordinal()] = new PciDev.BridgeWindow(PciDev.WindowKind.PREF);
            b.pref64 = (pmem & 0xf) == 1;
        }
    }

    /**
     * Sizes the BARs as {@code __pci_read_base} does: decoding off while the BARs hold all-ones,
     * original values and Command restored afterwards (pci-config.md §2).
     */
    private void sizeBars(PciDev f, int barCount, String n) {
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
            PciDev.Bar b = new PciDev.Bar();
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
                    0, b.size - 1, b.flags());
        }
        if (decode != 0) {
            cfg.write(f.bus, f.devfn, COMMAND, 2, cmd);
        }
    }

    /** {@code __pci_find_next_cap_ttl} over the whole list, then the extended list for PCIe functions. */
    private void walkCapabilities(PciDev f, String n) {
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
}
