package org.trapdoor.hw.gicv2;

import org.trapdoor.api.trace.Tracing;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MmioHandler;

/**
 * Arm GICv2 ({@code arm,cortex-a15-gic}, {@code arm,gic-400}) without the security extensions:
 * the distributor (GICD, 4 KiB) and the CPU interface (GICC, 8 KiB). As QEMU's {@code arm_gic.c}
 * is laid out, the blocks are separate: {@link Distributor} (the GICD ranges and each INTID's
 * state), {@link CpuInterface} (one per CPU: acknowledge, EOI, priorities, signalling) and
 * {@link Gicv2Registers} (the register table by field). This class wires them and is the
 * {@link InterruptController} the platform sees.
 *
 * <p>Model choices: an MMIO access does not say which CPU made it, so the banked distributor
 * registers (word 0 of the bitmaps, IPRIORITYR0..7, ITARGETSR0..7) and the whole GICC frame
 * serve CPU 0; other CPUs use {@link #acknowledge}/{@link #endOfInterrupt} directly. Priorities
 * keep all 8 bits. EOImode is 0 (GICC_EOIR drops priority and deactivates; GICC_DIR is WI).
 * Every interrupt is signalled as IRQ regardless of IGROUPR (stored only).
 *
 * <p>Set-pending requests take no lock and allocate nothing; CPU interface operations lock only
 * that CPU's running-priority stack. A set-pending request is delivered ({@code null}) when the
 * SPI becomes pending, enabled and targeted; {@link DropReason#COALESCED} when it was pending
 * already; {@link DropReason#INTERRUPT_DISABLED} when it is disabled or targets no CPU (it stays
 * pending).
 *
 * <p>The {@link InterruptSink} is called with no lock held, after the state is updated, never
 * nested or concurrently for one CPU (see {@link CpuInterface#drain}): it may acknowledge and EOI at once.
 */
public final class Gicv2 implements InterruptController {
    static final int GICD_SIZE = 0x1000;
    static final int GICC_SIZE = 0x2000;
    static final int GICD_IIDR = 0x0200_143B;
    static final int GICC_IIDR = 0x0202_143B;
    static final int MAX_CPUS = 8;
    static final int IDLE_PRIORITY = 0x100;
    /** Consecutive signals of one held level-sensitive interrupt in one drain (see {@link CpuInterface#drain}). */
    static final int LEVEL_RESIGNALS = 64;

    private final String name;
    private final int cpus;
    private final int lines;
    private final Gicv2Registers table;
    private final Distributor dist;
    private final CpuInterface[] cpu;
    private final InterruptCounters counters = new InterruptCounters();
    private volatile InterruptSink sink;
    private final Gicv2Trace trace;

    /** @param spis SPIs implemented (multiple of 32, at most 988); {@code cpus} 1..8 */
    public Gicv2(String name, int spis, int cpus) {
        this(name, spis, cpus, Tracing.OFF);
    }

    /** @param tracing where the {@code gicv2_*} trace points are declared (the machine's registry) */
    public Gicv2(String name, int spis, int cpus, Tracing tracing) {
        this.trace = new Gicv2Trace(tracing);
        if (spis < 32 || spis % 32 != 0 || spis > 988 || cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException("bad GICv2 shape: spis=" + spis + " cpus=" + cpus);
        }
        this.name = name;
        this.cpus = cpus;
        this.lines = Math.min(spis + 32, 1020);
        table = new Gicv2Registers(name, lines, cpus, GICD_IIDR, GICC_IIDR);
        dist = new Distributor(this, table, cpus, lines);
        cpu = new CpuInterface[cpus];
        for (int c = 0; c < cpus; c++) {
            cpu[c] = new CpuInterface(this, dist, trace, c);
        }
        cpu[0].bindFrame(table);
    }

    String name() {
        return name;
    }

    InterruptSink sink() {
        return sink;
    }

    // ---------------------------------------------------------------- SPI inputs

