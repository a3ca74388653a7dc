package org.trapdoor.core.pci;

import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiAccounting;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciUpstream;
import org.trapdoor.api.trace.Traced;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.core.bus.SystemBus;
import org.trapdoor.core.compose.Gate;
import org.trapdoor.core.compose.NodeSlot;

/**
 * The upstream side of one device's link: stamps the requester ID, lets the bridge model see
 * the transaction first, applies the bridge's {@code iommu-map} / {@code msi-map} (evaluated
 * once, when the device was attached), passes it through the IOMMU those maps assign, and sends
 * it, translated, into the system address space.
 *
 * <p>The IOMMU hop: a port behind an IOMMU holds that node's {@link NodeSlot} (resolved at
 * attach time, so it follows every swap of the IOMMU's driver) and reads its published binding
 * once per transaction. No IOMMU model bound: the transaction is aborted and counted at the node
 * ({@link NodeSlot#abortUpstream}; an MSI as {@link DropReason#IOMMU_UNBOUND}). Bound: the model
 * {@link Iommu#translate translates} it by StreamID; a fault (recorded and counted by the IOMMU,
 * as the hardware does) aborts it before it reaches memory, and an MSI is recorded as
 * {@link DropReason#IOMMU_FAULT}. The hardware's tables live in emulated memory, so a rebound
 * IOMMU picks them up with no guest action.
 *
 * <p>MSI accounting: an MSI write ({@link MemoryTransaction#msi}) is normally recorded by the
 * doorbell that decodes it (or the unbound node it hits), which clears the mark. One that still
 * carries the mark when it comes back here met no such hop, and the port records why: the
 * bridge was unbound ({@link DropReason#BRIDGE_UNBOUND}), or it reached no doorbell
 * ({@link DropReason#NO_DOORBELL}, or {@link DropReason#TARGET_ABORT} if refused).
 *
 * <p>On PCIe an MSI is nothing but a posted memory write: only its target makes it one. So a
 * write the device did not mark (a DMA, e.g. the shell's {@code dma} aimed at a doorbell) is
 * marked too for the hops where a doorbell can decode it (the bridge's own MSI capture and the
 * system bus), and a doorbell that does records it in the ledger like any other MSI. Such a write
 * is not marked while the IOMMU looks at it, and if it reaches no doorbell the mark is taken off
 * without a record: it was a DMA, not a lost MSI.
 *
 * <p>Hot path: the port enters the machine's {@link Gate} once for the whole transaction (the
 * bridge hop and whatever node decodes it, the doorbell included), and goes into the system
 * address space through a {@link SystemBus.Route} of its own, so an MSI to the same doorbell
 * skips the region search. No lock, no allocation, no look-up by name.
 */
public final class UpstreamPort implements PciUpstream, MsiAccounting, Traced {
    private final int rid;
    private final int streamId;
    private final int deviceId;
    private final NodeSlot bridge;
    /** The slot of the IOMMU node that translates this port's transactions, or null for none. */
    private final NodeSlot iommu;
    private final AddressSpace system;
    private final LongAdder aborted;
    private final InterruptCounters msiLedger;
    private final Gate gate;
    /** The system bus when {@code system} is one (the machine's), for routed access; else null. */
    private final SystemBus bus;
    private final SystemBus.Route route = new SystemBus.Route();
    private final Tracing tracing;
    private final PortTrace trace;

    UpstreamPort(int rid, int streamId, int deviceId, NodeSlot bridge, NodeSlot iommu, AddressSpace system,
            LongAdder aborted, InterruptCounters msiLedger, Tracing tracing, PortTrace trace) {
        this.tracing = tracing;
        this.trace = trace;
        this.iommu = iommu;
        this.msiLedger = msiLedger;
        this.rid = rid;
        this.streamId = streamId;
        this.deviceId = deviceId;
        this.bridge = bridge;
        this.system = system;
        this.aborted = aborted;
        this.gate = bridge.gate();
        this.bus = system instanceof SystemBus sb ? sb : null;
    }

    @Override
    public int requesterId() {
        return rid;
    }

    /** The StreamID the bridge's iommu-map gives this port, -1 if not behind an IOMMU. */
    public int streamId() {
        return streamId;
    }

    /** The IOMMU node that translates this port's transactions, or null when it has none. */
    public NodeSlot iommu() {
        return iommu;
    }

    /** The DeviceID the bridge's msi-map gives this port. */
    public int deviceId() {
        return deviceId;
    }

