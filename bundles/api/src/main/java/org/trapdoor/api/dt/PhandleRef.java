package org.trapdoor.api.dt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One {@code <&node args...>} specifier of a phandle list such as {@code msi-parent},
 * {@code iommus} or {@code clocks}; the number of arguments comes from the target's
 * {@code #…-cells} property.
 */
public record PhandleRef(long phandle, DtNode node, long[] args) {
    public PhandleRef {
        args = args.clone();
    }

    @Override
    public long[] args() {
        return args.clone();
    }

    public int argCount() {
        return args.length;
    }

    public long arg(int i) {
        return args[i];
    }

    /**
     * Parses {@code node}'s {@code propName} as phandle + arguments specifiers.
     *
     * @param cellsName    the target's property giving the argument count, e.g. {@code #iommu-cells}
     * @param defaultCells used when the target lacks {@code cellsName}; negative means it is required
     * @return the specifiers, empty if the property is absent
     * @throws DeviceTreeException for an unknown phandle, a missing {@code cellsName} or a property
     *                             that ends inside a specifier
     */
    public static List<PhandleRef> parse(DtNode node, String propName, String cellsName, int defaultCells) {
        DtProperty p = node.property(propName);
        if (p == null) {
            return List.of();
        }
        if (p.length() % 4 != 0) {
            throw new DeviceTreeException(node.path() + ": " + propName + " has " + p.length() + " bytes, not whole cells");
        }
        List<PhandleRef> out = new ArrayList<>();
        int i = 0;
        while (i < p.cellCount()) {
            long ph = p.cell(i);
            DtNode target = node.resolvePhandle(ph);
            if (target == null) {
                throw new DeviceTreeException(String.format("%s: %s names phandle 0x%x, which no node has",
                        node.path(), propName, ph));
            }
            DtProperty cp = target.property(cellsName);
            long n;
            if (cp != null && cp.cellCount() >= 1) {
                n = cp.u32();
            } else if (defaultCells >= 0) {
                n = defaultCells;
            } else {
                throw new DeviceTreeException(node.path() + ": " + propName + " points to " + target.path()
                        + ", which has no " + cellsName);
            }
            if (i + 1 + n > p.cellCount()) {
                throw new DeviceTreeException(node.path() + ": " + propName + " ends inside the specifier for "
                        + target.path() + " (" + cellsName + " = " + n + ")");
            }
            long[] args = new long[(int) n];
            for (int k = 0; k < n; k++) {
                args[k] = p.cell(i + 1 + k);
            }
            out.add(new PhandleRef(ph, target, args));
            i += 1 + (int) n;
        }
        return List.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PhandleRef r && r.phandle == phandle && r.node == node && Arrays.equals(r.args, args);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(phandle) * 31 + Arrays.hashCode(args);
    }

    @Override
    public String toString() {
        return (node == null ? "0x" + Long.toHexString(phandle) : node.path()) + Arrays.toString(args);
    }
}
