package org.trapdoor.shell.lspci;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders config images as pciutils' {@code lspci} does: the terse line, {@code -v} details
 * (BARs, capabilities with MSI, MSI-X and PCI Express decoded), hex dumps in the format
 * {@code lspci -F} reads back ({@code lib/dump.c}), and the {@code -t} tree.
 *
 * <p>One deliberate difference: MSI address/data/mask, the MSI-X table and PBA locations and the
 * PCI Express capability version are shown from {@code -v} on (pciutils waits for {@code -vv}),
 * because they are what a user of this platform looks at first.
 */
public final class LspciFormatter {
    /** BAR sizes known to the kernel (Linux's sysfs {@code resource}); 0 when unknown. */
    @FunctionalInterface
    public interface BarSizes {
        long size(ConfigImage function, int bar);

        BarSizes UNKNOWN = (f, b) -> 0;
    }

    private final LspciOptions opt;
    private final BarSizes sizes;

    public LspciFormatter(LspciOptions options, BarSizes sizes) {
        this.opt = options;
        this.sizes = sizes == null ? BarSizes.UNKNOWN : sizes;
    }

    /** The whole output for these functions (already filtered). */
    public String format(List<ConfigImage> functions) {
        if (opt.tree()) {
            return tree(functions);
        }
        boolean domains = opt.domains() || functions.stream().anyMatch(f -> f.segment() != 0);
        StringBuilder sb = new StringBuilder();
        for (ConfigImage f : functions) {
            device(sb, f, domains);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ one device

    static String slot(ConfigImage f, boolean domain) {
        String s = String.format("%02x:%02x.%d", f.bus(), f.slot(), f.function());
        return domain ? String.format("%04x:", f.segment()) + s : s;
    }

    private void device(StringBuilder sb, ConfigImage f, boolean domains) {
        sb.append(slot(f, domains)).append(' ')
                .append(PciNames.deviceClass(f.classWord(), opt.numeric())).append(": ")
                .append(PciNames.device(f.vendorId(), f.deviceId(), opt.numeric()));
        if (f.revision() != 0) {
            sb.append(String.format(" (rev %02x)", f.revision()));
        }
        String progIfName = PciNames.progIf(f.classWord(), f.progIf());
        if (opt.verbose() > 0 && (f.progIf() != 0 || progIfName != null)) {
            sb.append(String.format(" (prog-if %02x", f.progIf()));
            if (progIfName != null) {
                sb.append(" [").append(progIfName).append(']');
            }
            sb.append(')');
        }
        sb.append('\n');
        if (opt.verbose() > 0) {
            verbose(sb, f);
        }
        if (opt.hex() > 0) {
            hexDump(sb, f, opt.dumpBytes(f.size()));
        }
        if (opt.verbose() > 0 || opt.hex() > 0) {
            sb.append('\n');
        }
    }

    /** {@code show_hex_dump}: 16 bytes a line, offset then lowercase 2-digit bytes. */
    static void hexDump(StringBuilder sb, ConfigImage f, int count) {
        for (int i = 0; i < count; i++) {
            if ((i & 15) == 0) {
                sb.append(String.format("%02x:", i));
            }
            sb.append(String.format(" %02x", f.u8(i)));
            if ((i & 15) == 15) {
                sb.append('\n');
            }
        }
    }

    private static char flag(long v, int bit) {
        return (v & bit) != 0 ? '+' : '-';
    }

    private void verbose(StringBuilder sb, ConfigImage f) {
        int cmd = f.u16(0x04);
        int status = f.u16(0x06);
        int type = f.headerType();
        if (type == 0) {
            int sv = f.u16(0x2c);
            int sd = f.u16(0x2e);
            if (sv != 0 && sv != 0xffff) {
                sb.append("\tSubsystem: ").append(PciNames.device(sv, sd, opt.numeric())).append('\n');
            }
        }
        String devsel = switch ((status >> 9) & 3) {
            case 0 -> "fast";
            case 1 -> "medium";
            case 2 -> "slow";
            default -> "??";
        };
        if (opt.verbose() > 1) {
            sb.append(String.format("\tControl: I/O%c Mem%c BusMaster%c SpecCycle%c MemWINV%c VGASnoop%c ParErr%c "
                    + "Stepping%c SERR%c FastB2B%c DisINTx%c\n", flag(cmd, 1), flag(cmd, 2), flag(cmd, 4),
                    flag(cmd, 8), flag(cmd, 0x10), flag(cmd, 0x20), flag(cmd, 0x40), flag(cmd, 0x80),
                    flag(cmd, 0x100), flag(cmd, 0x200), flag(cmd, 0x400)));
            sb.append(String.format("\tStatus: Cap%c 66MHz%c UDF%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c "
                    + "<TAbort%c <MAbort%c >SERR%c <PERR%c INTx%c\n", flag(status, 0x10), flag(status, 0x20),
                    flag(status, 0x40), flag(status, 0x80), flag(status, 0x100), devsel.equals("??") ? "??" : devsel,
                    flag(status, 0x800), flag(status, 0x1000), flag(status, 0x2000), flag(status, 0x4000),
                    flag(status, 0x8000), flag(status, 0x8)));
            if ((cmd & 4) != 0) {
                sb.append("\tLatency: ").append(f.u8(0x0d));
                if (f.u8(0x0c) != 0) {
                    sb.append(", Cache Line Size: ").append(f.u8(0x0c) * 4).append(" bytes");
                }
                sb.append('\n');
            }
            // The IRQ is what firmware wrote into Interrupt Line, as pciutils reads it from a dump.
            int pin = f.u8(0x3d);
            if (pin != 0 || f.u8(0x3c) != 0) {
                sb.append(String.format("\tInterrupt: pin %c routed to IRQ %d\n", pin != 0 ? (char) ('A' + pin - 1) : '?',
                        f.u8(0x3c)));
            }
        } else {
            sb.append("\tFlags: ");
            if ((cmd & 4) != 0) {
                sb.append("bus master, ");
            }
            if ((status & 0x20) != 0) {
                sb.append("66MHz, ");
            }
            sb.append(devsel).append(" devsel");
            if ((cmd & 4) != 0) {
                sb.append(", latency ").append(f.u8(0x0d));
            }
            if (f.u8(0x3c) != 0) {
                sb.append(", IRQ ").append(f.u8(0x3c));
            }
            sb.append('\n');
        }
        bars(sb, f, cmd, type == 0 ? 6 : type == 1 ? 2 : 1);
        if (type == 0) {
            rom(sb, f);
        } else if (type == 1) {
            bridge(sb, f);
        }
        boolean express = capabilities(sb, f);
        if (express && f.size() > 256) {
            extendedCapabilities(sb, f);
        }
    }

    /** {@code show_bases}. */
    private void bars(StringBuilder sb, ConfigImage f, int cmd, int count) {
        for (int i = 0; i < count; i++) {
            long flg = f.u32(0x10 + 4 * i);
            if (flg == 0xffff_ffffL) {
                flg = 0;
            }
            long len = sizes.size(f, i);
            boolean io = (flg & 1) != 0;
            boolean mem64 = !io && (flg & 6) == 4;
            boolean broken = mem64 && i == count - 1;
            long hi = mem64 && !broken ? f.u32(0x10 + 4 * (i + 1)) : 0;
            long pos = io ? flg & ~3L : (flg & ~0xfL) | hi << 32;
            if (pos == 0 && flg == 0 && len == 0) {
                continue;
            }
            sb.append(opt.verbose() > 1 ? "\tRegion " + i + ": " : "\t");
            if (io) {
                sb.append("I/O ports at ");
                sb.append(pos != 0 || (cmd & 1) != 0 ? String.format("%04x", pos) : "<unassigned>");
                if ((cmd & 1) == 0) {
                    sb.append(" [disabled]");
                }
            } else {
                int t = (int) (flg & 6);
                sb.append("Memory at ");
                sb.append(broken ? "<broken-64-bit-slot>" : pos != 0 ? String.format("%08x", pos) : "<unassigned>");
                sb.append(String.format(" (%s, %sprefetchable)",
                        t == 0 ? "32-bit" : t == 4 ? "64-bit" : t == 2 ? "low-1M" : "type 3",
                        (flg & 8) != 0 ? "" : "non-"));
                if ((cmd & 2) == 0) {
                    sb.append(" [disabled]");
                }
            }
            size(sb, len);
            sb.append('\n');
            if (mem64) {
                i++;
            }
        }
    }

    /** {@code show_htype1}: bus numbers and the three forwarding windows. */
    private void bridge(StringBuilder sb, ConfigImage f) {
        sb.append(String.format("\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=%d\n",
                f.u8(0x18), f.u8(0x19), f.u8(0x1a), f.u8(0x1b)));
        int ioBase = f.u8(0x1c);
        int ioLimit = f.u8(0x1d);
        int ioType = ioBase & 0xf;
        if (ioType != (ioLimit & 0xf) || (ioType != 0 && ioType != 1)) {
            sb.append(String.format("\t!!! Unknown I/O range types %x/%x\n", ioBase, ioLimit));
        } else {
            long base = (long) (ioBase & 0xf0) << 8;
            long limit = (long) (ioLimit & 0xf0) << 8;
            if (ioType == 1) {
                base |= (long) f.u16(0x30) << 16;
                limit |= (long) f.u16(0x32) << 16;
            }
            range(sb, "\tI/O behind bridge", base, limit + 0xfff, ioType == 1 ? 32 : 16);
        }
        int memBase = f.u16(0x20);
        int memLimit = f.u16(0x22);
        if ((memBase & 0xf) != (memLimit & 0xf) || (memBase & 0xf) != 0) {
            sb.append(String.format("\t!!! Unknown memory range types %x/%x\n", memBase, memLimit));
        } else {
            range(sb, "\tMemory behind bridge", (long) (memBase & 0xfff0) << 16,
                    ((long) (memLimit & 0xfff0) << 16) + 0xfffff, 32);
        }
        int prefBase = f.u16(0x24);
        int prefLimit = f.u16(0x26);
        int prefType = prefBase & 0xf;
        if (prefType != (prefLimit & 0xf) || (prefType != 0 && prefType != 1)) {
            sb.append(String.format("\t!!! Unknown prefetchable memory range types %x/%x\n", prefBase, prefLimit));
        } else {
            long base = (long) (prefBase & 0xfff0) << 16;
            long limit = (long) (prefLimit & 0xfff0) << 16;
            if (prefType == 1) {
                base |= f.u32(0x28) << 32;
                limit |= f.u32(0x2c) << 32;
            }
            range(sb, "\tPrefetchable memory behind bridge", base, limit + 0xfffff, prefType == 1 ? 64 : 32);
        }
        if (opt.verbose() > 1) {
            int sec = f.u16(0x1e);
            String devsel = new String[] {"fast", "medium", "slow", "??"}[(sec >> 9) & 3];
            sb.append(String.format("\tSecondary status: 66MHz%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c "
                    + "<MAbort%c <SERR%c <PERR%c\n", flag(sec, 0x20), flag(sec, 0x80), flag(sec, 0x100), devsel,
                    flag(sec, 0x800), flag(sec, 0x1000), flag(sec, 0x2000), flag(sec, 0x4000), flag(sec, 0x8000)));
            int brc = f.u16(0x3e);
            sb.append(String.format("\tBridgeCtl: Parity%c SERR%c NoISA%c VGA%c VGA16%c MAbort%c >Reset%c FastB2B%c\n",
                    flag(brc, 0x1), flag(brc, 0x2), flag(brc, 0x4), flag(brc, 0x8), flag(brc, 0x10), flag(brc, 0x20),
                    flag(brc, 0x40), flag(brc, 0x80)));
            sb.append(String.format("\t\tPriDiscTmr%c SecDiscTmr%c DiscTmrStat%c DiscTmrSERREn%c\n",
                    flag(brc, 0x100), flag(brc, 0x200), flag(brc, 0x400), flag(brc, 0x800)));
        }
    }

    /** {@code show_range}: a closed window (base above limit) is "[disabled]". */
    private static void range(StringBuilder sb, String prefix, long base, long limit, int bits) {
        sb.append(prefix).append(':');
        if (Long.compareUnsigned(base, limit) <= 0) {
            int digits = (bits + 3) / 4;
            sb.append(String.format(" %0" + digits + "x-%0" + digits + "x", base, limit));
            size(sb, limit - base + 1);
        } else {
            sb.append(" [disabled]");
        }
        sb.append(" [").append(bits).append("-bit]\n");
    }

    private void rom(StringBuilder sb, ConfigImage f) {
        long rom = f.u32(0x30);
        if (rom == 0xffff_ffffL) {
            rom = 0;
        }
        if (rom == 0) {
            return;
        }
        sb.append("\tExpansion ROM at ");
        sb.append((rom & ~0x7ffL) != 0 ? String.format("%08x", rom & ~0x7ffL) : "<unassigned>");
        if ((rom & 1) == 0) {
            sb.append(" [disabled]");
        }
        sb.append('\n');
    }

    /** {@code show_size}: the largest unit that divides the size exactly. */
    static void size(StringBuilder sb, long x) {
        if (x == 0) {
            return;
        }
        String[] suffix = {"", "K", "M", "G", "T"};
        int i = 0;
        while (i < suffix.length - 1 && x % 1024 == 0) {
            x /= 1024;
            i++;
        }
        sb.append(" [size=").append(Long.toUnsignedString(x)).append(suffix[i]).append(']');
    }

    /** {@code show_caps}; returns whether a PCI Express capability was found. */
    private boolean capabilities(StringBuilder sb, ConfigImage f) {
        if ((f.u16(0x06) & 0x10) == 0) {
            return false;
        }
        boolean express = false;
        boolean[] seen = new boolean[256];
        int where = f.u8(f.headerType() == 2 ? 0x14 : 0x34) & ~3;
        while (where != 0) {
            sb.append("\tCapabilities: ");
            if (!f.has(where, 4)) {
                sb.append("<access denied>\n");
                break;
            }
            int id = f.u8(where);
            int next = f.u8(where + 1) & ~3;
            int cap = f.u16(where + 2);
            sb.append(String.format("[%02x] ", where));
            if (seen[where]) {
                sb.append("<chain looped>\n");
                break;
            }
            seen[where] = true;
            switch (id) {
                case 0xff -> {
                    sb.append("<chain broken>\n");
                    return express;
                }
                case 0x01 -> sb.append(String.format("Power Management version %d\n", cap & 7));
                case 0x05 -> msi(sb, f, where, cap);
                case 0x09 -> sb.append(String.format("Vendor Specific Information: Len=%02x <?>\n", f.u8(where + 2)));
                case 0x10 -> {
                    express(sb, cap);
                    express = true;
                }
                case 0x11 -> msix(sb, f, where, cap);
                default -> sb.append(String.format("Capability ID 0x%02x [%04x]\n", id, cap));
            }
            where = next;
        }
        return express;
    }

    private void msi(StringBuilder sb, ConfigImage f, int where, int cap) {
        boolean is64 = (cap & 0x80) != 0;
        sb.append(String.format("MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n", flag(cap, 1),
                1 << ((cap & 0x70) >> 4), 1 << ((cap & 0x0e) >> 1), flag(cap, 0x100), flag(cap, 0x80)));
        sb.append("\t\tAddress: ");
        int data;
        if (is64) {
            sb.append(String.format("%08x", f.u32(where + 8)));
            data = f.u16(where + 12);
        } else {
            data = f.u16(where + 8);
        }
        sb.append(String.format("%08x  Data: %04x\n", f.u32(where + 4), data));
        if ((cap & 0x100) != 0) {
            int m = is64 ? 16 : 12;
            sb.append(String.format("\t\tMasking: %08x  Pending: %08x\n", f.u32(where + m), f.u32(where + m + 4)));
        }
    }

    private void msix(StringBuilder sb, ConfigImage f, int where, int cap) {
        sb.append(String.format("MSI-X: Enable%c Count=%d Masked%c\n", flag(cap, 0x8000), (cap & 0x7ff) + 1,
                flag(cap, 0x4000)));
        long table = f.u32(where + 4);
        long pba = f.u32(where + 8);
        sb.append(String.format("\t\tVector table: BAR=%d offset=%08x\n", table & 7, table & ~7L));
        sb.append(String.format("\t\tPBA: BAR=%d offset=%08x\n", pba & 7, pba & ~7L));
    }

    private static void express(StringBuilder sb, int cap) {
        int type = (cap >> 4) & 0xf;
        boolean slot = (cap & 0x100) != 0;
        String t = switch (type) {
            case 0x0 -> "Endpoint";
            case 0x1 -> "Legacy Endpoint";
            case 0x4 -> "Root Port (Slot" + (slot ? '+' : '-') + ")";
            case 0x5 -> "Upstream Port";
            case 0x6 -> "Downstream Port (Slot" + (slot ? '+' : '-') + ")";
            case 0x7 -> "PCI-Express to PCI/PCI-X Bridge";
            case 0x8 -> "PCI/PCI-X to PCI-Express Bridge";
            case 0x9 -> "Root Complex Integrated Endpoint";
            case 0xa -> "Root Complex Event Collector";
            default -> "Unknown type " + type;
        };
        sb.append(String.format("Express (v%d) %s, MSI %02x\n", cap & 0xf, t, (cap & 0x3e00) >> 9));
    }

    /** {@code show_ext_caps}. */
    private void extendedCapabilities(StringBuilder sb, ConfigImage f) {
        boolean[] seen = new boolean[4096];
        int where = 0x100;
        do {
            if (!f.has(where, 4)) {
                break;
            }
            long header = f.u32(where);
            if (header == 0 || header == 0xffff_ffffL) {
                break;
            }
            int id = (int) (header & 0xffff);
            int version = (int) ((header >> 16) & 0xf);
            sb.append(String.format("\tCapabilities: [%03x", where));
            if (opt.verbose() > 1) {
                sb.append(" v").append(version);
            }
            sb.append("] ");
            if (seen[where]) {
                sb.append("<chain looped>\n");
                break;
            }
            seen[where] = true;
            sb.append(switch (id) {
                case 0x0000 -> "Null";
                case 0x0001 -> "Advanced Error Reporting";
                case 0x0002, 0x0009 -> "Virtual Channel";
                case 0x0003 -> String.format("Device Serial Number %02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
                        f.u8(where + 11), f.u8(where + 10), f.u8(where + 9), f.u8(where + 8), f.u8(where + 7),
                        f.u8(where + 6), f.u8(where + 5), f.u8(where + 4));
                case 0x000b -> String.format("Vendor Specific Information: ID=%04x Rev=%d Len=%03x <?>",
                        f.u16(where + 4), f.u16(where + 6) & 0xf, f.u16(where + 6) >> 4);
                case 0x000d -> "Access Control Services";
                case 0x000e -> "Alternative Routing-ID Interpretation (ARI)";
                case 0x0010 -> "Single Root I/O Virtualization (SR-IOV)";
                case 0x0018 -> "Latency Tolerance Reporting";
                case 0x001e -> "L1 PM Substates";
                default -> String.format("Extended Capability ID 0x%x", id);
            }).append('\n');
            where = (int) ((header >> 20) & ~3L);
        } while (where != 0);
    }

    // ------------------------------------------------------------------ tree

    /** {@code show_forest}: each PCI domain's root bus, bridges expanded to their secondary buses. */
    private String tree(List<ConfigImage> functions) {
        List<int[]> roots = new ArrayList<>();
        for (ConfigImage f : functions) {
            if (!isBehindBridge(functions, f)) {
                int[] key = {f.segment(), f.bus()};
                if (roots.stream().noneMatch(r -> r[0] == key[0] && r[1] == key[1])) {
                    roots.add(key);
                }
            }
        }
        // pciutils' tree always starts with bus 0000:00 of its host bridge, empty or not.
        if (roots.stream().noneMatch(r -> r[0] == 0 && r[1] == 0)) {
            roots.add(0, new int[] {0, 0});
        }
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder();
        line.append('-');
        if (roots.size() == 1) {
            line.append(String.format("[%04x:%02x]-", roots.get(0)[0], roots.get(0)[1]));
            treeBus(out, line, functions, roots.get(0)[0], roots.get(0)[1]);
        } else {
            int base = line.length();
            for (int i = 0; i < roots.size(); i++) {
                line.setLength(base);
                line.append(String.format("%c-[%04x:%02x]-", i == roots.size() - 1 ? '\\' : '+', roots.get(i)[0],
                        roots.get(i)[1]));
                treeBus(out, line, functions, roots.get(i)[0], roots.get(i)[1]);
            }
        }
        return out.toString();
    }

    private static boolean isBehindBridge(List<ConfigImage> all, ConfigImage f) {
        for (ConfigImage b : all) {
            if (b != f && b.segment() == f.segment() && b.headerType() == 1 && b.u8(0x19) != 0
                    && f.bus() >= b.u8(0x19) && f.bus() <= b.u8(0x1a)) {
                return true;
            }
        }
        return false;
    }

    /** Prints the line, then blanks it for continuation lines: only vertical bars stay. */
    private static void printIt(StringBuilder out, StringBuilder line) {
        out.append(line).append('\n');
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            line.setCharAt(i, c == '+' || c == '|' ? '|' : ' ');
        }
    }

    private void treeBus(StringBuilder out, StringBuilder line, List<ConfigImage> all, int segment, int bus) {
        List<ConfigImage> devs = new ArrayList<>();
        for (ConfigImage f : all) {
            if (f.segment() == segment && f.bus() == bus) {
                devs.add(f);
            }
        }
        int p = line.length();
        if (devs.isEmpty()) {
            printIt(out, line);
        } else if (devs.size() == 1) {
            line.append("--");
            treeDev(out, line, all, devs.get(0));
        } else {
            for (int i = 0; i < devs.size(); i++) {
                line.setLength(p);
                line.append(i == devs.size() - 1 ? "\\-" : "+-");
                treeDev(out, line, all, devs.get(i));
            }
        }
    }

    private void treeDev(StringBuilder out, StringBuilder line, List<ConfigImage> all, ConfigImage d) {
        line.append(String.format("%02x.%x", d.slot(), d.function()));
        if (d.headerType() == 1 && d.u8(0x19) != 0) {
            int sec = d.u8(0x19);
            int sub = d.u8(0x1a);
            line.append(sec == sub ? String.format("-[%02x]-", sec) : String.format("-[%02x-%02x]-", sec, sub));
            // show_tree_bridge's own leading dash
            line.append('-');
            treeBus(out, line, all, d.segment(), sec);
            return;
        }
        if (opt.verbose() > 0) {
            line.append("  ").append(PciNames.device(d.vendorId(), d.deviceId(), opt.numeric()));
        }
        printIt(out, line);
    }
}
