package org.trapdoor.hw.gicv3;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import org.trapdoor.api.trace.Tracing;
import org.trapdoor.api.counter.EventCounterArray;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.register.RegisterBlock;

/**
 * Arm GICv3 ({@code arm,gic-v3}): the distributor (GICD, 64 KiB), one redistributor per CPU
 * (RD_base + SGI_base frames, 128 KiB) and the CPU interface operations a guest performs through
 * ICC_IAR1_EL1/ICC_EOIR1_EL1. The blocks are classes of their own, as QEMU splits
 * {@code arm_gicv3_dist.c}, {@code _redist.c} and {@code _cpuif.c}: {@link Distributor} (SPIs),
 * {@link Redistributor} (SGIs/PPIs and LPI tables of one CPU), {@link LpiPending} (its pending
 * LPIs) and {@link CpuInterface} (acknowledge, EOI, running priority, signalling the CPU). This
 * class composes them and is the {@link InterruptController} the platform sees.
 *
 * <p>Model choices: affinity routing is always on and there is a single security state
 * (GICD_CTLR.ARE_S/DS read as one, as on QEMU virt without EL3); EOImode is 0 (EOI drops
 * priority and deactivates); the priority mask is fully open. LPIs: 16 ID bits (8192..65535),
 * configuration and pending tables in guest memory at GICR_PROPBASER/GICR_PENDBASER (see
 * {@link Redistributor} for what is cached and when).
 *
 * <p>Nothing here locks or allocates per interrupt. Set-pending requests ({@link #raiseSpi},
 * {@link #setLpiPending}) update atomically; the CPU interface operations ({@link #acknowledge},
 * {@link #endOfInterrupt}) are the CPU's own system-register accesses, which one CPU never makes
 * at once. Acknowledge visits only what is pending (marked SPI words, marked LPI words), never
 * the whole INTID space, and when nothing can be pending for a CPU it returns after a few loads
 * (an interrupt made pending after that check is signalled by its setter). An MSI costs the GIC
 * one atomic update to set it pending and one to acknowledge it.
 *
 * <p>Outcome of a set-pending request: {@code null} (delivered: pending, enabled, the CPU
 * signalled), {@link DropReason#COALESCED} when it was pending already, and
 * {@link DropReason#INTERRUPT_DISABLED} when it is disabled (it stays pending, as the
 * architecture requires, and is taken once enabled).
 *
 * <p>The {@link InterruptSink} is called with no lock held, after the state is updated, and never
 * nested or concurrently for one CPU (see {@link CpuInterface#drain}): it may acknowledge and EOI
 * at once.
 */
public final class Gicv3 implements InterruptController {
    /** Implementer Arm (0x43B), product 0. */
    static final int IIDR = 0x0000_043B;
    /** PIDR2.ArchRev = 3 (GICv3). */
    static final int PIDR2 = 0x3B;
    static final int LPI_ID_BITS = 16;
    static final int LPI_LIMIT = 1 << LPI_ID_BITS;
    static final int LPI_COUNT = LPI_LIMIT - FIRST_LPI;
    static final int REDIST_STRIDE = 0x20000;
    static final int GICD_SIZE = 0x10000;
    /** Running priority of an idle CPU interface: every real priority is below it. */
    static final int IDLE_PRIORITY = 0x100;
    /** Consecutive signals of one held level-sensitive SPI in one drain (see {@link CpuInterface#drain}). */
    static final int LEVEL_RESIGNALS = 64;

    private final String name;
    private final long[] affinity;
    private final Distributor dist;
    private final Redistributor[] redists;
    private final CpuInterface[] cpus;
    private final MmioHandler redistRegion;
    private final InterruptCounters counters = new InterruptCounters();
    private final EventCounterArray deliveries = new EventCounterArray(LPI_LIMIT);
    private final AtomicLong lpiTableErrors = new AtomicLong();
    /** The CPUs' sink (read by {@link CpuInterface#drain}). */
    volatile InterruptSink sink;
    private final Gicv3Trace trace;

    /**
     * @param spis     number of SPIs (a multiple of 32, at most 988)
     * @param affinity MPIDR affinity of each CPU (Aff3.Aff2.Aff1.Aff0 as in GICR_TYPER[63:32])
     */
    public Gicv3(String name, int spis, long[] affinity, PhysicalMemory memory) {
        this(name, spis, affinity, memory, Tracing.OFF);
    }

    /** @param tracing where the {@code gicv3_*} trace points are declared (the machine's registry) */
    public Gicv3(String name, int spis, long[] affinity, PhysicalMemory memory, Tracing tracing) {
        this.trace = new Gicv3Trace(tracing);
        if (spis < 0 || spis % 32 != 0 || spis > 988 || affinity.length == 0) {
            throw new IllegalArgumentException("bad GICv3 shape: spis=" + spis + " cpus=" + affinity.length);
        }
        this.name = name;
        this.affinity = affinity.clone();
        dist = new Distributor(this, spis, this.affinity, counters, deliveries);
        redists = new Redistributor[affinity.length];
        cpus = new CpuInterface[affinity.length];
        for (int i = 0; i < redists.length; i++) {
            redists[i] = new Redistributor(this, i, this.affinity[i], i == redists.length - 1, memory);
            cpus[i] = new CpuInterface(this, i, dist, redists[i]);
        }
        redistRegion = this::redistAccess;
    }

