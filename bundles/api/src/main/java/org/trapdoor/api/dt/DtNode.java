package org.trapdoor.api.dt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A device-tree node: its name (with unit address), properties in source order, children in
 * source order, and the labels the source gave it. Built by a reader, then treated as read-only.
 */
public final class DtNode {
    /** Most cells an address or size may take: Linux's {@code OF_MAX_ADDR_CELLS}. */
    public static final int MAX_CELLS = 4;

    private final String name;
    private final DtNode parent;
    private final Map<String, DtProperty> properties = new LinkedHashMap<>();
    private final List<DtNode> children = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();

    /** Creates a node and appends it to {@code parent}'s children ({@code parent} null for the root). */
    public DtNode(String name, DtNode parent) {
        this.name = name;
        this.parent = parent;
        if (parent != null) {
            parent.children.add(this);
        }
    }

    /** The full node name, e.g. {@code pcie@10000000}; empty for the root. */
    public String name() {
        return name;
    }

    /** The name without the unit address, e.g. {@code pcie}. */
    public String baseName() {
        int at = name.indexOf('@');
        return at < 0 ? name : name.substring(0, at);
    }

    /** The unit address text after {@code @}, or empty. */
    public String unitAddress() {
        int at = name.indexOf('@');
        return at < 0 ? "" : name.substring(at + 1);
    }

    public DtNode parent() {
        return parent;
    }

    public String path() {
        if (parent == null) {
            return "/";
        }
        // Iterative: a tree built by hand may be deeper than any stack.
        List<String> names = new ArrayList<>();
        for (DtNode n = this; n.parent != null; n = n.parent) {
            names.add(n.name);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = names.size() - 1; i >= 0; i--) {
            sb.append('/').append(names.get(i));
        }
        return sb.toString();
    }

    public List<DtNode> children() {
        return Collections.unmodifiableList(children);
    }

    /** The child with this exact name, or {@code null}. */
    public DtNode child(String childName) {
        for (DtNode c : children) {
            if (c.name.equals(childName)) {
                return c;
            }
        }
        return null;
    }

    /** Removes a child (for readers applying {@code /delete-node/}). */
    public void removeChild(DtNode child) {
        children.remove(child);
    }

    public List<DtProperty> properties() {
        return List.copyOf(properties.values());
    }

    /** The property, or {@code null}. */
    public DtProperty property(String propName) {
        return properties.get(propName);
    }

    public boolean has(String propName) {
        return properties.containsKey(propName);
    }

    /** Adds or replaces a property (a later definition wins, as in DTS). */
    public void put(DtProperty p) {
        properties.put(p.name(), p);
    }

    public void remove(String propName) {
        properties.remove(propName);
    }

    public List<String> labels() {
        return Collections.unmodifiableList(labels);
    }

    public void addLabel(String label) {
        if (!labels.contains(label)) {
            labels.add(label);
        }
    }

    /** The {@code compatible} strings, most specific first; empty if none. */
    public List<String> compatibles() {
        DtProperty p = property("compatible");
        return p == null ? List.of() : p.strings();
    }

    /** True unless {@code status} says otherwise than "okay"/"ok". */
    public boolean isEnabled() {
        DtProperty p = property("status");
        if (p == null) {
            return true;
        }
        String s = p.string();
        return s.equals("okay") || s.equals("ok");
    }

    /** The node's phandle ({@code phandle} or {@code linux,phandle}), or -1. */
    public long phandle() {
        DtProperty p = property("phandle");
        if (p == null) {
            p = property("linux,phandle");
        }
        return p == null || p.cellCount() < 1 ? -1 : p.u32();
    }

    /**
     * {@code #address-cells} this node gives its children (default 2).
     *
     * @throws DeviceTreeException if it is not one cell of at most {@link #MAX_CELLS}
     */
    public int addressCells() {
        return cellCount("#address-cells", 2);
    }

    /**
     * {@code #size-cells} this node gives its children (default 1).
     *
     * @throws DeviceTreeException if it is not one cell of at most {@link #MAX_CELLS}
     */
    public int sizeCells() {
        return cellCount("#size-cells", 1);
    }

    private int cellCount(String prop, int dflt) {
        DtProperty p = property(prop);
        if (p == null) {
            return dflt;
        }
        if (p.length() != 4 || p.u32() > MAX_CELLS) {
            // Checked here, where every user of the count passes, so no caller divides by or
            // indexes with a count that is not one.
            throw new DeviceTreeException(String.format("%s: %s must be one cell of at most %d, not %s",
                    path(), prop, MAX_CELLS, p.length() == 4 ? "0x" + Long.toHexString(p.u32()) : p.length() + " bytes"));
        }
        return (int) p.u32();
    }

