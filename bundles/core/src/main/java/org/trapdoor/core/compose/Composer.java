package org.trapdoor.core.compose;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.machine.SwapRecord;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.MsiControllerListener;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.bus.SystemBus;

/**
 * Binds device-tree nodes to drivers, the way Linux and Xen bind drivers to {@code compatible}
 * strings, and swaps models when drivers come and go.
 *
 * <p>Every {@code reg} entry of every enabled node on the CPU bus is mapped into the system
 * address space at construction, bound or not, through the node's {@link NodeSlot}
 * ({@link NodeTopology}). Binding changes only what the slot publishes ({@link SlotSwapper}).
 * All structural operations hold this composer's lock; the data path holds none. Changes of the
 * model on MSI-controller nodes are reported after the lock is left ({@link MsiChangeBus}); the
 * CPUs' IRQ lines stay with their node across swaps ({@link InterruptWiring}).
 */
public final class Composer {
    private static final Logger LOG = LoggerFactory.getLogger(Composer.class);

    private final DeviceTree tree;
    private final DriverTable drivers = new DriverTable();
    private final Map<DtNode, NodeSlot> slots = new IdentityHashMap<>();
    private final List<NodeSlot> ordered = new ArrayList<>();
    private final SystemBus bus;
    /** Every transaction of the machine passes it; every swap waits at it. */
    private final Gate gate = new Gate();
    private final MsiChangeBus msiChanges = new MsiChangeBus(this);
    private final InterruptWiring wiring;
    private final SlotSwapper swapper;
    private boolean closed;

    /**
     * @param pciOf     the PCI hierarchy the machine keeps for a host-bridge node, or null for others
     * @param msiLedger the machine's MSI ledger, handed to every model and slot
     */
    public Composer(DeviceTree tree, SystemBus bus, PhysicalMemory memory, Function<DtNode, PciHierarchy> pciOf,
            InterruptCounters msiLedger) {
        this(tree, bus, memory, pciOf, msiLedger, Tracing.OFF);
    }

    /**
     * @param tracing the machine's trace registry, handed to every model (its bind context) and
     *                used for the composer's own {@code composer_*} points
     */
    public Composer(DeviceTree tree, SystemBus bus, PhysicalMemory memory, Function<DtNode, PciHierarchy> pciOf,
            InterruptCounters msiLedger, Tracing tracing) {
        this.tree = tree;
        this.bus = bus;
        this.wiring = new InterruptWiring(tree);
        TracePoint access = tracing.point(NodeSlot.ACCESS);
        this.swapper = new SlotSwapper(s -> new SlotBindContext(s, this, bus, memory, pciOf, msiLedger, tracing),
                msiChanges, new SwapHistory(tracing));
        for (DtNode n : tree.nodes()) {
            NodeSlot s = new NodeSlot(n, NodeTopology.enabled(n), msiLedger, gate, access);
            slots.put(n, s);
            ordered.add(s);
            if (s.enabled() && NodeTopology.onCpuBus(n) && !n.isMemory()) {
                // Memory nodes are RAM: the machine maps them itself.
                NodeTopology.mapRegions(s, bus);
            }
        }
    }

    /** The most recent binds, unbinds and swaps with their cost, oldest first. */
    public List<SwapRecord> swaps() {
        return swapper.history().recent();
    }

    /** Enabled when the node and every ancestor are. */
    public static boolean enabled(DtNode n) {
        return NodeTopology.enabled(n);
    }

    /** True when the node's {@code reg} holds CPU addresses (see {@link NodeTopology#onCpuBus}). */
    public static boolean onCpuBus(DtNode n) {
        return NodeTopology.onCpuBus(n);
    }

    /** A PCI host bridge: {@code device_type = "pci"}. */
    public static boolean isPci(DtNode n) {
        return NodeTopology.isPci(n);
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
        msiChanges.report();
    }

    public void updateDriver(HardwareDriver driver, int ranking) {
        synchronized (this) {
            if (!closed && drivers.update(driver, ranking)) {
                rebindAll();
            }
        }
        msiChanges.report();
    }

    public void removeDriver(HardwareDriver driver) {
        synchronized (this) {
            if (!closed && drivers.remove(driver)) {
                rebindAll();
            }
        }
        msiChanges.report();
    }

    private void rebindAll() {
        for (NodeSlot s : ordered) {
            rebind(s, false);
        }
    }

    // ---- explicit choices (shell) ----

    /**
     * Pins {@code node} to {@code driver}, all or nothing: the new model is created first, and
     * only when that succeeds is it published; a failed bind leaves the node's model and pin as
     * they were. A driver for another {@code compatible} than the node's model is a hot unplug and
     * re-plug: its model starts from reset.
     *
     * @throws IllegalArgumentException for an unknown node or driver, or a driver that failed to
     *                                  create a model (the message says why and what the node keeps)
     */
    public void bind(String node, String driver) {
        try {
            synchronized (this) {
                NodeSlot s = lookup(node);
                DriverEntry e = drivers.byName(driver);
                if (e == null) {
                    throw new IllegalArgumentException("no driver named '" + driver + "'; registered: "
                            + drivers.all().stream().map(DriverEntry::name).distinct().collect(Collectors.joining(", ")));
                }
                SlotSwapper.Attempt a = swapper.attempt(s, DriverTable.pinned(e, s.node().compatibles()));
                if (a.problem() != null) {
                    swapper.discard(s, a);
                    throw new IllegalArgumentException(a.problem() + "; " + s.node().path() + " keeps "
                            + (s.current().model() != null ? s.current().driver().name() : "no driver"));
                }
                s.pin = NodeSlot.Pin.DRIVER;
                s.pinnedDriver = driver;
                swapper.commit(s, a);
            }
        } finally {
            msiChanges.report();
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
            msiChanges.report();
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
            msiChanges.report();
        }
    }

    /**
     * Registers a listener for changes of the model on MSI-controller nodes; closing the handle
     * unregisters it. See {@link MsiControllerListener} for when it is called.
     */
    public AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        return msiChanges.watch(listener);
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

    /** Brings the slot to its desired binding; {@code force} re-creates the model even for the same driver. */
    private void rebind(NodeSlot s, boolean force) {
        DriverTable.Choice want = desired(s);
        if (!force && sameDriver(want, s.attempted)) {
            return;
        }
        swapper.commit(s, swapper.attempt(s, want));
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
        InterruptWiring.attach(interruptControllerSlot(node), sink);
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
        return wiring.rootInterruptController();
    }

    /** The model bound to {@code node} now, or null. */
    public DeviceModel model(DtNode node) {
        return slot(node).current().model();
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
        msiChanges.report();
    }

    // ---- snapshots ----

    public synchronized List<NodeInfo> nodes() {
        List<NodeInfo> out = new ArrayList<>();
        for (NodeSlot s : ordered) {
            out.add(NodeSnapshots.info(s));
        }
        return out;
    }

    public synchronized NodeInfo node(String pathOrLabel) {
        DtNode n = pathOrLabel == null ? null : tree.find(pathOrLabel);
        return n == null ? null : NodeSnapshots.info(slots.get(n));
    }

    public synchronized List<DriverInfo> drivers() {
        return NodeSnapshots.drivers(drivers.all(), ordered);
    }
}
