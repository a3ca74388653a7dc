package org.trapdoor.core.compose;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.MsiControllerChange;
import org.trapdoor.api.machine.MsiControllerListener;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.platform.BindContext;
import org.trapdoor.api.platform.BindException;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.core.bus.SystemBus;

/**
 * Binds device-tree nodes to drivers, the way Linux and Xen bind drivers to {@code compatible}
 * strings, and swaps models when drivers come and go.
 *
 * <p>Every {@code reg} entry of every enabled node on the CPU bus is mapped into the system
 * address space at construction, bound or not, through the node's {@link NodeSlot}. Binding
 * changes only what the slot publishes. All structural operations hold one lock; the data path
 * holds none.
 *
 * <p>A change of the model on an MSI-controller node is queued under that lock and reported to
 * the {@linkplain #watchMsiControllers listeners} once the operation that made it has left the
 * lock, in publish order (one delivery at a time), so a listener may read the machine or bind.
 */
public final class Composer {
    private static final Logger LOG = LoggerFactory.getLogger(Composer.class);

    private final DeviceTree tree;
    private final SystemBus bus;
    private final PhysicalMemory memory;
    private final Function<DtNode, PciHierarchy> pciOf;
    private final InterruptCounters msiLedger;
    private final DriverTable drivers = new DriverTable();
    private final Map<DtNode, NodeSlot> slots = new IdentityHashMap<>();
    private final List<NodeSlot> ordered = new ArrayList<>();
    /** Every transaction of the machine passes it; every swap waits at it. */
    private final Gate gate = new Gate();
    private boolean closed;
    private final List<MsiControllerListener> msiListeners = new CopyOnWriteArrayList<>();
    /** MSI-controller changes published but not yet reported; guarded by this composer's lock. */
    private final List<MsiControllerChange> msiChanges = new ArrayList<>();
    /** Held while reporting, so that reports from two threads never interleave or reorder. */
    private final Object reporting = new Object();

    /**
     * @param pciOf     the PCI hierarchy the machine keeps for a host-bridge node, or null for others
     * @param msiLedger the machine's MSI ledger, handed to every model and slot
     */
    public Composer(DeviceTree tree, SystemBus bus, PhysicalMemory memory, Function<DtNode, PciHierarchy> pciOf,
            InterruptCounters msiLedger) {
        this.tree = tree;
        this.bus = bus;
        this.memory = memory;
        this.pciOf = pciOf;
        this.msiLedger = msiLedger;
        for (DtNode n : tree.nodes()) {
            NodeSlot s = new NodeSlot(n, enabled(n), msiLedger, gate);
            slots.put(n, s);
            ordered.add(s);
            if (s.enabled() && onCpuBus(n) && !n.isMemory()) {
                // Memory nodes are RAM: the machine maps them itself.
                mapRegions(s);
            }
        }
    }