    /** A u32 property, or {@code dflt} when absent. */
    public long u32(String propName, long dflt) {
        DtProperty p = property(propName);
        return p == null || p.cellCount() < 1 ? dflt : p.u32();
    }

    /**
     * The {@code reg} entries, decoded with the parent's cell counts and translated to CPU
     * addresses through every ancestor's {@code ranges} (an empty {@code ranges} is identity).
     * Names come from {@code reg-names}.
     *
     * @throws DeviceTreeException if {@code reg} is not a whole number of entries, or an address
     *                             falls outside every range of a parent bus
     */
    public List<RegEntry> reg() {
        DtProperty p = property("reg");
        if (p == null || parent == null) {
            return List.of();
        }
        int ac = parent.addressCells();
        int sc = parent.sizeCells();
        int per = ac + sc;
        if (per == 0 || p.length() % (per * 4) != 0) {
            throw new DeviceTreeException(path() + ": reg has " + p.length() + " bytes, not a multiple of "
                    + (per * 4) + " (#address-cells=" + ac + ", #size-cells=" + sc + " of " + parent.path() + ")");
        }
        DtProperty names = property("reg-names");
        List<String> nameList = names == null ? List.of() : names.strings();
        List<RegEntry> out = new ArrayList<>();
        int n = p.cellCount() / per;
        for (int i = 0; i < n; i++) {
            long addr = ac > 2 ? p.cells(i * per + ac - 2, 2) : p.cells(i * per, ac);
            long size = p.cells(i * per + ac, sc);
            out.add(new RegEntry(parent.translate(addr, ac > 2 ? p.cell(i * per) : 0),
                    size, i < nameList.size() ? nameList.get(i) : null));
        }
        return out;
    }

    /** The entry whose {@code reg-names} is {@code regName}, or {@code null}. */
    public RegEntry reg(String regName) {
        for (RegEntry r : reg()) {
            if (regName.equals(r.name())) {
                return r;
            }
        }
        return null;
    }

    /**
     * Translates a child-bus address to a CPU address through this node's {@code ranges} and its
     * ancestors'. {@code hiCell} is the first cell of a 3-cell PCI address (space code), else 0.
     */
    long translate(long addr, long hiCell) {
        // A loop up the ancestors rather than recursion: its cost is the tree's depth, not the stack's.
        long a = addr;
        long hi = hiCell;
        for (DtNode bus = this; bus.parent != null; bus = bus.parent) {
            DtProperty ranges = bus.property("ranges");
            if (ranges == null) {
                // No ranges: this bus is not mapped into the parent's space; keep the address.
                return a;
            }
            if (!ranges.isEmpty()) {
                a = bus.translateOneLevel(ranges, a, hi);
            }
            hi = 0;
        }
        return a;
    }

    /** {@code addr} on this bus through this node's non-empty {@code ranges} to its parent's bus. */
    private long translateOneLevel(DtProperty ranges, long addr, long hiCell) {
        int cac = addressCells();
        int pac = parent.addressCells();
        int csc = sizeCells();
        int per = cac + pac + csc;
        if (per == 0 || ranges.length() % (per * 4) != 0) {
            throw new DeviceTreeException(path() + ": ranges has " + ranges.length()
                    + " bytes, not a multiple of " + (per * 4));
        }
        int n = ranges.cellCount() / per;
        for (int i = 0; i < n; i++) {
            int o = i * per;
            long childBase = cac > 2 ? ranges.cells(o + cac - 2, 2) : ranges.cells(o, cac);
            long parentBase = pac > 2 ? ranges.cells(o + cac + pac - 2, 2) : ranges.cells(o + cac, pac);
            long size = ranges.cells(o + cac + pac, csc);
            if (cac == 3 && ((ranges.cell(o) ^ hiCell) & 0x0300_0000L) != 0) {
                continue;
            }
            if (Long.compareUnsigned(addr, childBase) >= 0 && Long.compareUnsigned(addr - childBase, size) < 0) {
                return parentBase + (addr - childBase);
            }
        }
        throw new DeviceTreeException(String.format("%s: address 0x%x is outside every entry of its ranges", path(), addr));
    }

    /** The root of the tree this node belongs to. */
    public DtNode root() {
        DtNode n = this;
        while (n.parent != null) {
            n = n.parent;
        }
        return n;
    }

    /** The node of this tree whose phandle is {@code ph}, or {@code null}. */
    public DtNode resolvePhandle(long ph) {
        for (DtNode n : root().subtree()) {
            if (n.phandle() == ph) {
                return n;
            }
        }
        return null;
    }

