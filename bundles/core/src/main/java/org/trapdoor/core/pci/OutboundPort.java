package org.trapdoor.core.pci;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.core.compose.Binding;
import org.trapdoor.core.compose.NodeSlot;

/**
 * A bridge's outbound memory window in the system address space: rewrites the CPU address to
 * the PCI bus address and hands the access to whichever bridge model is bound now.
 */
final class OutboundPort implements MmioHandler {
    private final NodeSlot bridge;
    private final long pciBase;

    OutboundPort(NodeSlot bridge, long pciBase) {
        this.bridge = bridge;
        this.pciBase = pciBase;
    }

    @Override
    public void access(MemoryTransaction tx) {
        Binding b = bridge.enter();
        long cpu = tx.address;
        try {
            HostBridge hb = b.hostBridge();
            if (hb == null) {
                bridge.refuse(tx);
                return;
            }
            tx.address = pciBase + tx.offset;
            hb.outbound(tx);
        } catch (RuntimeException e) {
            bridge.fault(tx, e);
        } finally {
            tx.address = cpu;
            b.exit();
        }
    }
}
