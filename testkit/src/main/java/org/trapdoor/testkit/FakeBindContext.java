package org.trapdoor.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;

/**
 * What the composer hands a driver, for driver tests that have no machine: the node being
 * bound, an optional system address space and RAM, no PCI functions, an MSI ledger of its own,
 * and model references that the test binds by hand.
 *
 * <p>A {@link ModelRef} handed out follows {@link #bind}/{@link #unbind} on its target node, as a
 * machine's references follow swaps. A test that expects the driver to reference nothing calls
 * {@link #refuseRefs}; {@link #lastRefTarget()} and {@link #lastRefKind()} show what was asked for.
 */
public final class FakeBindContext implements BindContext {
    private final DtNode node;
    private final AddressSpace system;
    private final PhysicalMemory memory;
    private final InterruptCounters ledger = new InterruptCounters();
    private final Map<DtNode, DeviceModel> bound = new ConcurrentHashMap<>();
    private volatile String refusal;
    private volatile DtNode lastRefTarget;
    private volatile Class<?> lastRefKind;

    /** A context for {@code node} with neither a system address space nor RAM. */
    public FakeBindContext(DtNode node) {
        this(node, null, null);
    }

    /** A context for {@code node}; {@code system} and {@code memory} may be null. */
    public FakeBindContext(DtNode node, AddressSpace system, PhysicalMemory memory) {
        this.node = node;
        this.system = system;
        this.memory = memory;
    }

    /** Binds {@code model} to {@code target}: references to {@code target} now resolve to it. */
    public FakeBindContext bind(DtNode target, DeviceModel model) {
        bound.put(target, model);
        return this;
    }

    /** Leaves {@code target} unbound: references to it resolve to {@code null}. */
    public FakeBindContext unbind(DtNode target) {
        bound.remove(target);
        return this;
    }

    /**
     * Makes {@link #ref} throw {@link UnsupportedOperationException} with {@code why}: for
     * drivers whose models must not reference other models.
     */
    public FakeBindContext refuseRefs(String why) {
        this.refusal = why;
        return this;
    }

    /** The target of the last {@link #ref} call, or {@code null} if there was none. */
    public DtNode lastRefTarget() {
        return lastRefTarget;
    }

    /** The kind asked for in the last {@link #ref} call, or {@code null} if there was none. */
    public Class<?> lastRefKind() {
        return lastRefKind;
    }

    @Override
    public DtNode node() {
        return node;
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
        String why = refusal;
        if (why != null) {
            throw new UnsupportedOperationException(why);
        }
        lastRefTarget = target;
        lastRefKind = kind;
        return new ModelRef<>() {
            @Override
            public T get() {
                DeviceModel m = target == null ? null : bound.get(target);
                return kind.isInstance(m) ? kind.cast(m) : null;
            }

            @Override
            public DtNode node() {
                return target;
            }
        };
    }

    /** No PCI functions: this context is for nodes that are not host bridges. */
    @Override
    public PciHierarchy pci() {
        return null;
    }

    /** The same ledger on every call, so a test can read what the model recorded. */
    @Override
    public InterruptCounters msiLedger() {
        return ledger;
    }
}