    /** {@code device_type = "memory"}: the node describes RAM. */
    public boolean isMemory() {
        DtProperty p = property("device_type");
        return p != null && p.string().equals("memory");
    }

    /** The PCI host bridge's {@code bus-range}, 0..255 when absent (as Xen assumes). */
    public BusRange busRange() {
        return BusRange.of(this);
    }

    /** The PCI host bridge's {@code ranges} windows, CPU addresses translated through the parents. */
    public List<PciRange> pciRanges() {
        return PciRange.parse(this);
    }

    /** {@code msi-map}/{@code msi-map-mask}, or {@code null} when absent. */
    public IdMap msiMap() {
        return IdMap.msiMap(this);
    }

    /** {@code iommu-map}/{@code iommu-map-mask}, or {@code null} when absent. */
    public IdMap iommuMap() {
        return IdMap.iommuMap(this);
    }

    /** The {@code msi-parent} specifiers ({@code #msi-cells} of the target, default 0); empty if absent. */
    public List<PhandleRef> msiParent() {
        return PhandleRef.parse(this, "msi-parent", "#msi-cells", 0);
    }

    /** The {@code iommus} specifiers (the IOMMU's {@code #iommu-cells} is required); empty if absent. */
    public List<PhandleRef> iommus() {
        return PhandleRef.parse(this, "iommus", "#iommu-cells", -1);
    }

    /**
     * The node's interrupt parent as Linux finds it: the {@code interrupt-parent} phandle, else the
     * tree parent, repeated until a node with {@code #interrupt-cells}; {@code null} if none.
     *
     * @throws DeviceTreeException if an {@code interrupt-parent} names an unknown phandle
     */
    public DtNode interruptParent() {
        DtNode child = this;
        for (int guard = 0; guard < 1024; guard++) {
            DtProperty ip = child.property("interrupt-parent");
            DtNode p;
            if (ip != null) {
                p = ip.cellCount() < 1 ? null : resolvePhandle(ip.u32());
                if (p == null) {
                    throw new DeviceTreeException(child.path() + ": interrupt-parent names no node");
                }
            } else {
                p = child.parent;
            }
            if (p == null || p.has("#interrupt-cells")) {
                return p;
            }
            child = p;
        }
        throw new DeviceTreeException(path() + ": interrupt-parent chain loops");
    }

    /**
     * The node's interrupts, from {@code interrupts-extended} when present, else {@code interrupts}
     * split by the interrupt parent's {@code #interrupt-cells}; names from {@code interrupt-names}.
     *
     * @throws DeviceTreeException if there is no interrupt parent or the cells do not divide evenly
     */
    public List<DtInterrupt> interrupts() {
        DtProperty names = property("interrupt-names");
        List<String> nameList = names == null ? List.of() : names.strings();
        List<DtInterrupt> out = new ArrayList<>();
        if (has("interrupts-extended")) {
            for (PhandleRef r : PhandleRef.parse(this, "interrupts-extended", "#interrupt-cells", -1)) {
                out.add(new DtInterrupt(r.node(), r.args(), out.size() < nameList.size() ? nameList.get(out.size()) : null));
            }
            return List.copyOf(out);
        }
        DtProperty p = property("interrupts");
        if (p == null) {
            return List.of();
        }
        DtNode ip = interruptParent();
        if (ip == null) {
            throw new DeviceTreeException(path() + ": interrupts without an interrupt parent");
        }
        long per = ip.u32("#interrupt-cells", 0);
        if (per < 1 || p.length() % (per * 4) != 0) {
            throw new DeviceTreeException(path() + ": interrupts has " + p.length() + " bytes, not a multiple of "
                    + per + " cells (#interrupt-cells of " + ip.path() + ")");
        }
        for (int i = 0; i < p.cellCount(); i += per) {
            long[] cells = new long[(int) per];
            for (int k = 0; k < per; k++) {
                cells[k] = p.cell(i + k);
            }
            out.add(new DtInterrupt(ip, cells, out.size() < nameList.size() ? nameList.get(out.size()) : null));
        }
        return List.copyOf(out);
    }

    /** Depth-first, pre-order walk of this node and its descendants. */
    public List<DtNode> subtree() {
        // An explicit stack rather than recursion: the walk must not depend on the tree's depth.
        List<DtNode> out = new ArrayList<>();
        ArrayDeque<DtNode> stack = new ArrayDeque<>();
        stack.push(this);
        while (!stack.isEmpty()) {
            DtNode n = stack.pop();
            out.add(n);
            for (int i = n.children.size() - 1; i >= 0; i--) {
                stack.push(n.children.get(i));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return path();
    }
}