    String name() {
        return name;
    }

    // ---------------------------------------------------------------- SPIs (distributor)

    @Override
    public DropReason raiseSpi(int intid) {
        DropReason r = dist.raiseSpi(intid);
        if (trace.setPending.on()) {
            trace.setPending.emit(intid, -1, Gicv3Trace.outcome(r));
        }
        return r;
    }

    /**
     * The input goes high and low again, as an MSI frame's write drives it. Edge-triggered: the
     * rising edge latches pending. Level-sensitive: pending only while the pulse lasts, and the
     * pulse is shorter than any handler: a CPU signalled during it can acknowledge it, and that
     * acknowledge outlives the pulse ({@link #acknowledge} ends it), so the EOI finds the input
     * low and nothing re-pends; no CPU taking it leaves nothing pending.
     */
    @Override
    public DropReason pulseSpi(int intid) {
        DropReason r = dist.pulseSpi(intid);
        if (trace.setPending.on()) {
            trace.setPending.emit(intid, -1, Gicv3Trace.outcome(r));
        }
        return r;
    }

    @Override
    public void lowerSpi(int intid) {
        dist.lowerSpi(intid);
    }

    // ---------------------------------------------------------------- LPIs (redistributors)

    @Override
    public boolean supportsLpis() {
        return true;
    }

    @Override
    public DropReason setLpiPending(int intid, int redistributor) {
        DropReason r = lpiCheck(intid, redistributor);
        if (r == null) {
            Redistributor rd = redists[redistributor];
            r = rd.lpiCheck(intid);
            if (r == null) {
                if (rd.lpis.set(intid)) {
                    r = DropReason.COALESCED;
                } else {
                    deliveries.increment(intid);
                    r = rd.lpiEnabled(intid) ? null : DropReason.INTERRUPT_DISABLED;
                }
            }
        }
        counters.record(r);
        if (trace.setPending.on()) {
            trace.setPending.emit(intid, redistributor, Gicv3Trace.outcome(r));
        }
        if (r == null) {
            signal(redistributor, intid);
        }
        return r;
    }

    private DropReason lpiCheck(int intid, int redistributor) {
        if (redistributor < 0 || redistributor >= redists.length) {
            return DropReason.REDISTRIBUTOR_OUT_OF_RANGE;
        }
        if (intid < FIRST_LPI || intid >= LPI_LIMIT) {
            return DropReason.LPI_OUT_OF_RANGE;
        }
        return null;
    }

    @Override
    public void clearLpiPending(int intid, int redistributor) {
        if (lpiCheck(intid, redistributor) == null && redists[redistributor].lpiCheck(intid) == null) {
            redists[redistributor].lpis.clear(intid);
        }
    }

    @Override
    public void reloadLpiConfig(int intid, int redistributor) {
        if (lpiCheck(intid, redistributor) == null) {
            Redistributor rd = redists[redistributor];
            if (rd.lpiCheck(intid) == null && rd.reloadConfig(intid, 1) && rd.lpiEnabled(intid)
                    && rd.lpis.isPending(intid)) {
                signal(redistributor, intid);
            }
        }
    }

    @Override
    public void reloadLpiConfig(int redistributor) {
        if (redistributor >= 0 && redistributor < redists.length) {
            Redistributor rd = redists[redistributor];
            if (rd.lpisEnabled && rd.reloadConfig(FIRST_LPI, rd.lpiLimit - FIRST_LPI)) {
                int best = rd.bestLpi(IDLE_PRIORITY);
                if (best >= 0) {
                    signal(redistributor, best);
                }
            }
        }
    }

    @Override
    public void moveLpis(int from, int to) {
        if (from < 0 || to < 0 || from >= redists.length || to >= redists.length || from == to) {
            return;
        }
        Redistributor src = redists[from];
        Redistributor dst = redists[to];
        for (int w = FIRST_LPI / 64; w < LPI_LIMIT / 64; w++) {
            long bits = src.lpis.takeWord(w);
            while (bits != 0) {
                int id = w * 64 + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (dst.lpiCheck(id) == null) {
                    dst.lpis.set(id);
                    if (dst.lpiEnabled(id)) {
                        signal(to, id);
                    }
                }
            }
        }
    }

    /** LPI tables that could not be read (EnableLPIs, INV) or written (pending write-back). */
    public long lpiTableErrors() {
        return lpiTableErrors.get();
    }

    void lpiTableError() {
        lpiTableErrors.incrementAndGet();
    }

