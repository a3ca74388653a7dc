package org.trapdoor.conformance;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MmioHandler;

/**
 * The GIC the harness puts behind a plugin's SPIs: one CPU, SPIs only. An SPI raised or pulsed
 * becomes pending (or {@link DropReason#COALESCED} when it is pending already); {@link #acknowledge}
 * takes the lowest pending INTID, as a CPU interface of equal priorities does. It counts every
 * raise per INTID, so a suite sees which line a message reached.
 */
public final class RecordingGic implements InterruptController {
    private static final int INTIDS = 1020;
    private final AtomicIntegerArray pending = new AtomicIntegerArray(INTIDS);
    private final AtomicLongArray raised = new AtomicLongArray(INTIDS);
    private final InterruptCounters counters = new InterruptCounters();

    @Override
    public MmioHandler region(int index) {
        return null;
    }

    @Override
    public int cpuCount() {
        return 1;
    }

    @Override
    public boolean supportsLpis() {
        return false;
    }

    @Override
    public DropReason raiseSpi(int intid) {
        if (intid < 32 || intid >= INTIDS) {
            counters.record(DropReason.SPI_OUT_OF_RANGE);
            return DropReason.SPI_OUT_OF_RANGE;
        }
        raised.incrementAndGet(intid);
        DropReason r = pending.getAndSet(intid, 1) == 1 ? DropReason.COALESCED : null;
        counters.record(r);
        return r;
    }

    /** A level line going low leaves what it made pending, as a GIC does for an active SPI. */
    @Override
    public void lowerSpi(int intid) {
    }

    @Override
    public DropReason setLpiPending(int intid, int redistributor) {
        counters.record(DropReason.LPIS_UNSUPPORTED);
        return DropReason.LPIS_UNSUPPORTED;
    }

    @Override
    public void clearLpiPending(int intid, int redistributor) {
    }

    @Override
    public void reloadLpiConfig(int intid, int redistributor) {
    }

    @Override
    public void reloadLpiConfig(int redistributor) {
    }

    @Override
    public void moveLpis(int fromRedistributor, int toRedistributor) {
    }

    @Override
    public boolean isPending(int intid, int cpu) {
        return intid >= 0 && intid < INTIDS && pending.get(intid) == 1;
    }

    @Override
    public int acknowledge(int cpu) {
        for (int i = 32; i < INTIDS; i++) {
            if (pending.get(i) == 1 && pending.compareAndSet(i, 1, 0)) {
                return i;
            }
        }
        return SPURIOUS;
    }

    @Override
    public void endOfInterrupt(int cpu, int intid) {
    }

    @Override
    public long deliveries(int intid) {
        return intid >= 0 && intid < INTIDS ? raised.get(intid) : 0;
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    @Override
    public void connect(InterruptSink sink) {
    }
}