    /** Enabled when the node and every ancestor are. */
    public static boolean enabled(DtNode n) {
        for (DtNode p = n; p != null; p = p.parent()) {
            if (!p.isEnabled()) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when the node's {@code reg} holds CPU addresses: every bus between it and the root has
     * {@code ranges} and is not a PCI bus (whose children's reg is a config-space address).
     */
    public static boolean onCpuBus(DtNode n) {
        DtNode p = n.parent();
        if (p == null) {
            return false;
        }
        for (; p.parent() != null; p = p.parent()) {
            if (!p.has("ranges") || isPci(p)) {
                return false;
            }
        }
        return true;
    }

    /** A PCI host bridge: {@code device_type = "pci"}. */
    public static boolean isPci(DtNode n) {
        return n.has("device_type") && n.property("device_type").string().equals("pci");
    }

    private void mapRegions(NodeSlot s) {
        List<RegEntry> regs;
        try {
            regs = s.node().reg();
        } catch (DeviceTreeException e) {
            s.mapProblems.add(e.getMessage());
            LOG.warn("{}", e.getMessage());
            return;
        }
        s.regCount = regs.size();
        for (int i = 0; i < regs.size(); i++) {
            RegEntry r = regs.get(i);
            if (r.size() == 0) {
                continue;
            }
            String name = s.node().path() + (r.name() != null ? " (" + r.name() + ")" : regs.size() > 1 ? " [" + i + "]" : "");
            try {
                s.mapped.add(bus.map(r.address(), r.size(), name, new RegionPort(s, i)));
            } catch (IllegalArgumentException e) {
                s.mapProblems.add("reg " + i + " not mapped: " + e.getMessage());
                LOG.warn("{}", e.getMessage());
            }
        }
    }

    /** The slot of {@code node} (every node of the tree has one). */
    public NodeSlot slot(DtNode node) {
        NodeSlot s = slots.get(node);
        if (s == null) {
            throw new IllegalArgumentException(node.path() + " is not a node of " + tree.source());
        }
        return s;
    }

    // ---- drivers coming and going ----

    public void addDriver(HardwareDriver driver, int ranking, String origin) {
        synchronized (this) {
            if (closed) {
                return;
            }
            DriverEntry e = drivers.add(driver, ranking, origin);
            LOG.info("driver {} ({}) for {} registered by {}", e.name(), ranking, e.compatibles(), origin);
            rebindAll();
        }
        reportMsiChanges();
    }

    public void updateDriver(HardwareDriver driver, int ranking) {
        synchronized (this) {
            if (!closed && drivers.update(driver, ranking)) {
                rebindAll();
            }
        }
        reportMsiChanges();
    }

    public void removeDriver(HardwareDriver driver) {
        synchronized (this) {
            if (!closed && drivers.remove(driver)) {
                rebindAll();
            }
        }
        reportMsiChanges();
    }

    private void rebindAll() {
        for (NodeSlot s : ordered) {
            rebind(s, false);
        }
    }

    // ---- explicit choices (shell) ----

    public void bind(String node, String driver) {
        try {
            synchronized (this) {
                NodeSlot s = lookup(node);
                if (drivers.byName(driver) == null) {
                    throw new IllegalArgumentException("no driver named '" + driver + "'; registered: "
                            + drivers.all().stream().map(DriverEntry::name).distinct().collect(Collectors.joining(", ")));
                }
                s.pin = NodeSlot.Pin.DRIVER;
                s.pinnedDriver = driver;
                rebind(s, true);
                if (s.problem != null) {
                    throw new IllegalArgumentException("cannot bind " + s.node().path() + " to " + driver + ": " + s.problem);
                }
            }
        } finally {
            reportMsiChanges();
        }
    }

    public void unbind(String node) {
        try {
            synchronized (this) {
                NodeSlot s = lookup(node);
                s.pin = NodeSlot.Pin.NONE;
                s.pinnedDriver = null;
                rebind(s, false);
            }
        } finally {
            reportMsiChanges();
        }
    }

    public void autoBind(String node) {
        try {
            synchronized (this) {
                NodeSlot s = lookup(node);
                s.pin = NodeSlot.Pin.AUTO;
                s.pinnedDriver = null;
                rebind(s, false);
            }
        } finally {
            reportMsiChanges();
        }
    }

    // ---- MSI-controller changes ----

    /**
     * Registers a listener for changes of the model on MSI-controller nodes; closing the handle
     * unregisters it. See {@link MsiControllerListener} for when it is called.
     */
    public AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("no listener given");
        }
        msiListeners.add(listener);
        return () -> msiListeners.remove(listener);
    }

    /** Reports the queued MSI-controller changes; called by every operation after it left the lock. */
    private void reportMsiChanges() {
        synchronized (reporting) {
            List<MsiControllerChange> batch;
            synchronized (this) {
                if (msiChanges.isEmpty()) {
                    return;
                }
                batch = List.copyOf(msiChanges);
                msiChanges.clear();
            }
            for (MsiControllerChange c : batch) {
                for (MsiControllerListener l : msiListeners) {
                    try {
                        l.msiControllerChanged(c);
                    } catch (RuntimeException e) {
                        LOG.warn("{}: an MSI-controller listener failed", c.node(), e);
                    }
                }
            }
        }
    }

    private NodeSlot lookup(String ref) {
        if (closed) {
            throw new IllegalArgumentException("the machine is shut down");
        }
        DtNode n = ref == null ? null : tree.find(ref);
        if (n == null) {
            throw new IllegalArgumentException("no node '" + ref + "' in " + tree.source() + " (give a path such as /pcie@10000000 or a label)");
        }
        NodeSlot s = slots.get(n);
        if (!s.enabled()) {
            throw new IllegalArgumentException(n.path() + " is disabled in the device tree (status = \"disabled\")");
        }
        return s;
    }

    // ---- the swap ----

    private DriverTable.Choice desired(NodeSlot s) {
        if (!s.enabled()) {
            return null;
        }
        switch (s.pin) {
            case NONE:
                return null;
            case DRIVER: {
                DriverEntry e = drivers.byName(s.pinnedDriver);
                return e == null ? null : DriverTable.pinned(e, s.node().compatibles());
            }
            default:
                return drivers.choose(s.node().compatibles());
        }
    }

    private static boolean sameDriver(DriverTable.Choice a, DriverTable.Choice b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.entry().driver() == b.entry().driver();
    }

    /**
     * Brings the slot to its desired binding: create the new model, hand it the current model's
     * state when both model the same kind of hardware (before publishing, so that no transaction
     * ever sees the new model in its reset state: a re-bound ITS never reads as disabled),
     * publish it, drain, catch up on what the old model changed meanwhile
     * ({@link #catchUp}), close the old one. A node left unbound keeps its last model's state,
     * and the next model of the same kind takes it over before it is published. An interrupt controller's new model is connected to the
     * CPUs' sink attached to the node, the old one disconnected.
     */
    private void rebind(NodeSlot s, boolean force) {
        DriverTable.Choice want = desired(s);
        if (!force && sameDriver(want, s.attempted)) {
            return;
        }
        String problem = null;
        Binding next = s.unboundBinding();
        if (want != null) {
            DeviceModel model = null;
            try {
                model = want.entry().driver().create(new Context(s));
                if (model == null) {
                    problem = want.entry().name() + " returned no model";
                } else {
                    next = Binding.of(model, want.entry(), want.kind(), s.regCount);
                }
            } catch (BindException e) {
                problem = e.getMessage();
            } catch (RuntimeException | LinkageError e) {
                problem = want.entry().name() + " failed: " + e;
                LOG.error("driver {} failed on {}", want.entry().name(), s.node().path(), e);
            }
            if (problem != null && model != null) {
                closeQuietly(model, s);
            }
        } else if (s.pin == NodeSlot.Pin.DRIVER) {
            problem = "pinned driver '" + s.pinnedDriver + "' is not registered";
        }
        Binding before = s.current();
        // The kind of the last model the node had, whether it is being replaced now or left the node unbound.
        String lastKind = before.model() != null ? before.kind() : s.lastKind;
        boolean handOver = before.model() != null && next.model() != null && before.kind().equals(next.kind());
        // The new model carries on from the last one's state (live or parked), rather than from reset.
        boolean continued = false;
        // Before publishing: no transaction may see the new model in its reset state.
        Object handed = null;
        if (handOver) {
            try {
                handed = before.model().saveState();
                next.model().restoreState(handed);
            } catch (RuntimeException e) {
                LOG.warn("{}: state hand-over from {} to {} failed", s.node().path(), before.driver().name(),
                        next.driver().name(), e);
                handOver = false;
            }
            continued = handOver;
        } else if (next.model() != null && before.model() == null && s.parkedKind != null
                && next.kind().equals(s.parkedKind)) {
            try {
                if (s.parkedState != null) {
                    next.model().restoreState(s.parkedState);
                }
                continued = true;
            } catch (RuntimeException e) {
                LOG.warn("{}: restoring the saved state into {} failed", s.node().path(), next.driver().name(), e);
            }
        }
        // The new model's state as restored, if its state values compare by value (two snapshots equal).
        Object restored = handOver ? saveQuietly(next.model()) : null;
        if (restored != null && !restored.equals(saveQuietly(next.model()))) {
            restored = null;
        }
        Binding old = s.publish(next);
        DeviceModel oldModel = old.model();
        if (oldModel instanceof InterruptController ic && s.sink != null) {
            connectQuietly(ic, null, s);
        }
        if (oldModel != null) {
            if (handOver) {
                catchUp(s, old, next, handed, restored);
            } else if (next.model() == null) {
                // Left unbound: keep the registers, so that rebinding the same kind of hardware
                // carries on with the tables already in memory instead of a reset device.
                try {
                    s.parkedState = oldModel.saveState();
                    s.parkedKind = old.kind();
                } catch (RuntimeException e) {
                    LOG.warn("{}: saving the state of {} failed", s.node().path(), old.driver().name(), e);
                }
            }
            closeQuietly(oldModel, s);
        }
        if (next.model() != null) {
            s.parkedState = null;
            s.parkedKind = null;
            s.lastKind = next.kind();
        }
        if (oldModel != next.model() && s.node().has("msi-controller")) {
            MsiController m = next.model() instanceof MsiController mc ? mc : null;
            msiChanges.add(new MsiControllerChange(s.node().path(), m, m == null ? null : next.driver().name(),
                    m != null && next.kind().equals(lastKind), m != null && continued));
        }
        if (next.model() instanceof InterruptController ic && s.sink != null) {
            // The CPUs stay wired to the node, whichever model serves it; pending state is signalled now.
            connectQuietly(ic, s.sink, s);
        }
        s.attempted = want;
        s.problem = problem;
        if (problem != null) {
            LOG.warn("{} left unbound: {}", s.node().path(), problem);
        } else if (next.model() != null) {
            LOG.info("{} bound to {}", s.node().path(), next.driver().name());
        } else if (oldModel != null) {
            LOG.info("{} unbound", s.node().path());
        }
    }

    /**
     * After the drain of a same-kind swap: the old model may have changed between the copy made
     * before publishing and the publish (a register write that raced with the swap). Such a
     * change is carried over only when the new model is still exactly in the copied state, that
     * is when nothing reached it yet: then copying again is as if the write had landed before the
     * publish, and nothing tears. If both changed, two writers raced with the swap; the new
     * model's state is later in time and is kept (the write to the old model is lost, as a write
     * racing with a reset-free hand-over on hardware may be), and the fact is logged. Models
     * whose state value has no value equality (for example one holding an array) are never
     * copied twice: the copy before publishing is then the only one, which is what matters for
     * the data path, since their tables live in emulated memory that both models share.
     */
    private static void catchUp(NodeSlot s, Binding old, Binding next, Object handed, Object restored) {
        if (restored == null) {
            return;
        }
        Object now;
        try {
            now = old.model().saveState();
        } catch (RuntimeException e) {
            LOG.warn("{}: saving the state of {} failed", s.node().path(), old.driver().name(), e);
            return;
        }
        if (now == null || now.equals(handed)) {
            return;
        }
        Object nextNow = saveQuietly(next.model());
        if (restored.equals(nextNow)) {
            try {
                next.model().restoreState(now);
            } catch (RuntimeException e) {
                LOG.warn("{}: state hand-over from {} to {} failed", s.node().path(), old.driver().name(),
                        next.driver().name(), e);
            }
        } else {
            LOG.warn("{}: {} and {} both changed state during the swap; {} keeps its own", s.node().path(),
                    old.driver().name(), next.driver().name(), next.driver().name());
        }
    }

    private static Object saveQuietly(DeviceModel m) {
        try {
            return m.saveState();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void connectQuietly(InterruptController ic, InterruptSink sink, NodeSlot s) {
        try {
            ic.connect(sink);
        } catch (RuntimeException e) {
            LOG.warn("{}: connecting the CPUs' interrupt sink failed", s.node().path(), e);
        }
    }

    // ---- the CPUs' IRQ lines ----

    /**
     * Attaches {@code sink} to an interrupt-controller node (path or label; null for the root
     * interrupt controller) and connects the model bound now; later models are connected when
     * bound. {@code null} sink detaches.
     *
     * @throws IllegalArgumentException for an unknown node or one that is not an interrupt controller
     */
    public synchronized void attachSink(String node, InterruptSink sink) {
        NodeSlot s = interruptControllerSlot(node);
        InterruptSink before = s.sink;
        s.sink = sink;
        if (s.current().model() instanceof InterruptController ic && (sink != null || before != null)) {
            connectQuietly(ic, sink, s);
        }
    }

    private NodeSlot interruptControllerSlot(String node) {
        if (node == null) {
            DtNode root = rootInterruptController();
            if (root == null) {
                throw new IllegalArgumentException(tree.source() + " has no root interrupt controller (interrupt-parent)");
            }
            return slots.get(root);
        }
        NodeSlot s = lookup(node);
        if (!s.node().has("interrupt-controller")) {
            throw new IllegalArgumentException(s.node().path() + " is not an interrupt controller");
        }
        return s;
    }

    /** The root's interrupt parent, or null. */
    public DtNode rootInterruptController() {
        try {
            DtNode n = tree.root().interruptParent();
            return n != null && n.has("interrupt-controller") ? n : null;
        } catch (DeviceTreeException e) {
            return null;
        }
    }

    /** The model bound to {@code node} now, or null. */
    public DeviceModel model(DtNode node) {
        return slot(node).current().model();
    }

    private static void closeQuietly(DeviceModel m, NodeSlot s) {
        try {
            m.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the model failed", s.node().path(), e);
        }
    }

    /** Unbinds every node (machine shutdown); later driver changes are ignored. */
    public void close() {
        synchronized (this) {
            for (NodeSlot s : ordered) {
                s.pin = NodeSlot.Pin.NONE;
                rebind(s, false);
            }
            for (NodeSlot s : ordered) {
                s.mapped.forEach(bus::unmap);
                s.mapped.clear();
            }
            closed = true;
        }
        reportMsiChanges();
    }

    // ---- snapshots ----

    public synchronized List<NodeInfo> nodes() {
        List<NodeInfo> out = new ArrayList<>();
        for (NodeSlot s : ordered) {
            out.add(info(s));
        }
        return out;
    }

    public synchronized NodeInfo node(String pathOrLabel) {
        DtNode n = pathOrLabel == null ? null : tree.find(pathOrLabel);
        return n == null ? null : info(slots.get(n));
    }

    private NodeInfo info(NodeSlot s) {
        DtNode n = s.node();
        List<RegEntry> reg;
        try {
            reg = onCpuBus(n) ? n.reg() : List.of();
        } catch (DeviceTreeException e) {
            reg = List.of();
        }
        Binding b = s.current();
        NodeState state = !s.enabled() ? NodeState.DISABLED : b.model() != null ? NodeState.BOUND : NodeState.UNBOUND;
        String summary = n.isMemory() ? "RAM" : "";
        if (b.model() != null) {
            try {
                summary = b.model().summary();
            } catch (RuntimeException e) {
                summary = "(summary failed: " + e + ")";
            }
        }
        List<String> problems = new ArrayList<>(s.mapProblems);
        if (s.problem != null) {
            problems.add(s.problem);
        }
        if (s.faults() > 0) {
            problems.add(s.faults() + " accesses aborted because the model threw, last: " + s.lastFault());
        }
        return new NodeInfo(n.path(), n.compatibles(), reg, state, b.model() != null ? b.driver().name() : null,
                summary, s.unboundAccesses(), problems.isEmpty() ? null : String.join("; ", problems),
                s.upstreamAborts());
    }

    public synchronized List<DriverInfo> drivers() {
        List<DriverInfo> out = new ArrayList<>();
        for (DriverEntry e : drivers.all()) {
            List<String> bound = new ArrayList<>();
            for (NodeSlot s : ordered) {
                Binding b = s.current();
                if (b.driver() != null && b.driver().driver() == e.driver()) {
                    bound.add(s.node().path());
                }
            }
            out.add(new DriverInfo(e.name(), e.compatibles(), e.ranking(), e.origin(), bound));
        }
        return out;
    }

    /** What a driver receives when it binds a node. */
    private final class Context implements BindContext {
        private final NodeSlot slot;

        Context(NodeSlot slot) {
            this.slot = slot;
        }

        @Override
        public DtNode node() {
            return slot.node();
        }

        @Override
        public AddressSpace system() {
            return bus;
        }

        @Override
        public PhysicalMemory memory() {
            return memory;
        }

        @Override
        public <T extends DeviceModel> ModelRef<T> ref(DtNode target, Class<T> kind) {
            return new SlotRef<>(slot(target), kind);
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
    }
}
