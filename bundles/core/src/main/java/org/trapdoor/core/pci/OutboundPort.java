package org.trapdoor.core.pci;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.core.bus.EnteredHandler;
import org.trapdoor.core.compose.Gate;
import org.trapdoor.core.compose.NodeSlot;

/**
 * A bridge's outbound memory window in the system address space: rewrites the CPU address to
 * the PCI bus address and hands the access to whichever bridge model is bound now (read inside
 * the machine's gate, so a swap of the bridge waits for the access).
 */
final class OutboundPort implements EnteredHandler {
    private final NodeSlot bridge;
    private final long pciBase;
    private final Gate gate;

    OutboundPort(NodeSlot bridge, long pciBase) {
        this.bridge = bridge;
        this.pciBase = pciBase;
        this.gate = bridge.gate();
    }

    @Override
    public void access(MemoryTransaction tx) {
        int token = gate.enter();
        try {
            accessEntered(tx);
        } finally {
            gate.exit(token);
        }
    }

    @Override
    public void accessEntered(MemoryTransaction tx) {
        long cpu = tx.address;
        try {
            HostBridge hb = bridge.current().hostBridge();
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
        }
    }
}
