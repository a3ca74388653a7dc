package org.trapdoor.shell.lspci;

/**
 * The PCI Express capability (ID 10), as pciutils' {@code ls-caps.c} decodes it: the type line
 * always ({@code cap_express}); from {@code -vv} the device's registers (DevCap, DevCtl, DevSta:
 * {@code cap_express_dev}), the link's where the function has one (LnkCap, LnkCtl, LnkSta:
 * {@code cap_express_link}) and, for a v2 capability, the first line of each of DevCap2, DevCtl2,
 * LnkCtl2 and LnkSta2 ({@code cap_express_dev2}, {@code cap_express_link2}). Offsets are from
 * the capability (PCIe Base Specification, 7.5.3).
 */
final class ExpressCapability {
    static final int ENDPOINT = 0x0;
    static final int LEGACY_ENDPOINT = 0x1;
    static final int ROOT_PORT = 0x4;
    static final int UPSTREAM = 0x5;
    static final int PCI_BRIDGE = 0x7;
    static final int ROOT_INTEGRATED_ENDPOINT = 0x9;
    static final int ROOT_EVENT_COLLECTOR = 0xa;

    private static final String[] L0S = {"<64ns", "<128ns", "<256ns", "<512ns", "<1us", "<2us", "<4us", "unlimited"};
    private static final String[] L1 = {"<1us", "<2us", "<4us", "<8us", "<16us", "<32us", "<64us", "unlimited"};

    private ExpressCapability() {
    }

    static void show(StringBuilder sb, ConfigImage f, int where, int cap, int verbose) {
        int type = (cap >> 4) & 0xf;
        boolean slot = (cap & 0x100) != 0;
        String t = switch (type) {
            case ENDPOINT -> "Endpoint";
            case LEGACY_ENDPOINT -> "Legacy Endpoint";
            case ROOT_PORT -> "Root Port (Slot" + (slot ? '+' : '-') + ")";
            case UPSTREAM -> "Upstream Port";
            case 0x6 -> "Downstream Port (Slot" + (slot ? '+' : '-') + ")";
            case PCI_BRIDGE -> "PCI-Express to PCI/PCI-X Bridge";
            case 0x8 -> "PCI/PCI-X to PCI-Express Bridge";
            case ROOT_INTEGRATED_ENDPOINT -> "Root Complex Integrated Endpoint";
            case ROOT_EVENT_COLLECTOR -> "Root Complex Event Collector";
            default -> "Unknown type " + type;
        };
        sb.append(String.format("Express (v%d) %s, MSI %02x\n", cap & 0xf, t, (cap & 0x3e00) >> 9));
        if (verbose < 2 || !f.has(where, 0x14)) {
            return;
        }
        device(sb, f, where, type);
        boolean link = type != ROOT_INTEGRATED_ENDPOINT && type != ROOT_EVENT_COLLECTOR;
        if (link) {
            link(sb, f, where, type);
        }
        if ((cap & 0xf) >= 2 && f.has(where, 0x34)) {
            device2(sb, f, where);
            if (link) {
                link2(sb, f, where);
            }
        }
    }

    private static char flag(long v, long bit) {
        return (v & bit) != 0 ? '+' : '-';
    }

