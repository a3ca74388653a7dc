package org.trapdoor.hw.xgene.pcie;

import java.util.function.IntSupplier;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.ecam.RootPort;

/**
 * The X-Gene root port's own config space (cfg + 0 .. 0xfff): the API's type 1 {@link RootPort}
 * with what X-Gene changes:
 * <ul>
 * <li>Vendor and Device ID are whatever BRIDGE_CFG_0 in the CSR holds ({@code xgene_pcie_setup}
 * writes 0xE004:10E8 there);</li>
 * <li>BAR0/BAR1 are the inbound region 0's 64-bit base (Linux hides them from the PCI core and
 * writes them itself, {@code xgene_pcie_setup_ib_reg});</li>
 * <li>a PCI Express capability at 0x40 whose Root Capabilities claim CRS Software Visibility: the
 * v1 part's broken CRS logic that {@code xgene_pcie_config_read32} masks off.</li>
 * </ul>
 */
final class XgeneRootPort implements PciFunction {
    static final int BAR0 = 0x10, BAR1 = 0x14, STATUS = 0x06, CAP_PTR = 0x34, EXP_CAP = 0x40;
    /** Root Control (cap + 0x1c) and Root Capabilities (cap + 0x1e): one dword. */
    static final int RTCTL = EXP_CAP + 0x1c;
    static final int RTCAP_CRSVIS = 1;
    static final int STATUS_CAP_LIST = 1 << 4;
    /** Capability ID 0x10, no next; PCIe capability version 2, device/port type 4 (root port). */
    static final int EXP_HEADER = 0x10 | (0x2 | 4 << 4) << 16;

    final RootPort port = new RootPort(0, 0);
    private final IntSupplier ids;
    private final Runnable barWritten;
    private volatile long bar;
    private volatile int rootControl;

    /**
     * @param ids        Vendor ID | Device ID << 16, read on every access (BRIDGE_CFG_0)
     * @param barWritten told after BAR0/1 change (they are inbound region 0's base)
     */
    XgeneRootPort(IntSupplier ids, Runnable barWritten) {
        this.ids = ids;
        this.barWritten = barWritten;
    }

    long inboundBar() {
        return bar;
    }

    @Override
    public int configRead(int offset, int size) {
        int dword = offset & ~3;
        int v;
        switch (dword) {
            case 0x00 -> v = ids.getAsInt();
            case 0x04 -> v = port.configRead(0x04, 4) | STATUS_CAP_LIST << 16;
            case BAR0 -> v = (int) bar;
            case BAR1 -> v = (int) (bar >>> 32);
            case CAP_PTR -> v = EXP_CAP;
            case EXP_CAP -> v = EXP_HEADER;
            case RTCTL -> v = rootControl | RTCAP_CRSVIS << 16;
            default -> {
                if (dword > EXP_CAP && dword < EXP_CAP + 0x3c) {
                    v = 0;
                } else {
                    return port.configRead(offset, size);
                }
            }
        }
        int shifted = v >>> (8 * (offset & 3));
        return size == 4 ? shifted : shifted & ((1 << (8 * size)) - 1);
    }

    @Override
    public void configWrite(int offset, int size, int value) {
        int dword = offset & ~3;
        if (dword == BAR0 || dword == BAR1) {
            int shift = 8 * (offset & 3) + (dword == BAR1 ? 32 : 0);
            long lanes = (size == 4 ? 0xffff_ffffL : (1L << (8 * size)) - 1) << shift;
            bar = (bar & ~lanes) | (((long) value << shift) & lanes);
            barWritten.run();
            return;
        }
        if (dword == RTCTL) {
            if ((offset & 3) < 2) {
                // Root Control's CRS Software Visibility Enable (bit 4) and the error enables [3:0].
                rootControl = (size == 1 || size == 2 || size == 4 ? value : 0) & 0x1f;
            }
            return;
        }
        if (dword == 0x00 || dword == CAP_PTR || (dword >= EXP_CAP && dword < EXP_CAP + 0x3c)) {
            return;
        }
        port.configWrite(offset, size, value);
    }

    /** No BARs the PCI core sees: claims nothing. */
    @Override
    public boolean decodeMemory(MemoryTransaction tx) {
        return false;
    }

    Object saveState() {
        return new Object[] {port.saveState(), bar, rootControl};
    }

    void restoreState(Object s) {
        if (s instanceof Object[] a && a.length == 3 && a[0] instanceof int[] p && a[1] instanceof Long b
                && a[2] instanceof Integer c) {
            port.restoreState(p);
            bar = b;
            rootControl = c;
        }
    }
}
