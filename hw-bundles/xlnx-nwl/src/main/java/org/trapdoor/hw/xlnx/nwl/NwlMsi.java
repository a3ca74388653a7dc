package org.trapdoor.hw.xlnx.nwl;

import java.util.concurrent.atomic.AtomicLong;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.register.RangeHandler;

/**
 * The NWL bridge's MSI ingress block ({@code pcie-xilinx-nwl.c}'s MSI domain): a captured
 * message sets bit {@code data} of a 64-bit status bitmap (MSGF_MSI_STATUS_LO for vectors 0..31,
 * _HI for 32..63, write-1-to-clear); MSGF_MSI_MASK_LO/HI enable vectors (1 = enabled); SPI
 * {@code msi0} is high while any enabled vector of 0..31 is pending, {@code msi1} likewise for
 * 32..63 (level-sensitive, as the device tree says). There is no source check: any writer of
 * the capture address sets any vector, as on the real part.
 *
 * <p>The capture path makes one compare-and-set on the status word and allocates nothing.
 */
final class NwlMsi implements RangeHandler {
    static final int VECTORS = 64;
    /** Offsets inside the 16-byte range at breg 0x440. */
    static final int STATUS_LO = 0x0, STATUS_HI = 0x4, MASK_LO = 0x8, MASK_HI = 0xc;

    private final AtomicLong status = new AtomicLong();
    private volatile long mask;
    private final int spiLo;
    private final int spiHi;
    private final ModelRef<InterruptController> gic;

    /** @param spiLo INTID of {@code msi0}; {@code spiHi} of {@code msi1} */
    NwlMsi(int spiLo, int spiHi, ModelRef<InterruptController> gic) {
        this.spiLo = spiLo;
        this.spiHi = spiHi;
        this.gic = gic;
    }

    /**
     * A message with {@code data} arrived at the capture address. Returns null when the vector
     * reached the bitmap enabled and its SPI is asserted (delivered), else why not.
     */
    DropReason capture(long data) {
        if (data < 0 || data >= VECTORS) {
            return DropReason.VECTOR_OUT_OF_RANGE;
        }
        long bit = 1L << data;
        long prev;
        do {
            prev = status.get();
            if ((prev & bit) != 0) {
                return DropReason.COALESCED;
            }
        } while (!status.compareAndSet(prev, prev | bit));
        if ((mask & bit) == 0) {
            // Held in the bitmap; the SPI rises when software enables the vector.
            return DropReason.INTERRUPT_DISABLED;
        }
        InterruptController g = gic.get();
        if (g == null) {
            return DropReason.NO_INTERRUPT_CONTROLLER;
        }
        DropReason r = g.raiseSpi(data < 32 ? spiLo : spiHi);
        // The line already high (another vector of the group waits) is no loss: the handler
        // reads the whole bitmap.
        return r == DropReason.COALESCED ? null : r;
    }

    @Override
    public long read(int offset, int size) {
        return switch (offset) {
            case STATUS_LO -> status.get() & 0xffff_ffffL;
            case STATUS_HI -> status.get() >>> 32;
            case MASK_LO -> mask & 0xffff_ffffL;
            case MASK_HI -> mask >>> 32;
            default -> 0;
        };
    }

    @Override
    public void write(int offset, int size, long value) {
        int half = offset >= MASK_LO ? (offset - MASK_LO) >> 2 : offset >> 2;
        long bits = (value & 0xffff_ffffL) << (32 * half);
        long halfMask = 0xffff_ffffL << (32 * half);
        if (offset < MASK_LO) {
            long prev;
            do {
                prev = status.get();
            } while (!status.compareAndSet(prev, prev & ~bits));
        } else {
            synchronized (this) {
                mask = (mask & ~halfMask) | bits;
            }
        }
        line(half);
    }

    /**
     * Sets SPI {@code half}'s level from the bitmap: lowered when nothing enabled is pending,
     * then checked again, so a message that set a bit between the clear and the lowering is not
     * left with its line low.
     */
    private void line(int half) {
        InterruptController g = gic.get();
        if (g == null) {
            return;
        }
        int spi = half == 0 ? spiLo : spiHi;
        long halfMask = 0xffff_ffffL << (32 * half);
        if ((status.get() & mask & halfMask) != 0) {
            g.raiseSpi(spi);
            return;
        }
        g.lowerSpi(spi);
        if ((status.get() & mask & halfMask) != 0) {
            g.raiseSpi(spi);
        }
    }

    long status() {
        return status.get();
    }

    long mask() {
        return mask;
    }

    int spiLo() {
        return spiLo;
    }

    int spiHi() {
        return spiHi;
    }

    void restore(long status, long mask) {
        this.status.set(status);
        this.mask = mask;
        line(0);
        line(1);
    }
}
