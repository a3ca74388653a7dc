package org.trapdoor.shell.lspci;

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
            return new PciTree(opt).draw(functions);
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

    static char flag(long v, int bit) {
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
        Regions regions = new Regions(opt, sizes);
        regions.bars(sb, f, cmd, type == 0 ? 6 : type == 1 ? 2 : 1);
        if (type == 0) {
            regions.rom(sb, f);
        } else if (type == 1) {
            regions.bridge(sb, f);
        }
        boolean express = CapabilityList.show(sb, f, opt);
        if (express && f.size() > 256) {
            ExtendedCapabilities.show(sb, f, opt);
        }
    }

    /** {@code show_size}: the largest unit that divides the size exactly. */
    static void size(StringBuilder sb, long x) {
        Regions.size(sb, x);
    }
}
