package org.trapdoor.devicetree;

import java.util.function.BiFunction;

import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;

/**
 * {@code #address-cells} and {@code #size-cells} are checked when a tree is read, where the line
 * is known: a count that is not one cell of at most {@link DtNode#MAX_CELLS} would otherwise
 * surface later, far from the file, when something decodes a {@code reg} or {@code ranges}.
 */
final class CellCounts {
    private CellCounts() {
    }

    static void check(DtNode root, BiFunction<DtNode, String, String> where) {
        for (DtNode n : root.subtree()) {
            check(n, "#address-cells", where);
            check(n, "#size-cells", where);
        }
    }

    private static void check(DtNode n, String prop, BiFunction<DtNode, String, String> where) {
        if (!n.has(prop)) {
            return;
        }
        try {
            if (prop.equals("#address-cells")) {
                n.addressCells();
            } else {
                n.sizeCells();
            }
        } catch (DeviceTreeException e) {
            throw new DeviceTreeException(where.apply(n, prop) + ": " + e.getMessage(), e);
        }
    }
}
