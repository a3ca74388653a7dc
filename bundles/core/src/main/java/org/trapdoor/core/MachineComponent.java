package org.trapdoor.core;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DeviceTreeLoader;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.pci.MsiSource;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.MsiControllerListener;
import org.trapdoor.api.machine.Traffic;
import org.trapdoor.api.machine.SwapRecord;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.PciDeviceInfo;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.phy.LaneProvider;
import org.trapdoor.api.pci.PciDeviceFactory;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.core.machine.ComposedMachine;

/**
 * The machine as an OSGi service: loads the configured platform, plugs the configured devices,
 * and feeds the {@link ComposedMachine} every {@link HardwareDriver} and
 * {@link PciDeviceFactory} service as it comes and goes.
 *
 * <p>The references are dynamic and greedy, so a better driver that arrives later takes over,
 * and a replacement is bound before the service it replaces is unbound: each callback acts on
 * the one service it names, never on "the current" one.
 */
// The hypervisor property (configured, else this default) is a service property too: a bare-metal
// guest boots only on a machine with hypervisor=none, a hypervisor model only on its own name.
@Component(service = {Machine.class, MachineInterrupts.class}, configurationPid = MachineComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = MachineComponent.HYPERVISOR + "=none")
@Designate(ocd = MachineConfig.class)
public final class MachineComponent implements Machine, MachineInterrupts {
    public static final String PID = "org.trapdoor.machine";
    /** Service property: the hypervisor running on the machine ({@code none} or {@code xen}). */
    public static final String HYPERVISOR = "hypervisor";
    /** The hypervisors a machine can run. */
    public static final List<String> HYPERVISORS = List.of("none", "xen");
    /** The endpoints plugged when no device is configured and the platform has a host bridge. */
    public static final List<String> DEFAULT_DEVICES = List.of("testdev,addr=01.0", "testdev,addr=02.0");

    private static final Logger LOG = LoggerFactory.getLogger(MachineComponent.class);

    private final ComposedMachine machine;

    /** Outside OSGi (tests): a trace registry of the machine's own. */
    public MachineComponent(DeviceTreeLoader loader, MachineConfig config) {
        this(loader, new org.trapdoor.core.trace.TraceRegistry(), config);
    }

    @Activate
    public MachineComponent(@Reference DeviceTreeLoader loader, @Reference Tracing tracing, MachineConfig config) {
        if (!HYPERVISORS.contains(config.hypervisor())) {
            String msg = "hypervisor '" + config.hypervisor() + "' is not available: the choices are "
                    + String.join(", ", HYPERVISORS);
            LOG.error(msg);
            throw new IllegalArgumentException(msg);
        }
        DeviceTree tree;
        try {
            tree = Presets.load(loader, config.platform());
        } catch (DeviceTreeException e) {
            LOG.error("platform {}: {}", config.platform(), e.getMessage());
            throw e;
        }
        ComposedMachine m;
        try {
            m = new ComposedMachine(tree, tracing);
        } catch (RuntimeException e) {
            LOG.error("platform {} cannot be composed: {}", config.platform(), e.getMessage());
            throw e;
        }
        // Blank entries are what a configuration form leaves behind: ignore them.
        List<String> configured = config.devices() == null ? List.of()
                : Arrays.stream(config.devices()).filter(d -> d != null && !d.isBlank()).collect(Collectors.toList());
        // The default endpoints need a host bridge; configured ones without one are an error.
        List<String> devices = !configured.isEmpty() ? configured
                : m.hostBridges().isEmpty() ? List.of() : DEFAULT_DEVICES;
        try {
            for (String spec : devices) {
                m.attach(spec);
            }
        } catch (IllegalArgumentException e) {
            LOG.error("{}", e.getMessage());
            m.close();
            throw e;
        }
        this.machine = m;
        LOG.info("machine composed from {} with {} device(s)", tree.source(), devices.size());
    }

    @Deactivate
    void deactivate() {
        machine.close();
    }

    private static int ranking(ServiceReference<?> ref) {
        Object r = ref == null ? null : ref.getProperty(Constants.SERVICE_RANKING);
        return r instanceof Integer ? (Integer) r : 0;
    }

    private static String origin(ServiceReference<?> ref) {
        Bundle b = ref == null ? null : ref.getBundle();
        return b == null ? "built-in" : b.getSymbolicName() + " " + b.getVersion();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeDriver", updated = "updatedDriver")
    void addDriver(HardwareDriver driver, ServiceReference<HardwareDriver> ref) {
        machine.addDriver(driver, ranking(ref), origin(ref));
    }

    void updatedDriver(HardwareDriver driver, ServiceReference<HardwareDriver> ref) {
        machine.updateDriver(driver, ranking(ref));
    }

    void removeDriver(HardwareDriver driver) {
        machine.removeDriver(driver);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeFactory")
    void addFactory(PciDeviceFactory factory) {
        machine.addFactory(factory);
    }

    void removeFactory(PciDeviceFactory factory) {
        machine.removeFactory(factory);
    }

    @Override
    public DeviceTree platform() {
        return machine.platform();
    }

    @Override
    public List<NodeInfo> nodes() {
        return machine.nodes();
    }

    @Override
    public NodeInfo node(String pathOrLabel) {
        return machine.node(pathOrLabel);
    }

    @Override
    public List<DriverInfo> drivers() {
        return machine.drivers();
    }

    @Override
    public void bind(String node, String driver) {
        machine.bind(node, driver);
    }

    @Override
    public void unbind(String node) {
        machine.unbind(node);
    }

    @Override
    public void autoBind(String node) {
        machine.autoBind(node);
    }

    @Override
    public AddressSpace system() {
        return machine.system();
    }

    @Override
    public PhysicalMemory memory() {
        return machine.memory();
    }

    @Override
    public long unmappedAccesses() {
        return machine.unmappedAccesses();
    }

    @Override
    public List<PciDeviceInfo> pciDevices() {
        return machine.pciDevices();
    }

    @Override
    public List<String> hostBridges() {
        return machine.hostBridges();
    }

    @Override
    public HostBridge hostBridge(String path) {
        return machine.hostBridge(path);
    }

    @Override
    public List<SwapRecord> swaps() {
        return machine.swaps();
    }

    @Override
    public InterruptCounters msiLedger() {
        return machine.msiLedger();
    }

    @Override
    public Map<String, InterruptController> interruptControllers() {
        return machine.interruptControllers();
    }

    @Override
    public Map<String, MsiController> msiControllers() {
        return machine.msiControllers();
    }

    @Override
    public String rootInterruptController() {
        return machine.rootInterruptController();
    }

    @Override
    public void attachSink(String node, InterruptSink sink) {
        machine.attachSink(node, sink);
    }

    @Override
    public void detachSink(String node) {
        machine.detachSink(node);
    }

    @Override
    public List<MsiSource> msiSources() {
        return machine.msiSources();
    }

    @Override
    public Traffic traffic() {
        return machine.traffic();
    }

    @Override
    public Map<String, Iommu> iommus() {
        return machine.iommus();
    }

    @Override
    public Map<String, LaneProvider> laneProviders() {
        return machine.laneProviders();
    }

    @Override
    public AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        return machine.watchMsiControllers(listener);
    }
}
