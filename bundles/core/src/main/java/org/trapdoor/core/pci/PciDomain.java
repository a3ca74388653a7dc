package org.trapdoor.core.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.core.bus.Region;
import org.trapdoor.core.bus.SystemBus;
import org.trapdoor.core.compose.NodeSlot;

/**
 * What the machine keeps for one host-bridge node, whichever model serves it: the PCI hierarchy
 * (so a swapped bridge driver finds the same devices), the outbound memory windows mapped into
 * the system address space, and the bridge's requester-ID maps.
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
    private final List<PciRange> windows;
    private final List<Region> mapped = new ArrayList<>();
    private final LongAdder abortedUpstream = new LongAdder();
    private final InterruptCounters msiLedger;

    /**
     * @throws DeviceTreeException for a malformed {@code bus-range}, {@code ranges},
     *                             {@code msi-map} or {@code iommu-map}
     */
    public PciDomain(DtNode node, int defaultSegment, NodeSlot slot, SystemBus bus, InterruptCounters msiLedger) {
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
     * A device's upstream port, with its StreamID and DeviceID evaluated now.
     *
     * @throws DeviceTreeException if the bridge's msi-map or iommu-map is malformed where it
     *                             covers this requester ID
     */
    public UpstreamPort port(int bus, int devfn, AddressSpace system) {
        int rid = bus << 8 | devfn;
        // No iommu-map: not behind an IOMMU. No msi-map: the DeviceID is the requester ID.
        int streamId = iommuMap == null ? -1 : (int) iommuMap.map(rid).id();
        int deviceId = msiMap == null ? rid : (int) msiMap.map(rid).id();
        return new UpstreamPort(rid, streamId, deviceId, slot, system, abortedUpstream, msiLedger);
    }

    /** Unmaps the windows (machine shutdown). */
    public void close() {
        mapped.forEach(bus::unmap);
        mapped.clear();
    }
}