    @Override
    public DropReason raiseSpi(int intid) {
        if (trace.setPending.on()) {
            trace.setPending.emit(intid);
        }
        if (intid < 32 || intid >= lines) {
            counters.recordDropped(DropReason.SPI_OUT_OF_RANGE);
            return DropReason.SPI_OUT_OF_RANGE;
        }
        DropReason r = dist.raise(intid);
        counters.record(r);
        if (r == null && sink != null) {
            for (int c = 0; c < cpus; c++) {
                if (dist.candidate(intid, c)) {
                    cpu[c].drain(intid);
                    break;
                }
            }
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
        dist.startPulse(intid);
        DropReason r = raiseSpi(intid);
        lowerSpi(intid);
        return r;
    }

    @Override
    public void lowerSpi(int intid) {
        dist.lower(intid);
    }

    @Override
    public boolean supportsLpis() {
        return false;
    }

    @Override
    public DropReason setLpiPending(int intid, int redistributor) {
        counters.recordDropped(DropReason.LPIS_UNSUPPORTED);
        return DropReason.LPIS_UNSUPPORTED;
    }

    @Override
    public void clearLpiPending(int intid, int redistributor) {
        // No LPIs in GICv2.
    }

    @Override
    public void reloadLpiConfig(int intid, int redistributor) {
        // No LPIs in GICv2.
    }

    @Override
    public void reloadLpiConfig(int redistributor) {
        // No LPIs in GICv2.
    }

    @Override
    public void moveLpis(int fromRedistributor, int toRedistributor) {
        // No LPIs in GICv2.
    }

    @Override
    public int cpuCount() {
        return cpus;
    }

    @Override
    public boolean isPending(int intid, int c) {
        if (c < 0 || c >= cpus || intid < 0 || intid >= lines) {
            return false;
        }
        return dist.pendingFor(intid, c);
    }

    // ---------------------------------------------------------------- CPU interfaces

    /** GICC_HPPIR for CPU {@code c}. */
    public int highestPending(int c) {
        if (c < 0 || c >= cpus) {
            return SPURIOUS;
        }
        return cpu[c].highestPending();
    }

    @Override
    public int acknowledge(int c) {
        if (c < 0 || c >= cpus) {
            return SPURIOUS;
        }
        return cpu[c].acknowledge();
    }

    @Override
    public void endOfInterrupt(int c, int intid) {
        if (c < 0 || c >= cpus) {
            return;
        }
        cpu[c].endOfInterrupt(intid);
    }

    /** Enables the CPU interface of CPU {@code c} with priority mask {@code pmr} (GICC_CTLR/PMR of that CPU). */
    public void enableCpuInterface(int c, int pmr) {
        if (c < 0 || c >= cpus) {
            throw new IllegalArgumentException("no CPU " + c);
        }
        cpu[c].enable(pmr);
        signalAll();
    }

    @Override
    public long deliveries(int intid) {
        return intid >= 0 && intid < dist.deliveries.length() ? dist.deliveries.get(intid) : 0;
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    @Override
    public void connect(InterruptSink s) {
        sink = s;
        signalAll();
    }

    /** Signals every CPU its highest pending interrupt, after a change that may have made one. */
    void signalAll() {
        if (sink == null) {
            return;
        }
        for (int c = 0; c < cpus; c++) {
            cpu[c].drain(-1);
        }
    }

    // ---------------------------------------------------------------- DeviceModel

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? table.gicd : index == 1 ? table.gicc : null;
    }

    @Override
    public Object saveState() {
        Gicv2State.Cpu[] c = new Gicv2State.Cpu[cpus];
        for (int i = 0; i < cpus; i++) {
            c[i] = cpu[i].save();
        }
        return dist.save(c);
    }

    /** Takes over a saved state of the same shape; anything else is ignored. */
    @Override
    public void restoreState(Object state) {
        if (!(state instanceof Gicv2State s) || s.spis() != lines - 32 || s.cpus() != cpus) {
            return;
        }
        dist.restore(s);
        for (int i = 0; i < cpus; i++) {
            cpu[i].restore(s.cpu()[i]);
        }
        signalAll();
    }

    @Override
    public String summary() {
        return String.format("%s: GICv2 %d SPIs, %d CPUs; %s", name, lines - 32, cpus, counters.snapshot());
    }
}
