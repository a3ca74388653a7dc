package org.trapdoor.shell.lspci;

/** The MSI-X capability (ID 11), as pciutils' {@code cap_msix}. */
final class MsixCapability {
    private MsixCapability() {
    }

    static void show(StringBuilder sb, ConfigImage f, int where, int cap) {
        sb.append(String.format("MSI-X: Enable%c Count=%d Masked%c\n", flag(cap, 0x8000), (cap & 0x7ff) + 1,
                flag(cap, 0x4000)));
        long table = f.u32(where + 4);
        long pba = f.u32(where + 8);
        sb.append(String.format("\t\tVector table: BAR=%d offset=%08x\n", table & 7, table & ~7L));
        sb.append(String.format("\t\tPBA: BAR=%d offset=%08x\n", pba & 7, pba & ~7L));
    }

    private static char flag(long v, int bit) {
        return LspciFormatter.flag(v, bit);
    }
}
