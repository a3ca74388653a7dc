package org.trapdoor.xen.irq.remap;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.xen.irq.vgic.Vgic;

/**
 * The GICv2m-style MSI frame a DomU sees under {@code trap-remap} (ARM's GICv2m architecture, as
 * Linux's {@code irq-gic-v2m.c} drives it): MSI_TYPER gives the frame's SPIs, MSI_IIDR reads 0 (no
 * vendor quirk), MSI_SETSPI_NS takes an SPI number. Nothing the guest's device sends ever reaches
 * this frame: Xen programs the device with the real doorbell and its own vector; the frame is what
 * the guest composes its messages from, and a CPU write to MSI_SETSPI_NS injects that SPI, as a
 * real frame would pulse it.
 *
 * <p>Implementation-defined choices: reads other than 32-bit and writes other than 16/32-bit to
 * SETSPI are aborted and counted; reserved space reads zero (as QEMU's frame).
 */
public final class VirtualV2mFrame {
    /** One 4 KiB frame. */
    public static final int SIZE = 0x1000;
    static final int MSI_TYPER = 0x008;
    /** The doorbell: the guest's message address is the frame's base plus this. */
    public static final int MSI_SETSPI_NS = 0x040;
    static final int MSI_IIDR = 0xFCC;

    private final Vgic vgic;
    private final int firstSpi;
    private final int spis;
    private final EventCounter badAccesses = new EventCounter();
    private final EventCounter cpuSetSpis = new EventCounter();

    /**
     * @param firstSpi the frame's first SPI (an INTID of the domain's vGIC)
     * @param spis     how many SPIs the frame serves
     */
    public VirtualV2mFrame(Vgic vgic, int firstSpi, int spis) {
        if (firstSpi < 32 || spis < 1 || firstSpi + spis > vgic.lines()) {
            throw new IllegalArgumentException(String.format("v2m SPIs %d+%d are not SPIs of %s (%d lines)", firstSpi,
                    spis, vgic.name(), vgic.lines()));
        }
        this.vgic = vgic;
        this.firstSpi = firstSpi;
        this.spis = spis;
    }

    public int firstSpi() {
        return firstSpi;
    }

    public int spis() {
        return spis;
    }

    /** True when {@code spi} is one of the frame's. */
    public boolean owns(int spi) {
        return spi >= firstSpi && spi < firstSpi + spis;
    }

    /** The trap on the domain's address space. */
    public void access(MemoryTransaction tx) {
        if (!tx.write) {
            if (tx.size != 4 || (tx.offset & 3) != 0) {
                badAccesses.increment();
                tx.fail(MemResult.ABORT);
                return;
            }
            tx.data = tx.offset == MSI_TYPER ? ((long) firstSpi << 16) | spis : 0;
            return;
        }
        if (tx.offset != MSI_SETSPI_NS) {
            return; // read-only and reserved space: writes ignored
        }
        if (tx.size != 2 && tx.size != 4) {
            badAccesses.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        int spi = (int) (tx.data & 0x3ff);
        if (owns(spi)) {
            cpuSetSpis.increment();
            vgic.inject(0, spi);
        } else {
            badAccesses.increment();
        }
    }

    /** Accesses refused (bad width, an SPI not the frame's). */
    public long badAccesses() {
        return badAccesses.sum();
    }

    /** SPIs raised by CPU writes to MSI_SETSPI_NS. */
    public long cpuSetSpis() {
        return cpuSetSpis.sum();
    }

    @Override
    public String toString() {
        return String.format("%s vGICv2m frame: SPIs %d..%d", vgic.name(), firstSpi, firstSpi + spis - 1);
    }
}
