package org.trapdoor.core.compose;

import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.model.DeviceModel;

/**
 * What a node slot publishes: one model (or none) with its region handlers resolved in advance.
 * Immutable. Transactions inside it are tracked by the machine's {@link Gate}, not here.
 */
public final class Binding {
    private final DeviceModel model;
    private final DriverEntry driver;
    private final String kind;
    private final MmioHandler[] regions;
    private final HostBridge bridge;
    private final Iommu iommu;

    private Binding(DeviceModel model, DriverEntry driver, String kind, MmioHandler[] regions) {
        this.model = model;
        this.driver = driver;
        this.kind = kind;
        this.regions = regions;
        this.bridge = model instanceof HostBridge ? (HostBridge) model : null;
        this.iommu = model instanceof Iommu ? (Iommu) model : null;
    }

    /** The binding of a node without a model. */
    static Binding unbound() {
        return new Binding(null, null, null, new MmioHandler[0]);
    }

    /**
     * Binds {@code model}, asking it now for the handler of each of the node's {@code regCount}
     * reg entries (a model may serve fewer).
     */
    static Binding of(DeviceModel model, DriverEntry driver, String kind, int regCount) {
        MmioHandler[] handlers = new MmioHandler[regCount];
        for (int i = 0; i < regCount; i++) {
            handlers[i] = model.region(i);
        }
        return new Binding(model, driver, kind, handlers);
    }

    /** The model, or null while the node is unbound. */
    public DeviceModel model() {
        return model;
    }

    /** The model as a host bridge, or null if unbound or not a bridge. */
    public HostBridge hostBridge() {
        return bridge;
    }

    /** The model as an IOMMU, or null if unbound or not an IOMMU (resolved once, at bind time). */
    public Iommu iommu() {
        return iommu;
    }

    DriverEntry driver() {
        return driver;
    }

    String kind() {
        return kind;
    }

    /** The handler for reg entry {@code index}, or null if unbound or not served. */
    MmioHandler region(int index) {
        return index < regions.length ? regions[index] : null;
    }

}
