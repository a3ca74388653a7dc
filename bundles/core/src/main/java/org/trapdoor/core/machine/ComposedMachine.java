package org.trapdoor.core.machine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.phy.LaneProvider;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.MsiControllerListener;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.machine.SwapRecord;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.core.trace.TraceRegistry;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciDeviceFactory;
import org.trapdoor.api.model.DeviceModel;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.bus.Ram;
import org.trapdoor.core.bus.SystemBus;
import org.trapdoor.core.compose.Composer;
import org.trapdoor.core.pci.DeviceManager;
import org.trapdoor.core.pci.PciDomain;
import org.trapdoor.core.traffic.TrafficGenerator;

/**
 * A machine composed from a device tree: RAM from its memory nodes, every other node mapped and
 * bound through the {@link Composer}, a {@link PciDomain} per host bridge, and the endpoints of
 * the {@link DeviceManager}. One MSI ledger, created with the machine and never replaced, counts
 * the outcome of every MSI; models record into it through their bind context, so its totals
 * survive every swap.
 *
 * <p>Usable without OSGi: construct it from a tree, then add drivers, device factories and
 * devices by hand (tests, benchmarks). The OSGi component feeds it from the service registry.
 */
public final class ComposedMachine implements Machine, MachineInterrupts, AutoCloseable {
    private final DeviceTree tree;
    private final SystemBus bus = new SystemBus();
    private final Ram ram;
    private final Composer composer;
    private final Map<DtNode, PciDomain> domainByNode = new IdentityHashMap<>();
    private final List<PciDomain> domains = new ArrayList<>();
    private final DeviceManager devices;
    private final Tracing tracing;
    private final InterruptCounters msiLedger;
    private final TrafficGenerator traffic = new TrafficGenerator();

    /**
     * @throws org.trapdoor.api.dt.DeviceTreeException if the memory nodes or a host bridge's
     *                                                 PCI properties are malformed, RAM banks
     *                                                 overlap or lie beyond {@link Ram#MAX_ADDRESS}
     */
    public ComposedMachine(DeviceTree tree) {
        this(tree, new TraceRegistry());
    }

    /**
     * A machine whose models and hops declare their trace points in {@code tracing}; its ledger
     * emits {@code msi_ledger}.
     */
    public ComposedMachine(DeviceTree tree, Tracing tracing) {
        this.tree = tree;
        this.tracing = tracing;
        this.msiLedger = new InterruptCounters(tracing.point(InterruptCounters.OUTCOME));
        List<long[]> banks = new ArrayList<>();
        List<String> bankNames = new ArrayList<>();
        for (DtNode n : tree.nodes()) {
            if (n.isMemory() && Composer.enabled(n) && Composer.onCpuBus(n)) {
                List<RegEntry> regs = n.reg();
                for (int i = 0; i < regs.size(); i++) {
                    RegEntry r = regs.get(i);
                    if (r.size() != 0) {
                        checkBank(tree, n, i, r);
                        banks.add(new long[] {r.address(), r.size()});
                        bankNames.add(n.path());
                    }
                }
            }
        }
        try {
            this.ram = new Ram(banks);
        } catch (IllegalArgumentException e) {
            throw new DeviceTreeException(tree.source() + ": memory nodes: " + e.getMessage(), e);
        }
        for (int i = 0; i < banks.size(); i++) {
            bus.map(banks.get(i)[0], banks.get(i)[1], bankNames.get(i) + " (RAM)", ram);
        }
        this.composer = new Composer(tree, bus, ram, n -> {
            PciDomain d = domainByNode.get(n);
            return d == null ? null : d.hierarchy();
        }, msiLedger, tracing);
        for (DtNode n : tree.nodes()) {
            if (Composer.isPci(n) && composer.slot(n).enabled()) {
                PciDomain d = new PciDomain(n, domains.size(), composer.slot(n), bus, msiLedger, composer::slot,
                        tracing);
                domains.add(d);
                domainByNode.put(n, d);
            }
        }
        this.devices = new DeviceManager(tree, domains, bus);
    }

    /**
     * A RAM bank must end within {@link Ram#MAX_ADDRESS}: an error here names the property and its
     * line, where {@link Ram} could only refuse a bank it was given.
     */
    private static void checkBank(DeviceTree tree, DtNode n, int index, RegEntry r) {
        long last = r.address() + r.size() - 1;
        String problem = Long.compareUnsigned(last, r.address()) < 0 ? "wraps around the address space"
                : Long.compareUnsigned(last, Ram.MAX_ADDRESS - 1) > 0
                        ? String.format("ends beyond the %d-bit physical address space RAM can occupy",
                                Long.numberOfTrailingZeros(Ram.MAX_ADDRESS))
                        : null;
        if (problem != null) {
            throw new DeviceTreeException(String.format("%s: %s: reg entry %d (0x%x bytes at 0x%x) %s",
                    tree.where(n, "reg"), n.path(), index, r.size(), r.address(), problem));
        }
    }

    // ---- wiring (by hand or from the service registry) ----