    /** {@code cap_express_dev}: DevCap at +4, DevCtl at +8, DevSta at +0xa. */
    private static void device(StringBuilder sb, ConfigImage f, int where, int type) {
        long cap = f.u32(where + 4);
        boolean endpoint = type == ENDPOINT || type == LEGACY_ENDPOINT;
        sb.append(String.format("\t\tDevCap:\tMaxPayload %d bytes, PhantFunc %d", 128 << (cap & 7),
                (1 << ((cap & 0x18) >> 3)) - 1));
        if (endpoint) {
            sb.append(String.format(", Latency L0s %s, L1 %s", L0S[(int) ((cap & 0x1c0) >> 6)],
                    L1[(int) ((cap & 0xe00) >> 9)]));
        }
        sb.append("\n\t\t\tExtTag").append(flag(cap, 0x20));
        if (endpoint || type == UPSTREAM || type == PCI_BRIDGE) {
            sb.append(String.format(" AttnBtn%c AttnInd%c PwrInd%c", flag(cap, 0x1000), flag(cap, 0x2000),
                    flag(cap, 0x4000)));
        }
        sb.append(" RBE").append(flag(cap, 0x8000));
        boolean flr = endpoint || type == ROOT_INTEGRATED_ENDPOINT;
        if (flr) {
            sb.append(" FLReset").append(flag(cap, 0x1000_0000L));
        }
        if (type == ENDPOINT || type == UPSTREAM || type == PCI_BRIDGE) {
            sb.append(" SlotPowerLimit ").append(watts((cap >> 18) & 0xff, (cap >> 26) & 3)).append('W');
        }
        sb.append('\n');
        int ctl = f.u16(where + 8);
        sb.append(String.format("\t\tDevCtl:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c\n", flag(ctl, 1),
                flag(ctl, 2), flag(ctl, 4), flag(ctl, 8)));
        sb.append(String.format("\t\t\tRlxdOrd%c ExtTag%c PhantFunc%c AuxPwr%c NoSnoop%c", flag(ctl, 0x10),
                flag(ctl, 0x100), flag(ctl, 0x200), flag(ctl, 0x400), flag(ctl, 0x800)));
        if (type == PCI_BRIDGE) {
            sb.append(" BrConfRtry").append(flag(ctl, 0x8000));
        }
        if (flr && (cap & 0x1000_0000L) != 0) {
            sb.append(" FLReset").append(flag(ctl, 0x8000));
        }
        sb.append(String.format("\n\t\t\tMaxPayload %d bytes, MaxReadReq %d bytes\n", 128 << ((ctl & 0xe0) >> 5),
                128 << ((ctl & 0x7000) >> 12)));
        int sta = f.u16(where + 0xa);
        sb.append(String.format("\t\tDevSta:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c AuxPwr%c TransPend%c\n",
                flag(sta, 1), flag(sta, 2), flag(sta, 4), flag(sta, 8), flag(sta, 0x10), flag(sta, 0x20)));
    }

    /** The slot power limit: value times 1, 0.1, 0.01 or 0.001 W, printed as {@code %g} would. */
    static String watts(long value, long scale) {
        java.math.BigDecimal w = java.math.BigDecimal.valueOf(value).movePointLeft((int) scale);
        return w.signum() == 0 ? "0" : w.stripTrailingZeros().toPlainString();
    }

    static String speed(long code) {
        return switch ((int) code) {
            case 1 -> "2.5GT/s";
            case 2 -> "5GT/s";
            case 3 -> "8GT/s";
            case 4 -> "16GT/s";
            case 5 -> "32GT/s";
            case 6 -> "64GT/s";
            default -> "unknown";
        };
    }

