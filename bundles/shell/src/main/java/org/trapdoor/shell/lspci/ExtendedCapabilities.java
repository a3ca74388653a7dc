package org.trapdoor.shell.lspci;

/** The PCI Express extended capabilities at 0x100 and up, as pciutils' {@code ls-ecaps.c} names them. */
final class ExtendedCapabilities {
    private ExtendedCapabilities() {
    }

    /** {@code show_ext_caps}. */
    static void show(StringBuilder sb, ConfigImage f, LspciOptions opt) {
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

}
