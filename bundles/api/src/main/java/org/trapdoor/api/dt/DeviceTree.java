package org.trapdoor.api.dt;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** A whole device tree, with look-ups by path, phandle and label. */
public final class DeviceTree {
    private final DtNode root;
    private final String source;
    private final List<long[]> memoryReservations;
    private final BiFunction<DtNode, String, String> locator;

    /**
     * @param source              where it came from (file name or preset name), for messages
     * @param memoryReservations  {@code /memreserve/} entries as {address, size} pairs
     */
    public DeviceTree(DtNode root, String source, List<long[]> memoryReservations) {
        this(root, source, memoryReservations, (n, p) -> null);
    }

    /**
     * @param locator where a node's property (a null property: the node) was defined, such as
     *                {@code board.dts:12:5}, or null when unknown; a reader passes one so that
     *                whoever finds a property wrong later can name the line
     */
    public DeviceTree(DtNode root, String source, List<long[]> memoryReservations,
            BiFunction<DtNode, String, String> locator) {
        this.root = root;
        this.source = source;
        this.memoryReservations = List.copyOf(memoryReservations);
        this.locator = locator;
    }

    /**
     * Where {@code node}'s {@code property} (null: the node itself) was defined, for messages:
     * {@code file:line:column} for a DTS, the offset for a DTB, else the source's name.
     */
    public String where(DtNode node, String property) {
        String w = locator.apply(node, property);
        if (w == null && property != null) {
            w = locator.apply(node, null);
        }
        return w != null ? w : source;
    }

    public DtNode root() {
        return root;
    }

    public String source() {
        return source;
    }

    public List<long[]> memoryReservations() {
        return memoryReservations;
    }

    /** Every node, depth-first in source order. */
    public List<DtNode> nodes() {
        return root.subtree();
    }

    /** The node at an absolute path such as {@code /intc@8000000/its@8080000}, or {@code null}. */
    public DtNode node(String path) {
        if (path.equals("/")) {
            return root;
        }
        DtNode n = root;
        for (String part : path.replaceAll("^/+", "").split("/")) {
            if (n == null) {
                return null;
            }
            DtNode next = n.child(part);
            if (next == null) {
                // Accept a name without unit address when it is unambiguous.
                for (DtNode c : n.children()) {
                    if (c.baseName().equals(part)) {
                        if (next != null) {
                            return null;
                        }
                        next = c;
                    }
                }
            }
            n = next;
        }
        return n;
    }

    /** The enabled nodes with {@code device_type = "memory"}. */
    public List<DtNode> memoryNodes() {
        List<DtNode> out = new ArrayList<>();
        for (DtNode n : nodes()) {
            if (n.isMemory() && n.isEnabled()) {
                out.add(n);
            }
        }
        return out;
    }

    /** RAM: every {@code reg} entry of the enabled memory nodes, as CPU physical addresses. */
    public List<RegEntry> memory() {
        List<RegEntry> out = new ArrayList<>();
        for (DtNode n : memoryNodes()) {
            out.addAll(n.reg());
        }
        return out;
    }

    public DtNode byPhandle(long phandle) {
        for (DtNode n : nodes()) {
            if (n.phandle() == phandle) {
                return n;
            }
        }
        return null;
    }

    public DtNode byLabel(String label) {
        for (DtNode n : nodes()) {
            if (n.labels().contains(label)) {
                return n;
            }
        }
        return null;
    }

    /** Resolves a path, a label ({@code &its} or {@code its}) or an alias to a node, or {@code null}. */
    public DtNode find(String ref) {
        String r = ref.startsWith("&") ? ref.substring(1) : ref;
        if (r.startsWith("/")) {
            return node(r);
        }
        DtNode n = byLabel(r);
        if (n != null) {
            return n;
        }
        DtNode aliases = root.child("aliases");
        if (aliases != null && aliases.has(r)) {
            return node(aliases.property(r).string());
        }
        return null;
    }
}
