package org.trapdoor.guest.pci;

import static org.trapdoor.api.pci.PciConfig.*;

import java.util.List;

import org.trapdoor.guest.irqchip.MsiMessage;

/**
 * {@code msi_capability_init}: MSI disabled, all vectors masked (per-vector masking), the message
 * address and data (the first vector's; the function ORs the vector number into the low bits),
 * Multiple Message Enable = log2 of the vectors granted, INTx disabled, vectors unmasked, MSI
 * enabled last. Unmasking before enabling (Linux does it the other way round), and a
 * {@link #shutdown} that only disables, mean a device signalling meanwhile finds MSI disabled
 * rather than its vector masked: no pending bit is left to go out later as an extra message.
 */
public final class MsiProgrammer implements VectorProgrammer {
    private final ConfigPort cfg;
    private final int cap;

    public MsiProgrammer(ConfigPort cfg, int cap) {
        this.cfg = cfg;
        this.cap = cap;
    }

    @Override
    public boolean msix() {
        return false;
    }

    private int flags() {
        return cfg.read(cap + MSI_FLAGS, 2);
    }

    private boolean is64() {
        return (flags() & MSI_FLAGS_64BIT) != 0;
    }

    private boolean maskable() {
        return (flags() & MSI_FLAGS_MASKBIT) != 0;
    }

    private int maskOffset() {
        return cap + (is64() ? MSI_MASK_64 : MSI_MASK_32);
    }

    @Override
    public int capable() {
        return 1 << Math.min(5, (flags() & MSI_FLAGS_QMASK) >> 1);
    }

    @Override
    public void program(List<MsiMessage> messages) {
        int n = messages.size();
        if (n < 1 || Integer.bitCount(n) != 1 || n > capable()) {
            throw new IllegalArgumentException("MSI needs a power of two of vectors up to " + capable() + ", not " + n);
        }
        int ctrl = flags() & ~MSI_FLAGS_ENABLE;
        cfg.write(cap + MSI_FLAGS, 2, ctrl);
        if (maskable()) {
            cfg.write(maskOffset(), 4, -1);
        }
        MsiMessage m = messages.get(0);
        cfg.write(cap + MSI_ADDRESS_LO, 4, (int) m.address());
        if (is64()) {
            cfg.write(cap + MSI_ADDRESS_HI, 4, (int) (m.address() >>> 32));
            cfg.write(cap + MSI_DATA_64, 2, m.data() & 0xffff);
        } else {
            cfg.write(cap + MSI_DATA_32, 2, m.data() & 0xffff);
        }
        int mme = Integer.numberOfTrailingZeros(n);
        ctrl = (ctrl & ~MSI_FLAGS_QSIZE) | mme << 4;
        cfg.write(cap + MSI_FLAGS, 2, ctrl);
        cfg.write(COMMAND, 2, cfg.read(COMMAND, 2) | COMMAND_INTX_DISABLE);
        if (maskable()) {
            cfg.write(maskOffset(), 4, 0);
        }
        cfg.write(cap + MSI_FLAGS, 2, ctrl | MSI_FLAGS_ENABLE);
    }

    @Override
    public void shutdown() {
        cfg.write(cap + MSI_FLAGS, 2, flags() & ~(MSI_FLAGS_ENABLE | MSI_FLAGS_QSIZE));
    }

    @Override
    public boolean masked(int i) {
        return maskable() && (cfg.read(maskOffset(), 4) & (1 << i)) != 0;
    }
}
