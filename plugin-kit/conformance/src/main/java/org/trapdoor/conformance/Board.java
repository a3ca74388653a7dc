package org.trapdoor.conformance;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * The device tree a plugin is checked on: a 64-bit root (two address and size cells), a GIC the
 * harness stands in for ({@link RecordingGic}, phandle 1, three interrupt cells) and the node
 * under test, which a suite's fixture describes as the vendor's binding says: {@code reg} with
 * {@code reg-names}, {@code bus-range}, named SPIs.
 */
public final class Board {
    /** The phandle of the harness's GIC node. */
    public static final long GIC_PHANDLE = 1;

    private final DtNode root = new DtNode("", null);
    private final DtNode gic;
    private final DtNode node;
    private final List<Long> reg = new ArrayList<>();
    private final List<String> regNames = new ArrayList<>();
    private final List<Long> interrupts = new ArrayList<>();
    private final List<String> interruptNames = new ArrayList<>();

    /** A node {@code name} (e.g. {@code pcie@40000000}) with {@code compatible}, as a PCI bridge. */
    public Board(String name, String... compatible) {
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        gic = new DtNode("interrupt-controller@8000000", root);
        gic.put(DtProperty.ofStrings("compatible", "arm,gic-400"));
        gic.put(DtProperty.empty("interrupt-controller"));
        gic.put(DtProperty.ofCells("#interrupt-cells", 3));
        gic.put(DtProperty.ofCells("phandle", GIC_PHANDLE));
        root.put(DtProperty.ofCells("interrupt-parent", GIC_PHANDLE));
        node = new DtNode(name, root);
        node.put(DtProperty.ofStrings("compatible", compatible));
        node.put(DtProperty.ofStrings("device_type", "pci"));
        node.put(DtProperty.ofCells("#address-cells", 3));
        node.put(DtProperty.ofCells("#size-cells", 2));
        node.put(DtProperty.ofCells("interrupt-parent", GIC_PHANDLE));
    }

    /** Appends a {@code reg} entry; {@code name} goes to {@code reg-names} (null: no names). */
    public Board reg(String name, long address, long size) {
        reg.add(address >>> 32);
        reg.add(address & 0xffff_ffffL);
        reg.add(size >>> 32);
        reg.add(size & 0xffff_ffffL);
        node.put(DtProperty.ofCells("reg", reg.stream().mapToLong(Long::longValue).toArray()));
        if (name != null) {
            regNames.add(name);
            node.put(DtProperty.ofStrings("reg-names", regNames.toArray(new String[0])));
        }
        return this;
    }

    public Board busRange(int first, int last) {
        node.put(DtProperty.ofCells("bus-range", first, last));
        return this;
    }

    /** Appends a level-high GIC SPI {@code spi} (INTID spi + 32) named {@code name}. */
    public Board spi(String name, int spi) {
        interrupts.add(0L);
        interrupts.add((long) spi);
        interrupts.add(4L);
        node.put(DtProperty.ofCells("interrupts", interrupts.stream().mapToLong(Long::longValue).toArray()));
        interruptNames.add(name);
        node.put(DtProperty.ofStrings("interrupt-names", interruptNames.toArray(new String[0])));
        return this;
    }

    /** Any other property of the node under test. */
    public Board property(DtProperty p) {
        node.put(p);
        return this;
    }

    public DtNode node() {
        return node;
    }

    public DtNode gic() {
        return gic;
    }

    public DtNode root() {
        return root;
    }
}
