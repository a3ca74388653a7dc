package org.trapdoor.shell.iommu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.guest.GuestDmaTest;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.NodeInfo;

/**
 * What a {@code dma} reached: an MSI controller's doorbell (the write was an MSI, and the ledger
 * has it), or the node whose registers or RAM the physical address falls in. The doorbell is
 * told by the controller's own counters moving during the DMA; the outcome by the ledger's.
 */
final class DmaTarget {
    private final Map<String, Long> firedBefore = new LinkedHashMap<>();
    private final InterruptCounters.Snapshot ledgerBefore;

    private DmaTarget(MachineInterrupts interrupts) {
        for (Map.Entry<String, MsiController> e : interrupts.msiControllers().entrySet()) {
            if (e.getValue() != null) {
                firedBefore.put(e.getKey(), e.getValue().counters().fired());
            }
        }
        ledgerBefore = interrupts.msiLedger().snapshot();
    }

    /** Counts now, before the DMA. */
    static DmaTarget before(MachineInterrupts interrupts) {
        return new DmaTarget(interrupts);
    }

    /**
     * What the DMA reached, e.g. {@code the MSI doorbell of /intc@8000000/msi-controller@8080000
     * (1 MSI, delivered)} or {@code RAM (/memory@40000000)}; {@code null} when it moved nothing.
     */
    String after(MachineInterrupts interrupts, Machine machine, GuestDmaTest r) {
        List<String> doorbells = new ArrayList<>();
        long messages = 0;
        for (Map.Entry<String, MsiController> e : interrupts.msiControllers().entrySet()) {
            Long before = firedBefore.get(e.getKey());
            if (e.getValue() != null && before != null) {
                long n = e.getValue().counters().fired() - before;
                if (n > 0) {
                    doorbells.add(e.getKey());
                    messages += n;
                }
            }
        }
        if (!doorbells.isEmpty()) {
            return "the MSI doorbell of " + String.join(", ", doorbells) + " (" + messages + " MSI"
                    + (messages == 1 ? "" : "s") + ", " + outcome(interrupts.msiLedger().snapshot()) + ")";
        }
        if (!r.ok() || r.translated()) {
            return null; // a fault says itself; behind an IOMMU the bus address is no physical one
        }
        for (NodeInfo n : machine.nodes()) {
            for (RegEntry reg : n.reg()) {
                if (Long.compareUnsigned(r.busAddress() - reg.address(), reg.size()) < 0) {
                    return n.path().startsWith("/memory") ? "RAM (" + n.path() + ")" : "the registers of " + n.path();
                }
            }
        }
        return null;
    }

    /** The ledger's change: delivered, or dropped and why. */
    private String outcome(InterruptCounters.Snapshot now) {
        List<String> parts = new ArrayList<>();
        long delivered = now.delivered() - ledgerBefore.delivered();
        if (delivered > 0) {
            parts.add(delivered + " delivered");
        }
        for (Map.Entry<DropReason, Long> e : now.byReason().entrySet()) {
            long n = e.getValue() - ledgerBefore.byReason().getOrDefault(e.getKey(), 0L);
            if (n > 0) {
                parts.add(n + " dropped: " + e.getKey().description());
            }
        }
        return parts.isEmpty() ? "not in the MSI ledger" : String.join(", ", parts) + " in the MSI ledger";
    }
}
