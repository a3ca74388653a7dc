package org.trapdoor.core.compose;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.core.bus.Region;

/**
 * The composer's place for one device-tree node: the binding currently published (one volatile
 * field, read once per transaction), how the user pinned the node, and what it counts.
 *
 * <p>The system address space never points at a model directly: it points at this slot's ports,
 * so a swap is one volatile write here and every region of the node follows at once. A
 * transaction reads {@link #current()} only while inside the machine's {@link Gate}, which the
 * swap waits at after publishing.
 */
public final class NodeSlot {
    /** How the user pinned the node's binding. */
    enum Pin {
        AUTO, DRIVER, NONE
    }

    /** Any access that reaches a node's region: the doorbell hop of an MSI, a CPU's MMIO. */
    static final TraceEvent ACCESS = TraceEvent.of("node_access", "an access reaches a node's region",
            TraceField.text("node"), TraceField.dec("region"), TraceField.hex("addr"), TraceField.dec("size"),
            TraceField.flag("write"), TraceField.flag("msi"), TraceField.flag("bound"));

    private final DtNode node;
    /** Its path, kept so that a trace record refers to it instead of building a string. */
    final String path;
    /** {@link #ACCESS} in the machine's registry. */
    final TracePoint access;
    private final boolean enabled;
    /**
     * An MSI controller's node: an MSI that ends here ends at a doorbell (unbound, or a region
     * that is none). At any other node the sender's port accounts for it: an unmarked DMA
     * write that reaches a peripheral is no MSI at all.
     */
    private final boolean doorbell;
    private final InterruptCounters msiLedger;
    private final Gate gate;
    private final Binding unbound = Binding.unbound();
    private volatile Binding current = unbound;
    private final LongAdder unboundAccesses = new LongAdder();
    private final LongAdder faults = new LongAdder();
    /** Device transactions that had to pass this node as their IOMMU while it had no IOMMU model. */
    private final LongAdder upstreamAborts = new LongAdder();
    private volatile String lastFault;

    // Composer state, guarded by the composer's lock.
    Pin pin = Pin.AUTO;
    String pinnedDriver;
    DriverTable.Choice attempted;
    String problem;
    int regCount;
    final List<Region> mapped = new ArrayList<>();
    final List<String> mapProblems = new ArrayList<>();
    /** The CPUs' IRQ lines attached to this (interrupt-controller) node; handed to every model bound. */
    InterruptSink sink;
    /**
     * State the last model handed over when the node was left unbound, and the hardware kind it
     * belongs to: a later model of the same kind takes it over, as after a reset-free hand-over.
     */
    Object parkedState;
    String parkedKind;
    /** The hardware kind of the last model bound, kept while the node is unbound. */
    String lastKind;
    /** Set by {@link #publish}, read by the swapper under the composer's lock. */
    private long lastDrainNanos;

    NodeSlot(DtNode node, boolean enabled, InterruptCounters msiLedger, Gate gate, TracePoint access) {
        this.access = access;
        this.path = node.path();
        this.gate = gate;
        this.node = node;
        this.enabled = enabled;
        this.doorbell = node.has("msi-controller");
        this.msiLedger = msiLedger;
    }

    public DtNode node() {
        return node;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The machine's in-flight gate: enter it before reading {@link #current()} on a data path. */
    public Gate gate() {
        return gate;
    }

    /** The binding published now (may change at any time). */
    public Binding current() {
        return current;
    }

    Binding unboundBinding() {
        return unbound;
    }

    /**
     * Publishes {@code next} and waits until no transaction that could have read the previous
     * binding is left in the machine (see {@link Gate}).
     */
    Binding publish(Binding next) {
        Binding old = current;
        current = next;
        long t0 = System.nanoTime();
        gate.synchronize();
        lastDrainNanos = System.nanoTime() - t0;
        return old;
    }

    /** How long the last {@link #publish} waited at the gate for the old binding's transactions. */
    long lastDrainNanos() {
        return lastDrainNanos;
    }

    /** Answers a transaction that reached the node while no model serves it: DECERR, counted. */
    public void refuse(MemoryTransaction tx) {
        refuse(tx, unbound);
    }

    /**
     * Answers a transaction that reached the node while {@code b} was published and serves none
     * of it (no model, or a model that does not serve the region): DECERR, counted.
     */
    void refuse(MemoryTransaction tx, Binding b) {
        unboundAccesses.increment();
        tx.fail(MemResult.DECODE_ERROR);
        if (tx.msi && doorbell) {
            // An MSI ends here: at a doorbell node without a model, or a region that is no doorbell.
            tx.msi = false;
            msiLedger.recordDropped(b.model() == null ? DropReason.NODE_UNBOUND : DropReason.NO_DOORBELL);
        }
    }

    /** A model threw instead of answering: the access aborts (a slave error) and is counted. */
    public void fault(MemoryTransaction tx, Throwable e) {
        faults.increment();
        lastFault = e.toString();
        tx.fail(MemResult.ABORT);
        if (tx.msi && doorbell) {
            tx.msi = false;
            msiLedger.recordDropped(DropReason.TARGET_ABORT);
        }
    }

    /**
     * Answers a device transaction that must pass this node as its IOMMU while no IOMMU model
     * serves it: aborted before translation (it never reaches memory), counted here, and an MSI
     * is recorded as {@link DropReason#IOMMU_UNBOUND}.
     */
    public void abortUpstream(MemoryTransaction tx) {
        upstreamAborts.increment();
        tx.fail(MemResult.ABORT);
        if (tx.msi) {
            tx.msi = false;
            msiLedger.recordDropped(DropReason.IOMMU_UNBOUND);
        }
    }

    /** Device transactions aborted here because the node, their IOMMU, had no model. */
    public long upstreamAborts() {
        return upstreamAborts.sum();
    }

    public long unboundAccesses() {
        return unboundAccesses.sum();
    }

    long faults() {
        return faults.sum();
    }

    String lastFault() {
        return lastFault;
    }
}
