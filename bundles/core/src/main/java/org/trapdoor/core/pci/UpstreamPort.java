package org.trapdoor.core.pci;

import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciUpstream;
import org.trapdoor.core.compose.Binding;
import org.trapdoor.core.compose.NodeSlot;

/**
 * The upstream side of one device's link: stamps the requester ID, lets the bridge model see
 * the transaction first, applies the bridge's {@code iommu-map} / {@code msi-map} (evaluated
 * once, when the device was attached) and sends it into the system address space.
 */
public final class UpstreamPort implements PciUpstream {
    private final int rid;
    private final int streamId;
    private final int deviceId;
    private final NodeSlot bridge;
    private final AddressSpace system;
    private final LongAdder aborted;

    UpstreamPort(int rid, int streamId, int deviceId, NodeSlot bridge, AddressSpace system, LongAdder aborted) {
        this.rid = rid;
        this.streamId = streamId;
        this.deviceId = deviceId;
        this.bridge = bridge;
        this.system = system;
        this.aborted = aborted;
    }

    @Override
    public int requesterId() {
        return rid;
    }

    /** The StreamID the bridge's iommu-map gives this port, -1 if not behind an IOMMU. */
    public int streamId() {
        return streamId;
    }

    /** The DeviceID the bridge's msi-map gives this port. */
    public int deviceId() {
        return deviceId;
    }

    @Override
    public void send(MemoryTransaction tx) {
        tx.requesterId = rid;
        Binding b = bridge.enter();
        try {
            HostBridge hb = b.hostBridge();
            if (hb == null || !hb.ready()) {
                // No bridge model, or its link is down: the request never reaches the fabric.
                aborted.increment();
                tx.fail(MemResult.ABORT);
                return;
            }
            if (hb.interceptUpstream(tx)) {
                return;
            }
        } catch (RuntimeException e) {
            bridge.fault(tx, e);
            return;
        } finally {
            b.exit();
        }
        tx.streamId = streamId;
        tx.deviceId = deviceId;
        system.access(tx);
    }
}
