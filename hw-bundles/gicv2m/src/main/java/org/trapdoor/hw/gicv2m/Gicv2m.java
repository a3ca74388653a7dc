package org.trapdoor.hw.gicv2m;

import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;
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
 * 4 bytes (other reads return 0 and are counted). MSI_IIDR can be set to an X-Gene
 * (0x06000170) or Broadcom NS2 (0x0000013F) frame's, and the frame then decodes its data as that
 * hardware does: the offset from the first SPI, or the SPI minus 32.
 */
public final class Gicv2m implements MsiController {
    static final int FRAME_SIZE = 0x1000;
    static final int MSI_TYPER = Gicv2mRegisters.MSI_TYPER;
    static final int MSI_SETSPI_NS = Gicv2mRegisters.MSI_SETSPI_NS;
    static final int MSI_IIDR = Gicv2mRegisters.MSI_IIDR;
    static final int IIDR_XGENE = 0x06000170;
    static final int IIDR_BROADCOM_NS2 = 0x0000013F;
    /** QEMU virt's frame: SPIs 48..111, i.e. INTIDs 80..143 ({@code hw/arm/virt.c}). */
    static final int DEFAULT_BASE = 32 + 48;
    static final int DEFAULT_COUNT = 64;

    private final long address;
    private final int base;
    private final int count;
    private final int iidr;
    private final ModelRef<InterruptController> gic;
    private final Gicv2mRegisters table;
    private final MmioHandler handler = this::access;
    private final InterruptCounters counters = new InterruptCounters();
    private final InterruptCounters ledger;
    private final LongAdder badReads = new LongAdder();
    /** {@code gicv2m_msi}: a MSI_SETSPI_NS write, the SPI its data names and the outcome. */
    static final TraceEvent MSI = TraceEvent.of("gicv2m_msi", "a MSI_SETSPI_NS write: the SPI it names and its outcome",
            TraceField.hex("data"), TraceField.dec("spi"), TraceField.choice("outcome",
                    InterruptCounters.OUTCOME.fields().get(0).labels()));
    private final TracePoint msi;

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
        this(address, base, count, iidr, gic, ledger, Tracing.OFF);
    }

    /** @param tracing where {@code gicv2m_msi} is declared (the machine's registry) */
    public Gicv2m(long address, int base, int count, int iidr, ModelRef<InterruptController> gic,
            InterruptCounters ledger, Tracing tracing) {
        this.msi = tracing.point(MSI);
        if (base < 32 || count < 1 || base + count > 1020) {
            throw new IllegalArgumentException("v2m SPI range " + base + "+" + count + " is outside 32..1019");
        }
        this.address = address;
        this.base = base;
        this.count = count;
        this.iidr = iidr;
        this.gic = gic;
        this.ledger = ledger;
        this.table = new Gicv2mRegisters(base, count, iidr);
    }

    private void access(MemoryTransaction tx) {
        if (!tx.write) {
            if (tx.size != 4) {
                badReads.increment();
                tx.data = 0;
                return;
            }
            // ID registers and reserved space read as zero (as QEMU).
            boolean decoded = (tx.offset & 3) == 0 && tx.offset >= 0 && tx.offset < FRAME_SIZE;
            tx.data = decoded ? table.block.read((int) tx.offset, 4) : 0;
            return;
        }
        if (tx.offset == MSI_SETSPI_NS) {
            DropReason r = setSpi(tx);
            counters.record(r);
            if (msi.on()) {
                msi.emit(tx.data, spi((int) table.setspiSpi.extract(tx.data)), r == null ? 0 : 1 + r.ordinal());
            }
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
        int spi = spi((int) table.setspiSpi.extract(tx.data));
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

    /**
     * The SPI a written value raises, as the frame decodes it: an X-Gene frame (IIDR 0x06000170)
     * takes the offset from its first SPI, a Broadcom NS2 frame (IIDR 0x0000013F) the SPI minus 32
     * (the data Linux's {@code gicv2m_compose_msi_msg} writes for them); any other frame the SPI.
     */
    private int spi(int written) {
        return switch (iidr) {
            case IIDR_XGENE -> written + base;
            case IIDR_BROADCOM_NS2 -> written + 32;
            default -> written;
        };
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
        String data = switch (iidr) {
            case IIDR_XGENE -> "SPI - " + base + " (X-Gene)";
            case IIDR_BROADCOM_NS2 -> "SPI - 32 (Broadcom NS2)";
            default -> "SPI";
        };
        return String.format("GICv2m: data = %s, INTIDs %d..%d, no DeviceID", data, base, base + count - 1);
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    /**
     * As a trap-and-remap backend: vector {@code v} is the frame's SPI {@code base + v}, written as
     * the frame decodes its data (the X-Gene and NS2 quirks included); the SPI itself says which
     * vector fired, so no register is read on the interrupt path.
     */
    @Override
    public org.trapdoor.api.irq.MsiRemapBackend remapBackend(org.trapdoor.api.memory.AddressSpace bus) {
        return new org.trapdoor.api.irq.MsiRemapBackend() {
            @Override
            public String kind() {
                return "gicv2m";
            }

            @Override
            public int vectors() {
                return count;
            }

            @Override
            public long doorbell(int vector) {
                return address + MSI_SETSPI_NS;
            }

            @Override
            public int data(int vector) {
                int spi = base + vector;
                return switch (iidr) {
                    case IIDR_XGENE -> spi - base;
                    case IIDR_BROADCOM_NS2 -> spi - 32;
                    default -> spi;
                };
            }

            @Override
            public int signal(int vector) {
                return base + vector;
            }

            @Override
            public boolean signalIdentifiesVector() {
                return true;
            }
        };
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
