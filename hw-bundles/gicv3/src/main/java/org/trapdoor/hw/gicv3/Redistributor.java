package org.trapdoor.hw.gicv3;

import static org.trapdoor.api.irq.InterruptController.FIRST_LPI;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * One GICv3 redistributor (GICR, 128 KiB: RD_base at 0, SGI_base at 0x10000), as QEMU's
 * {@code arm_gicv3_redist.c}: the SGI/PPI state of its CPU (INTID 0..31), and its LPIs: the
 * configuration bytes cached from the property table and the pending state ({@link LpiPending}).
 *
 * <p>The configuration is cached when EnableLPIs is set and on INV/INVALL, as the architecture
 * allows, so a change takes effect only after an invalidate. The pending table is read on
 * EnableLPIs; while LPIs are enabled the redistributor holds the pending bits itself and writes
 * them back when EnableLPIs is cleared and when its state is saved for a swap.
 */
final class Redistributor {
    private static final Logger LOG = LoggerFactory.getLogger(Redistributor.class);

    final int index;
    private final Gicv3 gic;
    private final PhysicalMemory memory;
    private final GicrRegisters table;
    final RegisterBlock regs;
    final Register rctlr;
    final Register propbaser;
    final Register pendbaser;
    final Register waker;
    final Register icfgr1;
    // SGIs and PPIs (INTID 0..31).
    final AtomicInteger enabled = new AtomicInteger();
    final AtomicInteger latch = new AtomicInteger();
    final AtomicInteger active = new AtomicInteger();
    volatile int group;
    final byte[] priority = new byte[32];
    // LPIs: the pending bits, held while EnableLPIs is set, and the cached configuration bytes.
    final LpiPending lpis = new LpiPending();
    final byte[] lpiConfig = new byte[Gicv3.LPI_COUNT];
    volatile boolean lpisEnabled;
    /** The pending table address was latched by an EnableLPIs that succeeded: write-back has a target. */
    private volatile boolean tableLatched;
    volatile int lpiLimit = FIRST_LPI;
    private volatile long propBase;
    private volatile long pendBase;

    Redistributor(Gicv3 gic, int index, long affinity, boolean last, PhysicalMemory memory) {
        this.gic = gic;
        this.index = index;
        this.memory = memory;
        table = new GicrRegisters(gic.name(), index, affinity, last);
        regs = table.block;
        rctlr = table.ctlr.onWrite(this::ctlrWritten);
        waker = table.waker;
        waker.onWrite((p, v) -> table.wakerChildrenAsleep.set(table.wakerProcessorSleep.extract(v)));
        propbaser = table.propbaser.onWrite((p, v) -> lockedWhileEnabled(table.propbaser, p));
        pendbaser = table.pendbaser.onWrite((p, v) -> lockedWhileEnabled(table.pendbaser, p));
        icfgr1 = table.icfgr1;
        table.igroupr0.onRead(() -> group & 0xffff_ffffL).onWrite((p, v) -> { group = (int) v; gic.signalAll(); });
        table.isenabler0.onRead(() -> enabled.get() & 0xffff_ffffL)
                .onWrite((p, v) -> { enabled.getAndAccumulate((int) v, (x, y) -> x | y); gic.signalAll(); });
        table.icenabler0.onRead(() -> enabled.get() & 0xffff_ffffL)
                .onWrite((p, v) -> enabled.getAndAccumulate((int) v, (x, y) -> x & ~y));
        table.ispendr0.onRead(() -> latch.get() & 0xffff_ffffL).onWrite((p, v) -> {
            int before = latch.getAndAccumulate((int) v, (x, y) -> x | y);
            gic.countNew(0, (int) v & ~before);
            gic.signalAll();
        });
        table.icpendr0.onRead(() -> latch.get() & 0xffff_ffffL)
                .onWrite((p, v) -> latch.getAndAccumulate((int) v, (x, y) -> x & ~y));
        table.isactiver0.onRead(() -> active.get() & 0xffff_ffffL)
                .onWrite((p, v) -> active.getAndAccumulate((int) v, (x, y) -> x | y));
        table.icactiver0.onRead(() -> active.get() & 0xffff_ffffL)
                .onWrite((p, v) -> { active.getAndAccumulate((int) v, (x, y) -> x & ~y); gic.signalAll(); });
        int sgi = GicrRegisters.SGI_BASE;
        regs.range("GICR_IPRIORITYR", sgi + 0x0400, 32, new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = (v << 8) | (priority[offset + i] & 0xff);
                }
                return v;
            }

