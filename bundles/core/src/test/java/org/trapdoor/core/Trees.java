package org.trapdoor.core;

import java.util.List;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/** Small device trees built in code for tests. */
public final class Trees {
    private Trees() {
    }

    public static DtNode root() {
        DtNode r = new DtNode("", null);
        r.put(DtProperty.ofCells("#address-cells", 2));
        r.put(DtProperty.ofCells("#size-cells", 2));
        return r;
    }

    public static DtNode node(DtNode parent, String name, DtProperty... props) {
        DtNode n = new DtNode(name, parent);
        for (DtProperty p : props) {
            n.put(p);
        }
        return n;
    }

    public static DtProperty cells(String name, long... c) {
        return DtProperty.ofCells(name, c);
    }

    public static DtProperty str(String name, String... s) {
        return DtProperty.ofStrings(name, s);
    }

    /** A 2+2-cell reg entry. */
    public static DtProperty reg(long base, long size) {
        return cells("reg", base >>> 32, base & 0xffff_ffffL, size >>> 32, size & 0xffff_ffffL);
    }

    public static DeviceTree tree(DtNode root) {
        return new DeviceTree(root, "test", List.of());
    }
}
