package org.trapdoor.api.dt;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a PCI host bridge's {@code ranges}: a window of PCI bus addresses and where it
 * sits in the CPU's physical address space (IEEE 1275 PCI binding, 3 child address cells).
 *
 * @param space        the address space the window decodes (from bits 25:24 of the first cell)
 * @param prefetchable bit 30 ({@code p}) of the first cell
 * @param pciAddress   the PCI bus address (cells 2 and 3)
 * @param cpuAddress   the CPU physical address, translated through every ancestor's {@code ranges}
 * @param size         the window size
 * @param hiCell       the raw first cell ({@code npt000ss bbbbbbbb dddddfff rrrrrrrr})
 */
public record PciRange(Space space, boolean prefetchable, long pciAddress, long cpuAddress, long size, long hiCell) {

    /** The {@code ss} space code of a PCI address. */
    public enum Space {
        CONFIG, IO, MEM32, MEM64;

        /** The space for a phys.hi cell. */
        public static Space of(long hiCell) {
            return values()[(int) ((hiCell >>> 24) & 3)];
        }
    }

    /** Does this window hold the PCI bus address range {@code [pciAddr, pciAddr+len)}? */
    public boolean containsPci(long pciAddr, long len) {
        return Long.compareUnsigned(pciAddr, pciAddress) >= 0
                && Long.compareUnsigned(pciAddr - pciAddress + len, size) <= 0;
    }

    /** The CPU address of a PCI bus address inside this window. */
    public long toCpu(long pciAddr) {
        return cpuAddress + (pciAddr - pciAddress);
    }

    /**
     * Parses {@code host}'s {@code ranges}. A host without {@code ranges} has no windows.
     *
     * @throws DeviceTreeException if the node does not give its children 3 address cells, or
     *                             {@code ranges} is not a whole number of entries
     */
    public static List<PciRange> parse(DtNode host) {
        DtProperty ranges = host.property("ranges");
        if (ranges == null || ranges.isEmpty()) {
            return List.of();
        }
        if (host.addressCells() != 3) {
            throw new DeviceTreeException(host.path() + ": a PCI bus needs #address-cells = <3>, not "
                    + host.addressCells());
        }
        DtNode parent = host.parent();
        if (parent == null) {
            throw new DeviceTreeException("/: the root cannot be a PCI host bridge");
        }
        int pac = parent.addressCells();
        int sc = host.sizeCells();
        int per = 3 + pac + sc;
        if (pac < 1 || pac > 3 || sc < 1 || sc > 2 || ranges.length() % (per * 4) != 0) {
            throw new DeviceTreeException(host.path() + ": ranges has " + ranges.length()
                    + " bytes, not a whole number of " + (per * 4) + "-byte entries (3 PCI address cells, "
                    + pac + " parent address cells, " + sc + " size cells)");
        }
        List<PciRange> out = new ArrayList<>();
        for (int o = 0; o < ranges.cellCount(); o += per) {
            long hi = ranges.cell(o);
            long pci = ranges.cells(o + 1, 2);
            // Behind another PCI bus (a bridge node) the parent address is itself a 3-cell PCI address.
            long parentHi = pac == 3 ? ranges.cell(o + 3) : 0;
            long parentAddr = pac == 3 ? ranges.cells(o + 4, 2) : ranges.cells(o + 3, pac);
            long size = ranges.cells(o + 3 + pac, sc);
            out.add(new PciRange(Space.of(hi), (hi & 0x4000_0000L) != 0, pci,
                    parent.translate(parentAddr, parentHi), size, hi));
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return String.format("%s%s pci 0x%x -> cpu 0x%x size 0x%x", space, prefetchable ? " pref" : "",
                pciAddress, cpuAddress, size);
    }
}
