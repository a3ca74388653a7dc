package org.trapdoor.api.pci.ecam;

import java.util.List;

import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.dt.RegEntry;

/**
 * A bridge's config window as {@link EcamProbe} found it in the device tree.
 *
 * @param path     the bridge node, for messages
 * @param regIndex which {@code reg} entry the window is (the region {@link EcamHost} serves)
 * @param reg      the window itself
 * @param busFirst the first bus ({@code bus-range}), at offset 0 of the window
 * @param busLast  the last bus decoded: {@code bus-range}'s, cut to what the window holds (a
 *                 window smaller than bus-range says decodes only the buses it has room for,
 *                 as Xen's {@code pci_ecam_create} does)
 * @param ranges   the outbound windows ({@code ranges})
 */
public record EcamWindow(String path, int regIndex, RegEntry reg, int busFirst, int busLast, List<PciRange> ranges,
        EcamLayout layout) {
    /** @throws IllegalArgumentException if the window holds no whole bus or the bus range is not in order */
    public EcamWindow {
        long buses = layout.buses(reg.size());
        if (buses == 0) {
            throw new IllegalArgumentException(String.format("%s: ECAM window 0x%x is smaller than one bus (0x%x bytes)",
                    path, reg.size(), 1L << layout.busShift()));
        }
        if (busFirst < 0 || busFirst > busLast || busLast > 255) {
            throw new IllegalArgumentException(path + ": bus-range " + busFirst + ".." + busLast + " is not within 0..255 in order");
        }
        busLast = (int) Math.min(busLast, busFirst + buses - 1);
        ranges = List.copyOf(ranges);
    }
}
