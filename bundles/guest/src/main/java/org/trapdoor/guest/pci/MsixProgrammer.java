package org.trapdoor.guest.pci;

import static org.trapdoor.api.pci.PciConfig.*;

import java.util.List;

import org.trapdoor.guest.irqchip.MsiMessage;
import org.trapdoor.guest.mem.Mmio;

/**
 * {@code msix_capability_init}, with one difference: each table entry (in the BAR named by the
 * BIR) is written while its vector is masked and then unmasked, INTx disabled, and MSI-X enabled
 * last, all while MSI-X is disabled. Linux enables MSI-X with the function masked first, for
 * devices whose table only answers while enabled; a device that signals in that window sets its
 * pending bit and sends the message on unmask, an extra message that no event of the new set-up
 * made. Here a device signalling during the set-up (or after the {@link #shutdown}) finds MSI-X
 * disabled and nothing is left pending, so a re-probe under traffic keeps one message per event.
 * Table accesses are 4-byte CPU stores to the BAR.
 */
public final class MsixProgrammer implements VectorProgrammer {
    private final ConfigPort cfg;
    private final int cap;
    private final long table;
    private final Mmio mmio;

    /** @param table CPU address of the MSI-X table (the BAR's address plus the table offset) */
    public MsixProgrammer(ConfigPort cfg, int cap, long table, Mmio mmio) {
        this.cfg = cfg;
        this.cap = cap;
        this.table = table;
        this.mmio = mmio;
    }

    /** The BAR index ({@code BIR}) and offset of the table, from the capability. */
    public static int tableBir(ConfigPort cfg, int cap) {
        return cfg.read(cap + MSIX_TABLE, 4) & MSIX_BIR_MASK;
    }

    public static long tableOffset(ConfigPort cfg, int cap) {
        return cfg.read(cap + MSIX_TABLE, 4) & ~MSIX_BIR_MASK & 0xffff_ffffL;
    }

    @Override
    public boolean msix() {
        return true;
    }

    @Override
    public int capable() {
        return (cfg.read(cap + MSIX_FLAGS, 2) & MSIX_FLAGS_QSIZE) + 1;
    }

    private long entry(int i) {
        return table + (long) i * MSIX_ENTRY_SIZE;
    }

    @Override
    public void program(List<MsiMessage> messages) {
        int ctrl = cfg.read(cap + MSIX_FLAGS, 2) & ~(MSIX_FLAGS_MASKALL | MSIX_FLAGS_ENABLE);
        cfg.write(cap + MSIX_FLAGS, 2, ctrl);
        for (int i = 0; i < messages.size(); i++) {
            MsiMessage m = messages.get(i);
            long e = entry(i);
            mmio.write32(e + MSIX_ENTRY_VECTOR_CTRL, MSIX_ENTRY_CTRL_MASKBIT);
            mmio.write32(e + MSIX_ENTRY_ADDRESS_LO, (int) m.address());
            mmio.write32(e + MSIX_ENTRY_ADDRESS_HI, (int) (m.address() >>> 32));
            mmio.write32(e + MSIX_ENTRY_DATA, m.data());
        }
        int cmd = cfg.read(COMMAND, 2);
        cfg.write(COMMAND, 2, cmd | COMMAND_INTX_DISABLE);
        for (int i = 0; i < messages.size(); i++) {
            mmio.write32(entry(i) + MSIX_ENTRY_VECTOR_CTRL, 0);
        }
        cfg.write(cap + MSIX_FLAGS, 2, ctrl | MSIX_FLAGS_ENABLE);
    }

    /**
     * MSI-X disabled, entries left as they are (the next {@link #program} masks each before
     * rewriting it). Linux masks every entry too; but a device that signals across the disable has
     * seen MSI-X enabled and would then find its entry masked, set its pending bit and send that
     * message once the vector is live again: an extra message that no event of the new set-up made.
     */
    @Override
    public void shutdown() {
        int ctrl = cfg.read(cap + MSIX_FLAGS, 2);
        cfg.write(cap + MSIX_FLAGS, 2, ctrl & ~(MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL));
    }

    @Override
    public boolean masked(int i) {
        if ((cfg.read(cap + MSIX_FLAGS, 2) & MSIX_FLAGS_MASKALL) != 0) {
            return true;
        }
        return (mmio.read32(entry(i) + MSIX_ENTRY_VECTOR_CTRL) & MSIX_ENTRY_CTRL_MASKBIT) != 0;
    }
}
