package org.trapdoor.api.platform;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.trace.Tracing;

/** What the composer hands a driver when it binds a node. */
@ProviderType
public interface BindContext {
    /** The node being bound. */
    DtNode node();

    /** The system physical address space (for models that master transactions). */
    AddressSpace system();

    /** Emulated RAM (for tables and queues that software places in memory). */
    PhysicalMemory memory();

    /**
     * A stable handle on whatever model is bound to {@code target}, now or later: it follows
     * swaps, so a model keeps it for its lifetime and reads {@link ModelRef#get()} once per
     * transaction instead of looking anything up.
     */
    <T extends DeviceModel> ModelRef<T> ref(DtNode target, Class<T> kind);

    /** The PCI functions behind this node, for host bridges; empty otherwise. */
    PciHierarchy pci();

    /**
     * The machine's MSI ledger: an MSI controller records the outcome of every write that is
     * marked {@link org.trapdoor.api.memory.MemoryTransaction#msi} here (and clears the mark),
     * in addition to its own counters. It outlives the model, so the machine's totals survive
     * swaps. Contexts outside a machine (unit tests) get a ledger of their own.
     */
    default InterruptCounters msiLedger() {
        return new InterruptCounters();
    }

    /**
     * The machine's trace registry: a model asks it for its {@link org.trapdoor.api.trace.TracePoint}s
     * here, once, and keeps them. Contexts outside a machine give {@link Tracing#OFF}.
     */
    default Tracing tracing() {
        return Tracing.OFF;
    }
}
