package org.trapdoor.conformance;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.host.RegisterAccess;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * The smallest machine a plugin's model runs in: the node's {@code reg} entries at their
 * addresses, the functions behind it ({@link Functions}), the harness's GIC as every node's
 * interrupt controller, and a ledger of its own. Accesses and upstream messages reach whichever
 * model is bound now; {@link #swap} replaces it as the machine does for a driver update: the old
 * model's state handed to the new one with no access in flight, then the old one closed.
 *
 * <p>The rig has no system address space or RAM: {@link #system()} and {@link #memory()} are
 * null, as for a bridge or MSI block that masters nothing.
 */
public final class Rig implements BindContext {
    private final Board board;
    private final Functions functions = new Functions();
    private final RecordingGic gic = new RecordingGic();
    private final InterruptCounters ledger = new InterruptCounters();
    private final Map<DtNode, DeviceModel> others = new ConcurrentHashMap<>();
    // Test plumbing, not a model's hot path: a swap waits for the accesses in flight.
    private final ReentrantReadWriteLock swapping = new ReentrantReadWriteLock();
    private volatile DeviceModel model;

    public Rig(Board board) {
        this.board = board;
        others.put(board.gic(), gic);
    }

    public Board board() {
        return board;
    }

    public Functions functions() {
        return functions;
    }

    public RecordingGic gic() {
        return gic;
    }

    /** Makes {@code model} the one bound to {@code target}, for a plugin that references another node. */
    public Rig bind(DtNode target, DeviceModel other) {
        others.put(target, other);
        return this;
    }

    /** Binds the node under test to {@code driver}'s new model. */
    public DeviceModel create(HardwareDriver driver) throws BindException {
        DeviceModel m = driver.create(this);
        if (m == null) {
            throw new BindException(driver.name() + " returned no model for " + board.node().path());
        }
        model = m;
        return m;
    }

    /** The model bound now. */
    public DeviceModel model() {
        return model;
    }

    /** The model bound now as a host bridge; fails the suite when it is none. */
    public HostBridge bridge() {
        DeviceModel m = model;
        if (!(m instanceof HostBridge b)) {
            throw new AssertionError(m + " is not a HostBridge");
        }
        return b;
    }

    /**
     * Replaces the bound model with {@code driver}'s new one: no access is in flight while the old
     * model's {@code saveState()} goes to the new model's {@code restoreState}; then the old model
     * is closed. Returns the new model.
     */
    public DeviceModel swap(HardwareDriver driver) throws BindException {
        DeviceModel next = driver.create(this);
        DeviceModel old;
        swapping.writeLock().lock();
        try {
            old = model;
            next.restoreState(old.saveState());
            model = next;
        } finally {
            swapping.writeLock().unlock();
        }
        old.close();
        return next;
    }

    /** A CPU access to {@code address}: the node's region that holds it, else a decode error. */
    public MemoryTransaction access(MemoryTransaction tx) {
        swapping.readLock().lock();
        try {
            route(model, tx);
            return tx;
        } finally {
            swapping.readLock().unlock();
        }
    }

    /**
     * A device's write coming up through the bridge: a bridge with an MSI block of its own takes
     * it in {@link HostBridge#interceptUpstream}; otherwise it reaches the node's regions by
     * address (an MSI frame's doorbell), as the system address space would route it.
     */
    public MemoryTransaction upstream(MemoryTransaction tx) {
        swapping.readLock().lock();
        try {
            DeviceModel m = model;
            if (!(m instanceof HostBridge b && b.interceptUpstream(tx))) {
                route(m, tx);
            }
            return tx;
        } finally {
            swapping.readLock().unlock();
        }
    }

    private void route(DeviceModel m, MemoryTransaction tx) {
        List<RegEntry> reg = board.node().reg();
        for (int i = 0; i < reg.size(); i++) {
            RegEntry r = reg.get(i);
            if (tx.address - r.address() >= 0 && tx.address - r.address() < r.size()) {
                MmioHandler h = m.region(i);
                if (h == null) {
                    tx.fail(MemResult.DECODE_ERROR);
                    return;
                }
                tx.offset = tx.address - r.address();
                h.access(tx);
                return;
            }
        }
        tx.fail(MemResult.DECODE_ERROR);
    }

    /** CPU accesses by physical address, for a bring-up sequence ({@code HostBridgeBringUp.run}). */
    public RegisterAccess registers() {
        return new RegisterAccess() {
            @Override
            public long read(long address, int size) {
                MemoryTransaction tx = access(new MemoryTransaction().read(address, size));
                return tx.data;
            }

            @Override
            public void write(long address, int size, long value) {
                access(new MemoryTransaction().write(address, size, value));
            }
        };
    }

    @Override
    public DtNode node() {
        return board.node();
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
                DeviceModel m = target == null ? null : others.get(target);
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
        return functions;
    }

    /** The same ledger on every call: every MSI's one outcome is recorded here. */
    @Override
    public InterruptCounters msiLedger() {
        return ledger;
    }
}
