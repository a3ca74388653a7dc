package org.trapdoor.shell.lspci;

/**
 * The address decoders of a function as pciutils' {@code lspci.c} shows them: BARs
 * ({@code show_bases}), the expansion ROM ({@code show_rom}) and a bridge's bus numbers and
 * forwarding windows ({@code show_htype1}, {@code show_range}).
 */
final class Regions {
    private final LspciOptions opt;
    private final LspciFormatter.BarSizes sizes;

    Regions(LspciOptions opt, LspciFormatter.BarSizes sizes) {
        this.opt = opt;
        this.sizes = sizes;
    }

    /** {@code show_bases}. */
    void bars(StringBuilder sb, ConfigImage f, int cmd, int count) {
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
    void bridge(StringBuilder sb, ConfigImage f) {
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

    /**
     * {@code show_range}: a closed window (base above limit) is "[disabled]"; from {@code -vvv} on
     * its base and limit registers are printed too, as pciutils does, so a window left closed
     * shows what was programmed.
     */
    private void range(StringBuilder sb, String prefix, long base, long limit, int bits) {
        sb.append(prefix).append(':');
        boolean open = Long.compareUnsigned(base, limit) <= 0;
        if (open || opt.verbose() > 2) {
            int digits = (bits + 3) / 4;
            sb.append(String.format(" %0" + digits + "x-%0" + digits + "x", base, limit));
        }
        if (open) {
            size(sb, limit - base + 1);
        } else {
            sb.append(" [disabled]");
        }
        sb.append(" [").append(bits).append("-bit]\n");
    }

    void rom(StringBuilder sb, ConfigImage f) {
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

    private static char flag(long v, int bit) {
        return LspciFormatter.flag(v, bit);
    }
}
