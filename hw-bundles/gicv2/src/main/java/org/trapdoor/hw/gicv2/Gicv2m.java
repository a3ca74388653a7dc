package org.trapdoor.hw.gicv2;

import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.ModelRef;

/**
 * An Arm GICv2m MSI frame ({@code arm,gic-v2m-frame}, 4 KiB): a write of an SPI number to
 * MSI_SETSPI_NS pulses that SPI on the parent GIC.
 *
 * <p>Faithful to the hardware (and QEMU): there is no DeviceID, so any writer can raise any SPI
 * of the frame; the written value is masked to 10 bits and values outside
 * [base, base + count) are ignored (counted here); writes may be 2 or 4 bytes, reads must be
 * 4 bytes (other reads return 0 and are counted). MSI_IIDR can be overridden to exercise the
 * Linux X-Gene (0x06000170) and Broadcom NS2 (0x0000013F) data quirks.
 */
public final class Gicv2m implements MsiController {
    static final int FRAME_SIZE = 0x1000;
    static final int MSI_TYPER = 0x008;
    static final int MSI_SETSPI_NS = 0x040;
    static final int MSI_IIDR = 0xFCC;
    /** QEMU virt's frame: SPIs 48..111, i.e. INTIDs 80..143 ({@code hw/arm/virt.c}). */
    static final int DEFAULT_BASE = 32 + 48;
    static final int DEFAULT_COUNT = 64;

    private final long address;
    private final int base;
    private final int count;
    private final int iidr;
    private final ModelRef<InterruptController> gic;
    private final MmioHandler handler = this::access;
    private final InterruptCounters counters = new InterruptCounters();
    private final InterruptCounters ledger;
    private final LongAdder badReads = new LongAdder();

    /**
     * @param base  first INTID of the frame (at least 32)
     * @param count SPIs in the frame; {@code base + count} at most 1020
     */
    public Gicv2m(long address, int base, int count, int iidr, ModelRef<InterruptController> gic) {
        this(address, base, count, iidr, gic, new InterruptCounters());
    }

    /**
     * @param ledger the machine's MSI ledger: each MSI write to MSI_SETSPI_NS is recorded there
     *               once, with the same outcome as in {@link #counters()}
     */
    public Gicv2m(long address, int base, int count, int iidr, ModelRef<InterruptController> gic,
            InterruptCounters ledger) {
        if (base < 32 || count < 1 || base + count > 1020) {
            throw new IllegalArgumentException("v2m SPI range " + base + "+" + count + " is outside 32..1019");
        }
        this.address = address;
        this.base = base;
        this.count = count;
        this.iidr = iidr;
        this.gic = gic;
        this.ledger = ledger;
    }

    private void access(MemoryTransaction tx) {
        if (!tx.write) {
            if (tx.size != 4) {
                badReads.increment();
                tx.data = 0;
                return;
            }
            tx.data = switch ((int) tx.offset) {
                case MSI_TYPER -> ((long) base << 16) | count;
                case MSI_IIDR -> iidr & 0xffff_ffffL;
                default -> 0; // ID registers and reserved space read as zero (as QEMU)
            };
            return;
        }
        if (tx.offset == MSI_SETSPI_NS) {
            DropReason r = setSpi(tx);
            counters.record(r);
            if (tx.msi) {
                // This is where the MSI's fate is decided: account for it once, machine-wide.
                tx.msi = false;
                ledger.record(r);
            }
        }
    }

    private DropReason setSpi(MemoryTransaction tx) {
        if (tx.size != 2 && tx.size != 4) {
            return DropReason.BAD_ACCESS_SIZE;
        }
        int spi = (int) (tx.data & 0x3ff);
        if (spi < base || spi >= base + count) {
            return DropReason.SPI_OUT_OF_RANGE;
        }
        InterruptController g = gic.get();
        if (g == null) {
            return DropReason.NO_INTERRUPT_CONTROLLER;
        }
        // An MSI is a pulse on the SPI's input, low again before a CPU is told (so a
        // level-sensitive SPI is taken once, not re-pended by its own EOI).
        return g.pulseSpi(spi);
    }

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? handler : null;
    }

    @Override
    public long doorbellAddress(int deviceId) {
        return address + MSI_SETSPI_NS;
    }

    @Override
    public boolean needsDeviceId() {
        return false;
    }

    @Override
    public String description() {
        return String.format("GICv2m: data = SPI, INTIDs %d..%d, no DeviceID", base, base + count - 1);
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    public int baseSpi() {
        return base;
    }

    public int spiCount() {
        return count;
    }

    /** Reads of a size other than 4 bytes (answered with 0). */
    public long badReads() {
        return badReads.sum();
    }

    @Override
    public String summary() {
        return description() + String.format(", IIDR 0x%08x; %s", iidr, counters.snapshot());
    }
}