            @Override
            public void write(int offset, int size, long value) {
                for (int i = 0; i < size; i++) {
                    priority[offset + i] = (byte) (value >>> (8 * i));
                }
                gic.signalAll();
            }
        });
    }

    /** PROPBASER and PENDBASER are read-only once EnableLPIs is set. */
    private void lockedWhileEnabled(Register r, long previous) {
        if (lpisEnabled) {
            r.set(previous);
        }
    }

    private void ctlrWritten(long previous, long value) {
        boolean enable = table.ctlrEnableLpis.isSetIn(value);
        if (enable && !lpisEnabled) {
            enableLpis();
        } else if (!enable && lpisEnabled) {
            lpisEnabled = false;
            writeBackPending(); // the table is the pending state again once LPIs are off
        }
    }

    /** EnableLPIs 0 to 1: latch the table addresses, load the configuration and the pending table. */
    private void enableLpis() {
        int idBits = (int) table.propbaserIdBits.get() + 1;
        int limit = idBits >= Gicv3.LPI_ID_BITS ? Gicv3.LPI_LIMIT : 1 << idBits;
        propBase = table.propbaserPhysicalAddress.get() << 12;
        pendBase = table.pendbaserPhysicalAddress.get() << 16;
        lpiLimit = Math.max(limit, FIRST_LPI);
        lpis.clearAll();
        Arrays.fill(lpiConfig, (byte) 0);
        boolean zeroed = table.pendbaserPtz.isSet();
        try {
            if (lpiLimit > FIRST_LPI) {
                memory.read(propBase, lpiConfig, 0, lpiLimit - FIRST_LPI);
                for (int w = FIRST_LPI / 64; w < lpiLimit / 64; w++) {
                    if (zeroed) {
                        memory.store64(pendBase + w * 8L, 0);
                    } else {
                        lpis.load(w, memory.load64(pendBase + w * 8L));
                    }
                }
            }
        } catch (MemoryAccessException e) {
            gic.lpiTableError();
            LOG.warn("{}: GICR{} LPI tables not in RAM ({}); LPIs stay disabled", gic.name(), index, e.getMessage());
            Arrays.fill(lpiConfig, (byte) 0);
            return;
        }
        tableLatched = true;
        lpisEnabled = true;
        int best = bestLpi(Gicv3.IDLE_PRIORITY);
        if (best >= 0) {
            gic.signal(index, best);
        }
    }

    /** Takes over a saved state; the CPU interface's part is restored by {@link CpuInterface}. */
    void restore(Gicv3State.Redist r) {
        propbaser.set(r.propbaser());
        pendbaser.set(r.pendbaser());
        waker.set(r.waker());
        icfgr1.set(r.icfgr1());
        enabled.set(r.enabled());
        latch.set(r.latch());
        active.set(r.active());
        group = r.group();
        System.arraycopy(r.priority(), 0, priority, 0, priority.length);
        rctlr.set(r.ctlr() & 1);
        lpisEnabled = false;
        if ((r.ctlr() & 1) != 0) {
            // The pending table in guest memory is the LPI state: read it back (never zero it).
            pendbaser.set(r.pendbaser() & ~table.pendbaserPtz.mask());
            enableLpis();
            pendbaser.set(r.pendbaser());
        }
    }

    /** Null when {@code intid} (already within the LPI range) can be made pending here, else why not. */
    DropReason lpiCheck(int intid) {
        if (!lpisEnabled) {
            return DropReason.LPI_DISABLED;
        }
        return intid < lpiLimit ? null : DropReason.LPI_OUT_OF_RANGE;
    }

    boolean lpiEnabled(int intid) {
        return (lpiConfig[intid - FIRST_LPI] & 1) != 0;
    }

    int lpiPriority(int intid) {
        return lpiConfig[intid - FIRST_LPI] & 0xfc;
    }

    /**
     * Writes the pending bits back to the pending table, as a redistributor that holds them
     * does when EnableLPIs is cleared. While LPIs are enabled the architecture leaves the
     * table's contents to the redistributor, so MSIs do not write it.
     */
    void writeBackPending() {
        if (!tableLatched) {
            return; // LPIs were never enabled: there is no table to write
        }
        try {
            for (int w = FIRST_LPI / 64; w < lpiLimit / 64; w++) {
                memory.store64(pendBase + w * 8L, lpis.word(w));
            }
        } catch (MemoryAccessException e) {
            gic.lpiTableError();
        }
    }

    /** Re-reads {@code count} configuration bytes from INTID {@code first}; false on a memory error. */
    boolean reloadConfig(int first, int count) {
        try {
            memory.read(propBase + (first - FIRST_LPI), lpiConfig, first - FIRST_LPI, count);
            return true;
        } catch (MemoryAccessException e) {
            gic.lpiTableError();
            return false;
        }
    }

    /** The highest-priority enabled pending LPI with priority below {@code limit}, or -1. */
    int bestLpi(int limit) {
        return lpisEnabled ? lpis.best(limit, lpiConfig, lpiLimit) : -1;
    }

    /**
     * The highest-priority SGI/PPI that is latched, enabled, not active and in an enabled group
     * (GICD_CTLR's group enables), with priority below {@code limit}; ties go
     * to the lowest INTID. {@link Gicv3#SPURIOUS} if none.
     */
    int bestPrivate(int limit, Distributor dist) {
        int best = Gicv3.SPURIOUS;
        // One mask (latched, enabled, not active, group enabled): usually empty.
        int privates = enabled.get() & latch.get() & ~active.get();
        if (privates != 0) {
            int g = group;
            privates &= (dist.groupEnabled(1) ? g : 0) | (dist.groupEnabled(0) ? ~g : 0);
            int bestPrio = limit;
            while (privates != 0) {
                int id = Integer.numberOfTrailingZeros(privates);
                privates &= privates - 1;
                if ((priority[id] & 0xff) < bestPrio) {
                    best = id;
                    bestPrio = priority[id] & 0xff;
                }
            }
        }
        return best;
    }
}
