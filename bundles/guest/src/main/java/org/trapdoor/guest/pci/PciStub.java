package org.trapdoor.guest.pci;

import static org.trapdoor.api.pci.PciConfig.*;

import org.trapdoor.api.guest.GuestCapability;
import org.trapdoor.api.guest.GuestPciDevice;

/**
 * What happens to a function that its driver gives up for passthrough, after the driver freed its
 * vectors: {@code pci_clear_master} (from the driver's remove), then xen-pciback's
 * {@code pcistub_init_device}: {@code pci_save_state}, the function reset as
 * {@code __pci_reset_function_locked} picks the method ({@code pcie_flr} when Device Capabilities
 * advertise FLR; no other method is modelled), {@code pci_restore_state} for the BARs and the
 * Command register (Memory Space kept, Bus Master off: pciback leaves the device disabled).
 */
public final class PciStub {
    /** PCI_EXP_DEVCAP_FLR. */
    static final int DEVCAP_FLR = 1 << 28;
    /** PCI_EXP_DEVCTL_BCR_FLR. */
    static final int DEVCTL_BCR_FLR = 1 << 15;
    /** PCI_EXP_DEVSTA_TRPND. */
    static final int DEVSTA_TRPND = 1 << 5;
    /** Polls of Transactions Pending before the FLR goes ahead anyway ({@code pci_wait_for_pending_transaction}). */
    static final int PENDING_POLLS = 4;

    private PciStub() {
    }

    /**
     * Clears bus mastering and resets the function.
     *
     * @return how it was reset: {@code "FLR"}, or {@code "no reset method"} when the function has
     *         no FLR (the Command register is still cleared of Bus Master)
     */
    public static String seize(ConfigPort cfg, GuestPciDevice d) {
        int cmd = cfg.read(COMMAND, 2);
        cfg.write(COMMAND, 2, cmd & ~COMMAND_MASTER);
        GuestCapability exp = d.capability(CAP_ID_EXP);
        if (d.headerType() != HEADER_TYPE_NORMAL) {
            return "no reset method (not an endpoint)";
        }
        if (exp == null || (cfg.read(exp.offset() + EXP_DEVCAP, 4) & DEVCAP_FLR) == 0) {
            return "no reset method";
        }
        int[] saved = saveState(cfg);
        // pcie_flr: wait for Transactions Pending to clear, then Initiate FLR. The model completes
        // the reset before the write returns, so Linux's msleep(100) has nothing left to wait for.
        for (int i = 0; i < PENDING_POLLS && (cfg.read(exp.offset() + EXP_DEVSTA, 2) & DEVSTA_TRPND) != 0; i++) {
            Thread.onSpinWait();
        }
        int devctl = cfg.read(exp.offset() + EXP_DEVCTL, 2);
        cfg.write(exp.offset() + EXP_DEVCTL, 2, devctl | DEVCTL_BCR_FLR);
        restoreState(cfg, saved);
        return "FLR";
    }

    /** {@code pci_save_state}'s header part of a type 0 function: the six BARs, the ROM BAR, then Command. */
    private static int[] saveState(ConfigPort cfg) {
        int bars = 6;
        int[] s = new int[bars + 2];
        for (int i = 0; i < bars; i++) {
            s[i] = cfg.read(BAR0 + 4 * i, 4);
        }
        s[bars] = cfg.read(ROM_ADDRESS, 4);
        s[bars + 1] = cfg.read(COMMAND, 2) & ~COMMAND_MASTER;
        return s;
    }

    /** {@code pci_restore_config_space}: the BARs first, Command last so decoding sees the addresses. */
    private static void restoreState(ConfigPort cfg, int[] s) {
        int bars = s.length - 2;
        for (int i = 0; i < bars; i++) {
            cfg.write(BAR0 + 4 * i, 4, s[i]);
        }
        cfg.write(ROM_ADDRESS, 4, s[bars]);
        cfg.write(COMMAND, 2, s[bars + 1]);
    }
}