    /** Registers a driver; nodes it suits better are re-bound at once. */
    public void addDriver(HardwareDriver driver, int ranking, String origin) {
        composer.addDriver(driver, ranking, origin);
    }

    /** Registers a built-in driver with ranking 0. */
    public void addDriver(HardwareDriver driver) {
        addDriver(driver, 0, "built-in");
    }

    public void updateDriver(HardwareDriver driver, int ranking) {
        composer.updateDriver(driver, ranking);
    }

    public void removeDriver(HardwareDriver driver) {
        composer.removeDriver(driver);
    }

    public void addFactory(PciDeviceFactory factory) {
        devices.addFactory(factory);
    }

    public void removeFactory(PciDeviceFactory factory) {
        devices.removeFactory(factory);
    }

    /**
     * Plugs a device, e.g. {@code testdev,addr=01.0,msi=4}; it waits if no factory for its type
     * is registered yet.
     *
     * @throws IllegalArgumentException for a bad specification (the message says why)
     */
    public void attach(String spec) {
        devices.attach(spec);
    }

    /** The system address space with its region table (for tools and tests). */
    public SystemBus bus() {
        return bus;
    }

    public Ram ram() {
        return ram;
    }

    /** The PCI domain of a host-bridge node (path or label), or null. */
    public PciDomain domain(String pathOrLabel) {
        DtNode n = tree.find(pathOrLabel);
        return n == null ? null : domainByNode.get(n);
    }

    public List<PciDomain> domains() {
        return List.copyOf(domains);
    }

    /** Unbinds every node and unplugs every device. */
    @Override
    public void close() {
        traffic.stop();
        devices.close();
        composer.close();
        domains.forEach(PciDomain::close);
    }

    /** The trace registry the machine's models and hops declare their points in. */
    public Tracing tracing() {
        return tracing;
    }

    // ---- Machine ----

    @Override
    public List<SwapRecord> swaps() {
        return composer.swaps();
    }

    @Override
    public DeviceTree platform() {
        return tree;
    }

    @Override
    public List<NodeInfo> nodes() {
        return composer.nodes();
    }

    @Override
    public NodeInfo node(String pathOrLabel) {
        return composer.node(pathOrLabel);
    }

    @Override
    public List<DriverInfo> drivers() {
        return composer.drivers();
    }

    @Override
    public void bind(String node, String driver) {
        composer.bind(node, driver);
    }

    @Override
    public void unbind(String node) {
        composer.unbind(node);
    }

    @Override
    public void autoBind(String node) {
        composer.autoBind(node);
    }

    @Override
    public AddressSpace system() {
        return bus;
    }

    @Override
    public PhysicalMemory memory() {
        return ram;
    }

    @Override
    public long unmappedAccesses() {
        return bus.unmappedAccesses();
    }

    @Override
    public List<PciDeviceInfo> pciDevices() {
        return devices.devices();
    }

    @Override
    public List<String> hostBridges() {
        List<String> out = new ArrayList<>();
        for (PciDomain d : domains) {
            out.add(d.node().path());
        }
        return out;
    }

    @Override
    public HostBridge hostBridge(String path) {
        PciDomain d = domain(path);
        return d == null ? null : d.bridge();
    }

    // ---- MachineInterrupts ----

    @Override
    public InterruptCounters msiLedger() {
        return msiLedger;
    }

    @Override
    public Map<String, InterruptController> interruptControllers() {
        return bound("interrupt-controller", InterruptController.class);
    }

    @Override
    public Map<String, MsiController> msiControllers() {
        return bound("msi-controller", MsiController.class);
    }

    @Override
    public Map<String, Iommu> iommus() {
        return bound("#iommu-cells", Iommu.class);
    }

    @Override
    public Map<String, LaneProvider> laneProviders() {
        return bound("#phy-cells", LaneProvider.class);
    }

    /** Enabled nodes with {@code property}, by path in tree order, with their model of {@code kind} or null. */
    private <T extends DeviceModel> Map<String, T> bound(String property, Class<T> kind) {
        Map<String, T> out = new LinkedHashMap<>();
        for (DtNode n : tree.nodes()) {
            boolean wanted = n.has(property) && (property.equals("msi-controller") || !n.has("msi-controller"));
            if (wanted && composer.slot(n).enabled()) {
                DeviceModel m = composer.model(n);
                out.put(n.path(), kind.isInstance(m) ? kind.cast(m) : null);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public String rootInterruptController() {
        DtNode n = composer.rootInterruptController();
        return n == null ? null : n.path();
    }

    @Override
    public void attachSink(String node, InterruptSink sink) {
        if (sink == null) {
            throw new IllegalArgumentException("no sink given; use detachSink to disconnect");
        }
        composer.attachSink(node, sink);
    }

    @Override
    public void detachSink(String node) {
        composer.attachSink(node, null);
    }

    @Override
    public List<MsiSource> msiSources() {
        return devices.msiSources();
    }

    @Override
    public Traffic traffic() {
        return traffic;
    }

    @Override
    public AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        return composer.watchMsiControllers(listener);
    }
}