    /** Counts a delivery for each bit of {@code bits} newly set pending in pending word {@code word}. */
    void countNew(int word, int bits) {
        while (bits != 0) {
            int b = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            deliveries.increment(word * 32 + b);
        }
    }

    // ---------------------------------------------------------------- CPU interfaces

    @Override
    public int cpuCount() {
        return redists.length;
    }

    @Override
    public boolean isPending(int intid, int cpu) {
        if (cpu < 0 || cpu >= redists.length) {
            return false;
        }
        Redistributor rd = redists[cpu];
        if (intid < 32) {
            return (rd.latch.get() & (1 << intid)) != 0;
        }
        if (intid < dist.lines) {
            return dist.routedTo(intid, cpu) && dist.spiPending(intid);
        }
        return intid >= FIRST_LPI && intid < LPI_LIMIT && rd.lpis.isPending(intid);
    }

    @Override
    public int acknowledge(int cpu) {
        int id = cpu < 0 || cpu >= cpus.length ? SPURIOUS : cpus[cpu].acknowledge();
        if (id != SPURIOUS && trace.ack.on()) {
            trace.ack.emit(cpu, id);
        }
        return id;
    }

    @Override
    public void endOfInterrupt(int cpu, int intid) {
        if (cpu < 0 || cpu >= cpus.length || intid >= 1020 && intid < FIRST_LPI) {
            return;
        }
        if (trace.eoi.on()) {
            trace.eoi.emit(cpu, intid);
        }
        cpus[cpu].endOfInterrupt(intid);
    }

    /** The INTID {@link #acknowledge} would return, without acknowledging. */
    public int highestPending(int cpu) {
        return cpu < 0 || cpu >= cpus.length ? SPURIOUS : cpus[cpu].peek();
    }

    @Override
    public long deliveries(int intid) {
        return deliveries.get(intid);
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    @Override
    public void connect(InterruptSink s) {
        sink = s;
        if (s != null) {
            signalAll();
        }
    }

    boolean connected() {
        return sink != null;
    }

    /** Signals CPU {@code cpu} that {@code intid} (-1: whatever is highest) may be taken. */
    void signal(int cpu, int intid) {
        if (sink != null) {
            cpus[cpu].drain(intid);
        }
    }

    /** After a change that can unmask many interrupts (enables, priorities, EOI): tell each CPU once. */
    void signalAll() {
        if (sink == null) {
            return;
        }
        for (CpuInterface c : cpus) {
            c.drain(-1);
        }
    }

    // ---------------------------------------------------------------- DeviceModel

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? dist.gicd : index == 1 ? redistRegion : null;
    }

    /** The distributor frame (tests and the shell). */
    public RegisterBlock distributor() {
        return dist.gicd;
    }

    /** Redistributor {@code cpu}'s 128 KiB register block (RD_base at 0, SGI_base at 0x10000). */
    public RegisterBlock redistributor(int cpu) {
        return redists[cpu].regs;
    }

    private void redistAccess(MemoryTransaction tx) {
        long frame = tx.offset / REDIST_STRIDE;
        if (tx.offset < 0 || frame >= redists.length) {
            // Beyond the last redistributor: nothing decodes it.
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        long saved = tx.offset;
        tx.offset = saved - frame * REDIST_STRIDE;
        redists[(int) frame].regs.access(tx);
        tx.offset = saved;
    }

    @Override
    public Object saveState() {
        Gicv3State.Redist[] r = new Gicv3State.Redist[redists.length];
        for (int i = 0; i < r.length; i++) {
            Redistributor rd = redists[i];
            // Called with the machine drained: no set-pending or CPU interface access runs now.
            rd.writeBackPending();
            r[i] = new Gicv3State.Redist((int) rd.rctlr.value(), rd.propbaser.value(), rd.pendbaser.value(),
                    (int) rd.waker.value(), rd.enabled.get(), rd.latch.get(), rd.active.get(), rd.group,
                    (int) rd.icfgr1.value(), rd.priority.clone(), cpus[i].activeIds(), cpus[i].activePriorities());
        }
        return dist.save(r);
    }

    /** Takes over a saved state of the same shape (SPI count and CPUs); anything else is ignored. */
    @Override
    public void restoreState(Object state) {
        if (!(state instanceof Gicv3State s) || s.spis() != dist.lines - 32 || !Arrays.equals(s.affinity(), affinity)) {
            return;
        }
        dist.restore(s);
        for (int i = 0; i < redists.length; i++) {
            Gicv3State.Redist r = s.redists()[i];
            cpus[i].restore(r.activeIds(), r.activePriorities());
            redists[i].restore(r);
        }
        signalAll();
    }

    @Override
    public String summary() {
        return String.format("GICv3 %d SPIs, %d redistributors, LPIs %d..%d; %s",
                dist.lines - 32, redists.length, FIRST_LPI, LPI_LIMIT - 1, counters.snapshot());
    }
}
