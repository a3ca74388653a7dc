package org.trapdoor.hw.xgene.msi;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.ModelRef;

/**
 * The X-Gene v1 MSI termination block ({@code apm,xgene1-msi}; Linux {@code pci-xgene-msi.c}):
 * 16 groups n of 8 index registers x of 16 vectors (2048 in all), one GIC SPI per group.
 *
 * <ul>
 * <li>MSInIRx at {@code (n << 19) + (x << 16)}: a write of data k (0..15) sets bit k, which is
 * an MSI; a CPU read returns the bits and clears them (read-to-clear).</li>
 * <li>MSIINTn at {@code 0x800000 + (n << 16)}: read-only, bit x set while MSInIRx has a bit
 * set.</li>
 * <li>Group n's SPI (the n-th {@code interrupts} entry, level) is high while MSIINTn is not
 * zero.</li>
 * </ul>
 *
 * <p>There is no enable, no mask and no source check: any writer of the block raises any vector,
 * as on the part. Outcomes, each counted once here and in the machine's ledger for an MSI:
 * delivered (the bit set and the group's SPI raised or already high), {@code COALESCED} (the bit
 * already set: one read will see both), {@code VECTOR_OUT_OF_RANGE} (data beyond 15: nothing is
 * set), {@code BAD_ACCESS_SIZE} (not a 16- or 32-bit write), {@code NO_DOORBELL} (a write into
 * the block that is no MSInIRx), or the GIC's own refusal. Implementation-defined: only 32-bit
 * CPU reads, and only at register offsets; anything else reads 0 and is counted.
 *
 * <p>The MSI path makes one compare-and-set on the index register and allocates nothing.
 */
public final class XgeneMsi implements MsiController {
    static final int GROUPS = 16, INDEXES = 8, VECTORS = 16;
    static final int MSI_INT0 = 0x80_0000;
    static final long SIZE = 0x90_0000;

    private final String path;
    private final long base;
    private final int[] spis;
    private final ModelRef<InterruptController> gic;
    private final InterruptCounters ledger;
    private final InterruptCounters counters = new InterruptCounters();
    /** MSInIRx at n * 8 + x. */
    private final AtomicIntegerArray ir = new AtomicIntegerArray(GROUPS * INDEXES);
    private final LongAdder badCpuAccesses = new LongAdder();
    private final MmioHandler regs = this::access;

    /** @param spis the INTID of each group's SPI, group 0 first */
    XgeneMsi(String path, long base, int[] spis, ModelRef<InterruptController> gic, InterruptCounters ledger) {
        if (spis.length != GROUPS) {
            throw new IllegalArgumentException(path + ": " + spis.length + " group SPIs, the block has " + GROUPS);
        }
        this.path = path;
        this.base = base;
        this.spis = spis.clone();
        this.gic = gic;
        this.ledger = ledger;
    }

    private void access(MemoryTransaction tx) {
        long off = tx.offset;
        if (tx.write) {
            DropReason r = terminate(off, tx.size, tx.data);
            counters.record(r);
            if (tx.msi) {
                tx.msi = false;
                ledger.record(r);
            }
            tx.result = MemResult.OK;
            return;
        }
        if (tx.size != 4 || (off & 0xffff) != 0 || off >= SIZE) {
            badCpuAccesses.increment();
            tx.data = 0;
            tx.result = MemResult.OK;
            return;
        }
        int reg = (int) (off >>> 16);
        if (off < MSI_INT0) {
            // xgene_msi_ir_read: read-to-clear.
            tx.data = ir.getAndSet(reg, 0) & 0xffffL;
            line(reg / INDEXES);
        } else {
            tx.data = msiInt(reg - (MSI_INT0 >>> 16));
        }
        tx.result = MemResult.OK;
    }

