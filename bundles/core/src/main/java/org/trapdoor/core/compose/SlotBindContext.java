package org.trapdoor.core.compose;

import java.util.function.Function;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.trace.Tracing;

/** What a driver receives when it binds a node: the node, the machine's buses, references to other nodes. */
final class SlotBindContext implements BindContext {
    private final NodeSlot slot;
    private final Composer composer;
    private final AddressSpace system;
    private final PhysicalMemory memory;
    private final Function<DtNode, PciHierarchy> pciOf;
    private final InterruptCounters msiLedger;
    private final Tracing tracing;

    SlotBindContext(NodeSlot slot, Composer composer, AddressSpace system, PhysicalMemory memory,
            Function<DtNode, PciHierarchy> pciOf, InterruptCounters msiLedger, Tracing tracing) {
        this.tracing = tracing;
        this.slot = slot;
        this.composer = composer;
        this.system = system;
        this.memory = memory;
        this.pciOf = pciOf;
        this.msiLedger = msiLedger;
    }

    @Override
    public DtNode node() {
        return slot.node();
    }

    @Override
    public AddressSpace system() {
        return system;
    }

    @Override
    public PhysicalMemory memory() {
        return memory;
    }

    @Override
    public <T extends DeviceModel> ModelRef<T> ref(DtNode target, Class<T> kind) {
        return new SlotRef<>(composer.slot(target), kind);
    }

    @Override
    public PciHierarchy pci() {
        PciHierarchy h = pciOf.apply(slot.node());
        return h != null ? h : EmptyHierarchy.INSTANCE;
    }

    @Override
    public InterruptCounters msiLedger() {
        return msiLedger;
    }

    @Override
    public Tracing tracing() {
        return tracing;
    }
}
