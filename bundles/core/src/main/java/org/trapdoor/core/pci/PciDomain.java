package org.trapdoor.core.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.core.bus.Region;
import org.trapdoor.core.bus.SystemBus;
import org.trapdoor.core.compose.NodeSlot;

/**
 * What the machine keeps for one host-bridge node, whichever model serves it: the PCI hierarchy
 * (so a swapped bridge driver finds the same devices), the outbound memory windows mapped into
 * the system address space, and the bridge's requester-ID maps, including the IOMMU each
 * requester ID is translated by.
 */
public final class PciDomain {
    private static final Logger LOG = LoggerFactory.getLogger(PciDomain.class);

    private final DtNode node;
    private final int segment;
    private final NodeSlot slot;
    private final SystemBus bus;
    private final Hierarchy hierarchy = new Hierarchy();
    private final int busStart;
    private final int busEnd;
    private final IdMap msiMap;
    private final IdMap iommuMap;
    /** The bridge's own {@code iommus} (used when it has no iommu-map), or empty. */
    private final List<PhandleRef> iommus;
    private final Function<DtNode, NodeSlot> slots;
    private final List<PciRange> windows;
    private final List<Region> mapped = new ArrayList<>();
    private final LongAdder abortedUpstream = new LongAdder();
    private final InterruptCounters msiLedger;
    private final Tracing tracing;
    private final PortTrace portTrace;

    /**
     * @throws DeviceTreeException for a malformed {@code bus-range}, {@code ranges},
     *                             {@code msi-map}, {@code iommu-map} or {@code iommus}
     * @param slots the composer's slot of a node: where an IOMMU named by the maps is bound
     */
    public PciDomain(DtNode node, int defaultSegment, NodeSlot slot, SystemBus bus, InterruptCounters msiLedger,
            Function<DtNode, NodeSlot> slots) {
        this(node, defaultSegment, slot, bus, msiLedger, slots, Tracing.OFF);
    }

    /** @param tracing the machine's trace registry, for the ports' {@code pci_port_*} points */
    public PciDomain(DtNode node, int defaultSegment, NodeSlot slot, SystemBus bus, InterruptCounters msiLedger,
            Function<DtNode, NodeSlot> slots, Tracing tracing) {
        this.tracing = tracing;
        this.portTrace = new PortTrace(tracing);
        this.slots = slots;
        this.msiLedger = msiLedger;
        this.node = node;
        this.segment = (int) node.u32("linux,pci-domain", defaultSegment);
        this.slot = slot;
        this.bus = bus;
        BusRange range = node.busRange();
        busStart = range.first();
        busEnd = range.last();
        msiMap = node.msiMap();
        iommuMap = node.iommuMap();
        iommus = iommuMap == null && node.has("iommus") ? node.iommus() : List.of();
        windows = node.pciRanges();
        for (PciRange w : windows) {
            boolean memory = w.space() == PciRange.Space.MEM32 || w.space() == PciRange.Space.MEM64;
            if (!memory || w.size() == 0) {
                continue;
            }
            try {
                mapped.add(bus.map(w.cpuAddress(), w.size(), node.path() + " " + w.space().name().toLowerCase(Locale.ROOT),
                        new OutboundPort(slot, w.pciAddress())));
            } catch (IllegalArgumentException e) {
                LOG.warn("{}: window not mapped: {}", node.path(), e.getMessage());
            }
        }
    }

    public DtNode node() {
        return node;
    }

    public int segment() {
        return segment;
    }

    /** The root bus number: where attached endpoints sit. */
    public int busStart() {
        return busStart;
    }

    public int busEnd() {
        return busEnd;
    }

    public Hierarchy hierarchy() {
        return hierarchy;
    }

    public List<PciRange> windows() {
        return windows;
    }

    /** The bridge model bound now, or null. */
    public HostBridge bridge() {
        return slot.current().hostBridge();
    }

    /** Upstream transactions refused because no bridge model was bound or its link was down. */
    public long abortedUpstream() {
        return abortedUpstream.sum();
    }

    /**
     * A device's upstream port, with its StreamID, its IOMMU and its DeviceID evaluated now.
     *
     * <p>The IOMMU comes from the {@code iommu-map} entry that covers the requester ID (its
     * target and output StreamID), or, for a bridge without one, from the bridge's own
     * {@code iommus} (first specifier; its first cell is the StreamID). A requester ID that
     * neither covers goes straight to the system address space, StreamID -1.
     *
     * @throws DeviceTreeException if the bridge's msi-map or iommu-map is malformed where it
     *                             covers this requester ID, or names an IOMMU node that is
     *                             not a node of the platform (a disabled IOMMU node means no
     *                             IOMMU, with a warning)
     */
    public UpstreamPort port(int bus, int devfn, AddressSpace system) {
        int rid = bus << 8 | devfn;
        int streamId = -1;
        DtNode iommuNode = null;
        if (iommuMap != null) {
            IdMap.Result r = iommuMap.map(rid);
            if (r.translated()) {
                streamId = (int) r.id();
                iommuNode = r.target();
            }
        } else if (!iommus.isEmpty()) {
            PhandleRef ref = iommus.get(0);
            if (ref.node() == null) {
                throw new DeviceTreeException(node.path() + ": iommus names phandle 0x" + Long.toHexString(ref.phandle())
                        + ", which no node has");
            }
            iommuNode = ref.node();
            streamId = ref.argCount() > 0 ? (int) ref.arg(0) : rid;
        }
        NodeSlot iommu = null;
        if (iommuNode != null) {
            iommu = slots.apply(iommuNode);
            if (!iommu.enabled()) {
                // As Linux and Xen do: an IOMMU whose node is disabled does not exist, so the
                // device is not behind one (zcu102's DT points its PCIe at a disabled SMMU).
                LOG.warn("{}: requester ID 0x{} would be translated by {}, which is disabled: no IOMMU for it",
                        node.path(), String.format("%04x", rid), iommuNode.path());
                iommu = null;
                streamId = -1;
            }
        }
        // No msi-map: the DeviceID is the requester ID.
        int deviceId = msiMap == null ? rid : (int) msiMap.map(rid).id();
        return new UpstreamPort(rid, streamId, deviceId, slot, iommu, system, abortedUpstream, msiLedger, tracing,
                portTrace);
    }

    /** Unmaps the windows (machine shutdown). */
    public void close() {
        mapped.forEach(bus::unmap);
        mapped.clear();
    }
}
