package org.trapdoor.api.dt;

import java.util.Arrays;

/**
 * One interrupt specifier of a node: its interrupt parent (controller or nexus) and the
 * {@code #interrupt-cells} cells, e.g. {@code <GIC_SPI 0x76 IRQ_TYPE_LEVEL_HIGH>}.
 *
 * @param name the matching {@code interrupt-names} entry, or {@code null}
 */
public record DtInterrupt(DtNode parent, long[] cells, String name) {
    public DtInterrupt {
        cells = cells.clone();
    }

    @Override
    public long[] cells() {
        return cells.clone();
    }

    public long cell(int i) {
        return cells[i];
    }

    public int cellCount() {
        return cells.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DtInterrupt i && i.parent == parent && Arrays.equals(i.cells, cells)
                && java.util.Objects.equals(i.name, name);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(cells);
    }

    @Override
    public String toString() {
        return (name == null ? "" : name + "=") + parent.path() + Arrays.toString(cells);
    }
}
