package org.trapdoor.hw.gicv2;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.DeviceModel;
import org.trapdoor.api.platform.ModelRef;

/** A BindContext for driver tests: refs resolve to whatever model the test put in {@link #bound}. */
final class FakeContext implements BindContext {
    final DtNode node;
    volatile DeviceModel bound;
    final InterruptCounters ledger = new InterruptCounters();

    FakeContext(DtNode node) {
        this.node = node;
    }

    @Override
    public DtNode node() {
        return node;
    }

    @Override
    public AddressSpace system() {
        return null;
    }

    @Override
    public PhysicalMemory memory() {
        return null;
    }

    @Override
    public <T extends DeviceModel> ModelRef<T> ref(DtNode target, Class<T> kind) {
        return new ModelRef<>() {
            @Override
            public T get() {
                DeviceModel m = bound;
                return kind.isInstance(m) ? kind.cast(m) : null;
            }

            @Override
            public DtNode node() {
                return target;
            }
        };
    }

    @Override
    public PciHierarchy pci() {
        return null;
    }

    @Override
    public InterruptCounters msiLedger() {
        return ledger;
    }

    /** A QEMU-virt-like tree: /cpus with {@code cpus} CPUs, /intc (GICv2) with a v2m child. */
    static DtNode tree(int cpus) {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        DtNode cpuNode = new DtNode("cpus", root);
        cpuNode.put(DtProperty.ofCells("#address-cells", 1));
        cpuNode.put(DtProperty.ofCells("#size-cells", 0));
        for (int i = 0; i < cpus; i++) {
            DtNode c = new DtNode("cpu@" + i, cpuNode);
            c.put(DtProperty.ofStrings("device_type", "cpu"));
            c.put(DtProperty.ofCells("reg", i));
        }
        DtNode intc = new DtNode("intc@8000000", root);
        intc.put(DtProperty.ofStrings("compatible", "arm,cortex-a15-gic"));
        intc.put(DtProperty.ofCells("reg", 0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000));
        intc.put(DtProperty.ofCells("#address-cells", 2));
        intc.put(DtProperty.ofCells("#size-cells", 2));
        intc.put(DtProperty.empty("ranges"));
        DtNode v2m = new DtNode("v2m@8020000", intc);
        v2m.put(DtProperty.ofStrings("compatible", "arm,gic-v2m-frame"));
        v2m.put(DtProperty.ofCells("reg", 0, 0x8020000, 0, 0x1000));
        v2m.put(DtProperty.empty("msi-controller"));
        return root;
    }
}
