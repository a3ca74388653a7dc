package org.trapdoor.shell.lspci;

/** The MSI capability (ID 05), as pciutils' {@code cap_msi}. */
final class MsiCapability {
    private MsiCapability() {
    }

    static void show(StringBuilder sb, ConfigImage f, int where, int cap) {
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

    private static char flag(long v, int bit) {
        return LspciFormatter.flag(v, bit);
    }
}
