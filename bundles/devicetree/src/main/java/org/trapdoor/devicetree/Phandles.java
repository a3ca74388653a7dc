package org.trapdoor.devicetree;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * The checks dtc makes on explicit phandles ({@code check_explicit_phandles} in its checks.c),
 * shared by both readers so that what one accepts the other reads back: a {@code phandle} or
 * {@code linux,phandle} is one cell, neither 0 nor 0xffffffff, unique in the tree, and the two
 * agree when a node has both.
 */
final class Phandles {
    private Phandles() {
    }

    /**
     * Checks every node of {@code root} and returns the nodes by phandle.
     *
     * @param where the position of a node's property, for the message
     */
    static Map<Long, DtNode> check(DtNode root, BiFunction<DtNode, String, String> where) {
        Map<Long, DtNode> byPhandle = new HashMap<>();
        for (DtNode n : root.subtree()) {
            long own = -1;
            for (String prop : new String[] {"phandle", "linux,phandle"}) {
                DtProperty p = n.property(prop);
                if (p == null) {
                    continue;
                }
                if (p.length() != 4) {
                    throw error(where, n, prop, "must be one cell, not " + p.length() + " bytes");
                }
                long v = p.u32();
                if (v == 0 || v == 0xffff_ffffL) {
                    throw error(where, n, prop, String.format("0x%x is not a valid phandle", v));
                }
                if (own >= 0 && own != v) {
                    throw error(where, n, prop, String.format("0x%x does not match phandle 0x%x", v, own));
                }
                own = v;
                DtNode other = byPhandle.putIfAbsent(v, n);
                if (other != null && other != n) {
                    throw error(where, n, prop, String.format("0x%x is also the phandle of %s", v, other.path()));
                }
            }
        }
        return byPhandle;
    }

    private static DeviceTreeException error(BiFunction<DtNode, String, String> where, DtNode n, String prop,
            String what) {
        return new DeviceTreeException(where.apply(n, prop) + ": " + n.path() + ": " + prop + " " + what);
    }
}
