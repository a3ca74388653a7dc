package org.trapdoor.shell.lspci;

/**
 * The capability list at 0x34, walked as pciutils' {@code ls-caps.c} ({@code show_caps}) walks
 * it, loops and broken chains reported; each capability it decodes has a class of its own
 * ({@link MsiCapability}, {@link MsixCapability}, {@link ExpressCapability}), as the C file has
 * a function of its own.
 */
final class CapabilityList {
    private CapabilityList() {
    }

    /** {@code show_caps}; returns whether a PCI Express capability was found. */
    static boolean show(StringBuilder sb, ConfigImage f, LspciOptions opt) {
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
                case 0x05 -> MsiCapability.show(sb, f, where, cap);
                case 0x09 -> sb.append(String.format("Vendor Specific Information: Len=%02x <?>\n", f.u8(where + 2)));
                case 0x10 -> {
                    ExpressCapability.show(sb, f, where, cap, opt.verbose());
                    express = true;
                }
                case 0x11 -> MsixCapability.show(sb, f, where, cap);
                default -> sb.append(String.format("Capability ID 0x%02x [%04x]\n", id, cap));
            }
            where = next;
        }
        return express;
    }

}