    /** A write into the block: an MSI when it hits an MSInIRx with data 0..15; null when delivered. */
    private DropReason terminate(long off, int size, long data) {
        if (size != 2 && size != 4) {
            return DropReason.BAD_ACCESS_SIZE;
        }
        if (off >= MSI_INT0 || (off & 0xffff) != 0) {
            return DropReason.NO_DOORBELL;
        }
        long k = data & (size == 2 ? 0xffffL : 0xffff_ffffL);
        if (k >= VECTORS) {
            return DropReason.VECTOR_OUT_OF_RANGE;
        }
        int reg = (int) (off >>> 16);
        int bit = 1 << k;
        int prev;
        do {
            prev = ir.get(reg);
            if ((prev & bit) != 0) {
                return DropReason.COALESCED;
            }
        } while (!ir.compareAndSet(reg, prev, prev | bit));
        InterruptController g = gic.get();
        if (g == null) {
            return DropReason.NO_INTERRUPT_CONTROLLER;
        }
        DropReason r = g.raiseSpi(spis[reg / INDEXES]);
        // The group's line already high is no loss: the handler reads every index register.
        return r == DropReason.COALESCED ? null : r;
    }

    private int msiInt(int group) {
        int v = 0;
        for (int x = 0; x < INDEXES; x++) {
            if (ir.get(group * INDEXES + x) != 0) {
                v |= 1 << x;
            }
        }
        return v;
    }

    /** Lowers the group's SPI when nothing waits, then looks again so that a racing MSI keeps it high. */
    private void line(int group) {
        InterruptController g = gic.get();
        if (g == null || msiInt(group) != 0) {
            return;
        }
        g.lowerSpi(spis[group]);
        if (msiInt(group) != 0) {
            g.raiseSpi(spis[group]);
        }
    }

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? regs : null;
    }

    /** Group 0, index 0: where {@code xgene_compose_msi_msg} starts; a vector's own is base + ((8n + x) << 16). */
    @Override
    public long doorbellAddress(int deviceId) {
        return base;
    }

    /** Its vectors reach the CPU through one parent interrupt and a chained handler. */
    @Override
    public Delivery delivery() {
        return Delivery.CHAINED;
    }

    @Override
    public boolean needsDeviceId() {
        return false;
    }

    @Override
    public String description() {
        return String.format("X-Gene MSI: address = base + ((8 * group + index) << 16), data = vector 0..15; SPIs %d..%d, no DeviceID",
                spis[0], spis[GROUPS - 1]);
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    /** Bits Xen's backend read out for the hardware domain's driver (one backend's worth per block). */
    private final AtomicIntegerArray heldForHost = new AtomicIntegerArray(GROUPS * INDEXES);

    /**
     * As a trap-and-remap backend: its 2048 vectors found through MSIINTn and the read-to-clear
     * index registers ({@link XgeneRemapBackend}).
     */
    @Override
    public org.trapdoor.api.irq.MsiRemapBackend remapBackend(org.trapdoor.api.memory.AddressSpace bus) {
        return new XgeneRemapBackend(base, spis, bus, heldForHost);
    }

    /** CPU reads the block does not decode (not 32-bit, not at a register). */
    public long badCpuAccesses() {
        return badCpuAccesses.sum();
    }

    /** The pending bits of MSInIRx, without clearing them. */
    int pending(int group, int index) {
        return ir.get(group * INDEXES + index);
    }

    int spi(int group) {
        return spis[group];
    }

    @Override
    public Object saveState() {
        int[] s = new int[ir.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = ir.get(i);
        }
        return s;
    }

    @Override
    public void restoreState(Object state) {
        if (state instanceof int[] s && s.length == ir.length()) {
            for (int i = 0; i < s.length; i++) {
                ir.set(i, s[i] & 0xffff);
            }
            InterruptController g = gic.get();
            for (int n = 0; n < GROUPS; n++) {
                if (g != null && msiInt(n) != 0) {
                    g.raiseSpi(spis[n]);
                }
            }
        }
    }

    @Override
    public String summary() {
        int waiting = 0;
        for (int i = 0; i < ir.length(); i++) {
            waiting += Integer.bitCount(ir.get(i));
        }
        return String.format("X-Gene MSI: 16 groups x 8 x 16 vectors, SPIs %d..%d, %d vector(s) pending; MSI %s",
                spis[0], spis[GROUPS - 1], waiting, counters.snapshot());
    }

    @Override
    public String toString() {
        return "X-Gene MSI " + path;
    }
}