    /** {@code cap_express_link}: LnkCap at +0xc, LnkCtl at +0x10, LnkSta at +0x12. */
    private static void link(StringBuilder sb, ConfigImage f, int where, int type) {
        long cap = f.u32(where + 0xc);
        int aspm = (int) ((cap & 0xc00) >> 10);
        sb.append(String.format("\t\tLnkCap:\tPort #%d, Speed %s, Width x%d, ASPM %s", cap >>> 24, speed(cap & 0xf),
                (cap & 0x3f0) >> 4, switch (aspm) {
                    case 1 -> "L0s";
                    case 2 -> "L1";
                    case 3 -> "L0s L1";
                    default -> "not supported";
                }));
        if (aspm != 0) {
            sb.append(", Exit Latency ");
            if ((aspm & 1) != 0) {
                sb.append("L0s ").append(L0S[(int) ((cap & 0x7000) >> 12)]);
            }
            if ((aspm & 2) != 0) {
                sb.append((aspm & 1) != 0 ? ", " : "").append("L1 ").append(L1[(int) ((cap & 0x38000) >> 15)]);
            }
        }
        sb.append(String.format("\n\t\t\tClockPM%c Surprise%c LLActRep%c BwNot%c ASPMOptComp%c\n", flag(cap, 0x40000),
                flag(cap, 0x80000), flag(cap, 0x100000), flag(cap, 0x200000), flag(cap, 0x400000)));
        int ctl = f.u16(where + 0x10);
        sb.append("\t\tLnkCtl:\tASPM ").append(switch (ctl & 3) {
            case 1 -> "L0s Enabled";
            case 2 -> "L1 Enabled";
            case 3 -> "L0s L1 Enabled";
            default -> "Disabled";
        }).append(';');
        if (type == ROOT_PORT || type == ENDPOINT || type == LEGACY_ENDPOINT || type == PCI_BRIDGE) {
            sb.append(" RCB ").append((ctl & 8) != 0 ? 128 : 64).append(" bytes,");
        }
        sb.append(String.format(" Disabled%c CommClk%c\n\t\t\tExtSynch%c ClockPM%c AutWidDis%c BWInt%c AutBWInt%c\n",
                flag(ctl, 0x10), flag(ctl, 0x40), flag(ctl, 0x80), flag(ctl, 0x100), flag(ctl, 0x200), flag(ctl, 0x400),
                flag(ctl, 0x800)));
        int sta = f.u16(where + 0x12);
        sb.append(String.format("\t\tLnkSta:\tSpeed %s, Width x%d\n", speed(sta & 0xf), (sta & 0x3f0) >> 4));
        sb.append(String.format("\t\t\tTrErr%c Train%c SlotClk%c DLActive%c BWMgmt%c ABWMgmt%c\n", flag(sta, 0x400),
                flag(sta, 0x800), flag(sta, 0x1000), flag(sta, 0x2000), flag(sta, 0x4000), flag(sta, 0x8000)));
    }

    /** {@code cap_express_dev2}, first lines: DevCap2 at +0x24, DevCtl2 at +0x28. */
    private static void device2(StringBuilder sb, ConfigImage f, int where) {
        long cap = f.u32(where + 0x24);
        sb.append(String.format("\t\tDevCap2: Completion Timeout: %s, TimeoutDis%c NROPrPrP%c LTR%c\n", switch ((int) (cap & 0xf)) {
            case 0 -> "Not Supported";
            case 1 -> "Range A";
            case 2 -> "Range B";
            case 3 -> "Range AB";
            case 6 -> "Range BC";
            case 7 -> "Range ABC";
            case 0xe -> "Range BCD";
            case 0xf -> "Range ABCD";
            default -> "Unknown";
        }, flag(cap, 0x10), flag(cap, 0x400), flag(cap, 0x800)));
        int ctl = f.u16(where + 0x28);
        sb.append(String.format("\t\tDevCtl2: Completion Timeout: %s, TimeoutDis%c LTR%c OBFF %s\n", switch (ctl & 0xf) {
            case 0 -> "50us to 50ms";
            case 1 -> "50us to 100us";
            case 2 -> "1ms to 10ms";
            case 5 -> "16ms to 55ms";
            case 6 -> "65ms to 210ms";
            case 9 -> "260ms to 900ms";
            case 0xa -> "1s to 3.5s";
            case 0xd -> "4s to 13s";
            case 0xe -> "17s to 64s";
            default -> "Unknown";
        }, flag(ctl, 0x10), flag(ctl, 0x400), switch ((ctl >> 13) & 3) {
            case 1 -> "Via message A";
            case 2 -> "Via message B";
            case 3 -> "Via WAKE#";
            default -> "Disabled";
        }));
    }

    /** {@code cap_express_link2}, first lines: LnkCtl2 at +0x30, LnkSta2 at +0x32. */
    private static void link2(StringBuilder sb, ConfigImage f, int where) {
        int ctl = f.u16(where + 0x30);
        sb.append(String.format("\t\tLnkCtl2: Target Link Speed: %s, EnterCompliance%c SpeedDis%c\n", speed(ctl & 0xf),
                flag(ctl, 0x10), flag(ctl, 0x20)));
        int sta = f.u16(where + 0x32);
        sb.append("\t\tLnkSta2: Current De-emphasis Level: ").append((sta & 1) != 0 ? "-3.5dB" : "-6dB").append('\n');
    }
}
