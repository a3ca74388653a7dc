package org.trapdoor.api.machine;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.phy.LaneProvider;

/**
 * The composed emulated machine: a platform device tree whose nodes are bound to hardware
 * models, the system address space they are mapped into, RAM, and the PCI devices attached.
 */
@ProviderType
public interface Machine {
    /** The platform's device tree (as loaded; bindings do not change it). */
    DeviceTree platform();

    /** Every node, depth-first, with its binding. */
    List<NodeInfo> nodes();

    /** One node by path or label, or {@code null}. */
    NodeInfo node(String pathOrLabel);

    List<DriverInfo> drivers();

    /**
     * Binds {@code node} to the named driver, replacing the current model, and pins that choice
     * until {@link #unbind} or a later bind.
     *
     * @throws IllegalArgumentException for an unknown node or driver, or a failed bind (message
     *                                  says why)
     */
    void bind(String node, String driver);

    /** Unbinds the node and keeps it unbound until {@link #bind} or {@link #autoBind}. */
    void unbind(String node);

    /** Returns the node to automatic binding (best driver by compatible and ranking). */
    void autoBind(String node);

    AddressSpace system();

    PhysicalMemory memory();

    /** Transactions that hit no region at all. */
    long unmappedAccesses();

    /** Attached PCI devices. */
    List<PciDeviceInfo> pciDevices();

    /** Paths of host-bridge nodes (bound or not), in tree order. */
    List<String> hostBridges();

    /** The model bound to a host-bridge node, or {@code null} while unbound. */
    HostBridge hostBridge(String path);

    /**
     * The PHY nodes ({@code #phy-cells}) by path, in tree order, with the lane-sharing model bound
     * now ({@code null} while unbound or when the bound model shares no lanes): how a shell sees
     * and changes which controller owns which lane without knowing the PHY's compatible.
     */
    default Map<String, LaneProvider> laneProviders() {
        return Map.of();
    }

    /**
     * The most recent binds, unbinds and swaps, oldest first, with what each cost (a bounded
     * history: the last 256).
     */
    default List<SwapRecord> swaps() {
        return List.of();
    }
}
