package ${package};

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.ModelRef;

/**
 * An MSI frame: a device writes vector N to {@code DOORBELL}; the frame pulses SPI base + N at
 * the GIC. {@code TYPER} reads base << 16 | count; everything else reads zero and ignores
 * writes. Every message's one outcome goes to the machine's ledger (delivered, or why not).
 * The doorbell path takes no lock and allocates nothing.
 */
final class MsiFrame implements MsiController, MmioHandler {
    static final int TYPER = 0x008, DOORBELL = 0x040;

    private final long address;
    private final int base;
    private final int count;
    private final ModelRef<InterruptController> gic;
    private final InterruptCounters ledger;
    private final InterruptCounters counters = new InterruptCounters();

    MsiFrame(long address, int base, int count, ModelRef<InterruptController> gic, InterruptCounters ledger) {
        this.address = address;
        this.base = base;
        this.count = count;
        this.gic = gic;
        this.ledger = ledger;
    }

    @Override
    public void access(MemoryTransaction tx) {
        if (tx.write && tx.offset == DOORBELL) {
            DropReason r = tx.size != 4 ? DropReason.BAD_ACCESS_SIZE : raise(tx.data & 0xffff_ffffL);
            counters.record(r);
            if (tx.msi) {
                tx.msi = false;
                ledger.record(r);
            }
        } else if (!tx.write) {
            tx.data = tx.offset == TYPER && tx.size == 4 ? (long) base << 16 | count : 0;
        }
    }

    private DropReason raise(long vector) {
        if (vector >= count) {
            return DropReason.VECTOR_OUT_OF_RANGE;
        }
        InterruptController g = gic.get();
        return g == null ? DropReason.NO_INTERRUPT_CONTROLLER : g.pulseSpi(base + (int) vector);
    }

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? this : null;
    }

    @Override
    public long doorbellAddress(int deviceId) {
        return address + DOORBELL;
    }

    @Override
    public boolean needsDeviceId() {
        return false;
    }

    @Override
    public String description() {
        return "vector N raises SPI " + base + "+N (" + count + " SPIs)";
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    @Override
    public String summary() {
        return description() + "; " + counters.snapshot();
    }
}