    @Override
    public void send(MemoryTransaction tx) {
        // Kept small (under C2's FreqInlineSize of 325 bytecodes, with the emits and the rare
        // paths out of line) so that it inlines into the device's MessagePort.send: at 343 bytes
        // it was compiled on its own, one more call on every MSI and every DMA.
        tx.requesterId = rid;
        if (trace.send.on()) {
            traceSend(tx);
        }
        boolean probe = tx.write && !tx.msi;
        int token = gate.enter();
        try {
            if (bridgeHop(tx, probe)) {
                tx.streamId = streamId;
                tx.deviceId = deviceId;
                if (trace.route.on()) {
                    traceRoute();
                }
                if (iommu == null || iommuHop(tx)) {
                    tx.msi |= probe;
                    if (bus != null) {
                        bus.accessEntered(tx, route);
                    } else {
                        system.access(tx);
                    }
                }
            }
        } finally {
            gate.exit(token);
        }
        if (probe) {
            tx.msi = false; // still marked: no doorbell took it, it was a plain DMA write
        } else if (tx.msi) {
            settle(tx);
        }
        if (trace.done.on()) {
            traceDone(tx);
        }
    }

    private void traceSend(MemoryTransaction tx) {
        trace.send.emit(rid, tx.address, tx.size, tx.write ? 1 : 0, tx.write ? tx.data : 0, tx.msi ? 1 : 0);
    }

    private void traceRoute() {
        trace.route.emit(rid, streamId, deviceId, iommu == null ? 0 : 1);
    }

    private void traceDone(MemoryTransaction tx) {
        trace.done.emit(rid, tx.address, tx.result == null ? -1 : tx.result.ordinal(), tx.data);
    }

    /**
     * The bridge model's turn; true when the transaction goes on into the system address space.
     * The caller is inside the gate.
     */
    private boolean bridgeHop(MemoryTransaction tx, boolean probe) {
        try {
            HostBridge hb = bridge.current().hostBridge();
            if (hb == null || !hb.ready()) {
                // No bridge model, or its link is down: the request never reaches the fabric.
                aborted.increment();
                if (trace.abort.on()) {
                    trace.abort.emit(rid, PortTrace.BRIDGE_DOWN);
                }
                tx.fail(MemResult.ABORT);
                if (tx.msi) {
                    tx.msi = false;
                    msiLedger.recordDropped(DropReason.BRIDGE_UNBOUND);
                }
                return false;
            }
            tx.msi |= probe;
            boolean taken = hb.interceptUpstream(tx);
            if (probe && !taken) {
                tx.msi = false; // unmarked through the IOMMU: a DMA it refuses is no dropped MSI
            }
            return !taken;
        } catch (RuntimeException e) {
            if (trace.abort.on()) {
                trace.abort.emit(rid, PortTrace.MODEL_FAILED);
            }
            bridge.fault(tx, e);
            return false;
        }
    }

    /**
     * The IOMMU's turn; true when the transaction goes on, translated. The caller is inside the
     * gate, so the model read here is not closed under it.
     */
    private boolean iommuHop(MemoryTransaction tx) {
        Iommu mmu = iommu.current().iommu();
        if (mmu == null) {
            if (trace.abort.on()) {
                trace.abort.emit(rid, PortTrace.IOMMU_UNBOUND);
            }
            iommu.abortUpstream(tx);
            return false;
        }
        try {
            mmu.translate(tx);
        } catch (RuntimeException e) {
            if (trace.abort.on()) {
                trace.abort.emit(rid, PortTrace.MODEL_FAILED);
            }
            iommu.fault(tx, e);
            return false;
        }
        if (tx.ok()) {
            return true;
        }
        if (trace.abort.on()) {
            trace.abort.emit(rid, PortTrace.IOMMU_FAULT);
        }
        if (tx.msi) {
            tx.msi = false;
            msiLedger.recordDropped(DropReason.IOMMU_FAULT);
        }
        return false;
    }

    /** Records an MSI no later hop accounted for. */
    private void settle(MemoryTransaction tx) {
        if (tx.msi) {
            tx.msi = false;
            msiLedger.recordDropped(tx.result == MemResult.ABORT ? DropReason.TARGET_ABORT : DropReason.NO_DOORBELL);
        }
    }

    @Override
    public InterruptCounters msiLedger() {
        return msiLedger;
    }

    @Override
    public Tracing tracing() {
        return tracing;
    }
}
