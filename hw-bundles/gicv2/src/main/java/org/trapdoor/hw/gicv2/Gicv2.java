package org.trapdoor.hw.gicv2;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * Arm GICv2 ({@code arm,cortex-a15-gic}, {@code arm,gic-400}) without the security extensions:
 * the distributor (GICD, 4 KiB) and the CPU interface (GICC, 8 KiB).
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
 * nested or concurrently for one CPU (see {@link #drain}): it may acknowledge and EOI at once.
 */
public final class Gicv2 implements InterruptController {
    private static final Logger LOG = LoggerFactory.getLogger(Gicv2.class);
    static final int GICD_SIZE = 0x1000;
    static final int GICC_SIZE = 0x2000;
    static final int GICD_IIDR = 0x0200_143B;
    static final int GICC_IIDR = 0x0202_143B;
    static final int MAX_CPUS = 8;
    static final int IDLE_PRIORITY = 0x100;
    /** Consecutive signals of one held level-sensitive interrupt in one drain (see {@link #drain}). */
    static final int LEVEL_RESIGNALS = 64;

    private final String name;
    private final int cpus;
    private final int lines;
    // Word 0 (SGIs and PPIs) is banked per CPU: index cpu for word 0, cpus + w - 1 for SPI word w.
    private final AtomicIntegerArray enabled;
    private final AtomicIntegerArray latch;
    private final AtomicIntegerArray level;
    // Level-sensitive SPIs whose input is high only for a pulse in progress (pulseSpi).
    private final AtomicIntegerArray pulse;
    private final AtomicIntegerArray active;
    private final int[] group;
    private final int[] cfg;
    private final byte[][] privPriority;
    private final byte[] spiPriority;
    private final byte[] targets;
    private final CpuInterface[] cpu;

    private final Gicv2Registers table;
    private final RegisterBlock gicd;
    private final Register dctlr;
    private final RegisterBlock gicc;
    private final Register giccCtlr;
    private final Register giccPmr;
    private final InterruptCounters counters = new InterruptCounters();
    private final AtomicLongArray deliveries;
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
        int words = (lines + 31) / 32;
        int slots = cpus + words - 1;
        enabled = new AtomicIntegerArray(slots);
        latch = new AtomicIntegerArray(slots);
        level = new AtomicIntegerArray(slots);
        pulse = new AtomicIntegerArray(slots);
        active = new AtomicIntegerArray(slots);
        group = new int[slots];
        cfg = new int[words * 2];
        privPriority = new byte[cpus][32];
        spiPriority = new byte[words * 32];
        targets = new byte[words * 32];
        deliveries = new AtomicLongArray(words * 32);
        cpu = new CpuInterface[cpus];
        for (int c = 0; c < cpus; c++) {
            cpu[c] = new CpuInterface();
            enabled.set(c, 0xffff); // SGIs are always enabled in GICv2 (GIC-400)
        }

        table = new Gicv2Registers(name, lines, cpus, GICD_IIDR, GICC_IIDR);
        gicd = table.gicd;
        dctlr = table.dctlr.onWrite((p, v) -> signalAll());
        table.sgir.onWrite((p, v) -> sgi(v));
        int bitmap = words * 4;
        gicd.range("GICD_IGROUPR", 0x080, bitmap, bits(group, null, 0));
        gicd.range("GICD_ISENABLER", 0x100, bitmap, bits(null, enabled, 1));
        gicd.range("GICD_ICENABLER", 0x180, bitmap, bits(null, enabled, -1));
        gicd.range("GICD_ISPENDR", 0x200, bitmap, bits(null, latch, 1));
        gicd.range("GICD_ICPENDR", 0x280, bitmap, bits(null, latch, -1));
        gicd.range("GICD_ISACTIVER", 0x300, bitmap, bits(null, active, 1));
        gicd.range("GICD_ICACTIVER", 0x380, bitmap, bits(null, active, -1));
        gicd.range("GICD_IPRIORITYR", 0x400, words * 32, bytes(true));
        gicd.range("GICD_ITARGETSR", 0x800, words * 32, bytes(false));
        gicd.range("GICD_ICFGR", 0xC00, words * 8, cfgRange());

        gicc = table.gicc;
        CpuInterface c0 = cpu[0];
        giccCtlr = table.cctlr.onWrite((p, v) -> { c0.enabled = table.cctlrEnable.isSetIn(v); signalAll(); });
        giccPmr = table.pmr.onWrite((p, v) -> { c0.pmr = (int) table.pmrPriority.extract(v); signalAll(); });
        table.iar.onRead(() -> acknowledge(0));
        table.eoir.onWrite((p, v) -> endOfInterrupt(0, (int) table.eoirIntId.extract(v)));
        table.rpr.onRead(() -> {
            synchronized (c0) {
                return c0.depth == 0 ? 0xff : c0.prio[c0.depth - 1];
            }
        });
        table.hppir.onRead(() -> highestPending(0));
    }

    // ---------------------------------------------------------------- distributor ranges

    private static long mask(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /** Slot of bitmap word {@code w} as seen by {@code c}: word 0 is banked. */
    private int slot(int w, int c) {
        return w == 0 ? c : cpus + w - 1;
    }

    /**
     * A bitmap range: {@code plain} for stored bits, else {@code atomic} with {@code op} 0
     * (store), 1 (write-one-to-set) or -1 (write-one-to-clear).
     */
    private RangeHandler bits(int[] plain, AtomicIntegerArray atomic, int op) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                int s = slot(offset >> 2, 0);
                long v = plain != null ? plain[s] : atomic.get(s);
                return ((v & 0xffff_ffffL) >>> ((offset & 3) * 8)) & mask(size);
            }

            @Override
            public void write(int offset, int size, long value) {
                int w = offset >> 2;
                int s = slot(w, 0);
                int m = (int) (mask(size) << ((offset & 3) * 8));
                int v = (int) (value << ((offset & 3) * 8)) & m;
                if (plain != null) {
                    plain[s] = (plain[s] & ~m) | v;
                } else if (op > 0) {
                    if (atomic == enabled && w == 0) {
                        v &= ~0xffff; // SGI enables are fixed
                    }
                    int before = atomic.getAndAccumulate(s, v, (a, b) -> a | b);
                    if (atomic == latch) {
                        countNew(w, v & ~before);
                    }
                } else {
                    if (atomic == enabled && w == 0) {
                        v &= ~0xffff;
                    }
                    atomic.getAndAccumulate(s, v, (a, b) -> a & ~b);
                }
                signalAll();
            }
        };
    }

    private void countNew(int w, int bits) {
        while (bits != 0) {
            deliveries.incrementAndGet(w * 32 + Integer.numberOfTrailingZeros(bits));
            bits &= bits - 1;
        }
    }

    /** IPRIORITYR ({@code priority}) or ITARGETSR: one byte per INTID. */
    private RangeHandler bytes(boolean priority) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = (v << 8) | (get(offset + i) & 0xff);
                }
                return v;
            }

            private int get(int id) {
                if (priority) {
                    return id < 32 ? privPriority[0][id] : spiPriority[id];
                }
                return id < 32 ? 1 : id < lines ? targets[id] : 0; // banked targets read as "this CPU"
            }

            @Override
            public void write(int offset, int size, long value) {
                for (int i = 0; i < size; i++) {
                    int id = offset + i;
                    byte b = (byte) (value >>> (8 * i));
                    if (priority) {
                        if (id < 32) {
                            privPriority[0][id] = b;
                        } else {
                            spiPriority[id] = b;
                        }
                    } else if (id >= 32 && id < lines) {
                        targets[id] = (byte) (b & ((1 << cpus) - 1));
                    }
                }
                signalAll();
            }
        };
    }

    private RangeHandler cfgRange() {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                long v = offset < 4 ? 0xAAAA_AAAAL : cfg[offset >> 2] & 0xffff_ffffL;
                return (v >>> ((offset & 3) * 8)) & mask(size);
            }

            @Override
            public void write(int offset, int size, long value) {
                if (offset < 4) {
                    return; // SGIs are always edge-triggered
                }
                int m = (int) (mask(size) << ((offset & 3) * 8)) & 0xAAAA_AAAA;
                cfg[offset >> 2] = (cfg[offset >> 2] & ~m) | ((int) (value << ((offset & 3) * 8)) & m);
            }
        };
    }

    /** GICD_SGIR: [25:24] TargetListFilter, [23:16] CPUTargetList, [3:0] SGIINTID; the writer is CPU 0. */
    private void sgi(long v) {
        int id = (int) table.sgirIntId.extract(v);
        int list = switch ((int) table.sgirTargetListFilter.extract(v)) {
            case 0 -> (int) table.sgirCpuTargetList.extract(v);
            case 1 -> ((1 << cpus) - 1) & ~1;
            case 2 -> 1;
            default -> 0;
        };
        for (int c = 0; c < cpus; c++) {
            if ((list & (1 << c)) != 0) {
                latch.getAndAccumulate(c, 1 << id, (a, b) -> a | b);
                deliveries.incrementAndGet(id);
            }
        }
        signalAll();
    }

    // ---------------------------------------------------------------- interrupt state

    private boolean edge(int id) {
        return id < 16 || ((cfg[id >> 4] >>> ((id & 15) * 2 + 1)) & 1) != 0;
    }

    private boolean pending(int id, int c) {
        int s = slot(id >> 5, c);
        int bit = 1 << (id & 31);
        return (latch.get(s) & bit) != 0 || !edge(id) && (level.get(s) & bit) != 0;
    }

    private int priority(int id, int c) {
        return (id < 32 ? privPriority[c][id] : spiPriority[id]) & 0xff;
    }

    private boolean candidate(int id, int c) {
        int s = slot(id >> 5, c);
        int bit = 1 << (id & 31);
        if ((enabled.get(s) & bit) == 0 || (active.get(s) & bit) != 0 || !pending(id, c)) {
            return false;
        }
        return id < 32 || (targets[id] & (1 << c)) != 0;
    }

    @Override
    public DropReason raiseSpi(int intid) {
        if (trace.setPending.on()) {
            trace.setPending.emit(intid);
        }
        if (intid < 32 || intid >= lines) {
            counters.recordDropped(DropReason.SPI_OUT_OF_RANGE);
            return DropReason.SPI_OUT_OF_RANGE;
        }
        int s = slot(intid >> 5, 0);
        int bit = 1 << (intid & 31);
        int before = level.getAndAccumulate(s, bit, (a, b) -> a | b);
        boolean fresh = (before & bit) == 0;
        if (fresh && edge(intid)) {
            // An edge latches pending; a latch already set merges with this one.
            fresh = (latch.getAndAccumulate(s, bit, (a, b) -> a | b) & bit) == 0;
        }
        DropReason r;
        if (!fresh) {
            r = DropReason.COALESCED;
        } else {
            deliveries.incrementAndGet(intid);
            boolean on = table.dctlrEnable.isSet() && (enabled.get(s) & bit) != 0 && targets[intid] != 0;
            r = on ? null : DropReason.INTERRUPT_DISABLED;
        }
        counters.record(r);
        if (r == null && sink != null) {
            for (int c = 0; c < cpus; c++) {
                if (candidate(intid, c)) {
                    drain(c, intid);
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
        if (intid >= 32 && intid < lines && !edge(intid)) {
            pulse.getAndAccumulate(slot(intid >> 5, 0), 1 << (intid & 31), (a, b) -> a | b);
        }
        DropReason r = raiseSpi(intid);
        lowerSpi(intid);
        return r;
    }

    @Override
    public void lowerSpi(int intid) {
        if (intid >= 32 && intid < lines) {
            pulse.getAndAccumulate(slot(intid >> 5, 0), 1 << (intid & 31), (a, b) -> a & ~b);
            level.getAndAccumulate(slot(intid >> 5, 0), 1 << (intid & 31), (a, b) -> a & ~b);
        }
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
        return pending(intid, c) && (intid < 32 || (targets[intid] & (1 << c)) != 0);
    }

    // ---------------------------------------------------------------- CPU interface

    /** Highest-priority interrupt CPU {@code c} could take now, or SPURIOUS. Caller holds the CPU's lock. */
    private int select(int c) {
        CpuInterface ci = cpu[c];
        if (!table.dctlrEnable.isSet() || !ci.enabled) {
            return SPURIOUS;
        }
        int limit = Math.min(ci.running(), ci.pmr);
        int best = SPURIOUS;
        // Word by word: only interrupts that are latched or high, enabled and not active are looked at.
        int words = (lines + 31) / 32;
        for (int w = 0; w < words; w++) {
            int s = slot(w, c);
            int bits = (latch.get(s) | level.get(s)) & enabled.get(s) & ~active.get(s);
            while (bits != 0) {
                int id = w * 32 + Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (id < lines) {
                    int p = priority(id, c);
                    if (p < limit && candidate(id, c)) {
                        best = id;
                        limit = p;
                    }
                }
            }
        }
        return best;
    }

    /** GICC_HPPIR for CPU {@code c}. */
    public int highestPending(int c) {
        if (c < 0 || c >= cpus) {
            return SPURIOUS;
        }
        synchronized (cpu[c]) {
            return select(c);
        }
    }

    @Override
    public int acknowledge(int c) {
        if (c < 0 || c >= cpus) {
            return SPURIOUS;
        }
        CpuInterface ci = cpu[c];
        synchronized (ci) {
            int id = select(c);
            if (id == SPURIOUS) {
                return SPURIOUS;
            }
            int s = slot(id >> 5, c);
            int bit = 1 << (id & 31);
            latch.getAndAccumulate(s, bit, (a, b) -> a & ~b);
            if ((pulse.get(s) & bit) != 0) {
                // A level-sensitive pulse (pulseSpi) is over by the time its handler runs.
                level.getAndAccumulate(s, bit, (a, b) -> a & ~b);
            }
            active.getAndAccumulate(s, bit, (a, b) -> a | b);
            ci.push(id, priority(id, c));
            if (trace.ack.on()) {
                trace.ack.emit(c, id);
            }
            return id;
        }
    }

    @Override
    public void endOfInterrupt(int c, int intid) {
        if (c < 0 || c >= cpus || intid < 0 || intid >= lines) {
            return;
        }
        CpuInterface ci = cpu[c];
        synchronized (ci) {
            if (!ci.pop(intid)) {
                return;
            }
            if (trace.eoi.on()) {
                trace.eoi.emit(c, intid);
            }
            active.getAndAccumulate(slot(intid >> 5, c), 1 << (intid & 31), (a, b) -> a & ~b);
        }
        signalAll();
    }

    @Override
    public long deliveries(int intid) {
        return intid >= 0 && intid < deliveries.length() ? deliveries.get(intid) : 0;
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

    private void signalAll() {
        if (sink == null) {
            return;
        }
        for (int c = 0; c < cpus; c++) {
            drain(c, -1);
        }
    }

    /**
     * Tells CPU {@code c}'s sink, serialising calls per CPU: the first signaller calls the sink;
     * one arriving meanwhile (the sink's own EOI, another thread) only counts itself, and the
     * caller in progress signals again, with the then highest pending interrupt, before it
     * returns. {@code first} is the INTID to report first, or -1 to look it up.
     */
    private void drain(int c, int first) {
        CpuInterface ci = cpu[c];
        if (ci.signalWip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        int id = first;
        int last = SPURIOUS;
        int repeats = 0;
        for (;;) {
            if (id < 0) {
                id = highestPending(c);
            }
            // A level-sensitive interrupt whose input stays high is pending again at its own EOI:
            // on hardware the CPU takes it forever; here the CPU runs in the raiser's thread, so
            // after LEVEL_RESIGNALS rounds it is left pending for the next outside signal.
            repeats = id == last && levelHeld(id, c) ? repeats + 1 : 0;
            last = id;
            InterruptSink k = sink;
            if (k != null && id != SPURIOUS && repeats < LEVEL_RESIGNALS) {
                try {
                    k.interruptPending(c, id);
                } catch (RuntimeException e) {
                    // A failing CPU model must not wedge the line for later interrupts.
                    LOG.warn("{}: interrupt sink failed for CPU {} INTID {}", name, c, id, e);
                }
            }
            missed = ci.signalWip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
            id = -1;
        }
    }

    /** True when {@code id} is pending for CPU {@code c} only because its level-sensitive input is high. */
    private boolean levelHeld(int id, int c) {
        if (id < 32 || id >= lines || edge(id)) {
            return false;
        }
        int s = slot(id >> 5, c);
        int bit = 1 << (id & 31);
        return (latch.get(s) & bit) == 0 && (level.get(s) & bit) != 0;
    }

    /** Enables the CPU interface of CPU {@code c} with priority mask {@code pmr} (GICC_CTLR/PMR of that CPU). */
    public void enableCpuInterface(int c, int pmr) {
        if (c < 0 || c >= cpus) {
            throw new IllegalArgumentException("no CPU " + c);
        }
        CpuInterface ci = cpu[c];
        synchronized (ci) {
            ci.enabled = true;
            ci.pmr = pmr & 0xff;
        }
        if (c == 0) {
            giccCtlr.set(1); // keep CPU 0's GICC frame in step
            giccPmr.set(pmr & 0xff);
        }
        signalAll();
    }

    // ---------------------------------------------------------------- DeviceModel

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? gicd : index == 1 ? gicc : null;
    }

    @Override
    public Object saveState() {
        Gicv2State.Cpu[] c = new Gicv2State.Cpu[cpus];
        for (int i = 0; i < cpus; i++) {
            CpuInterface ci = cpu[i];
            synchronized (ci) {
                c[i] = new Gicv2State.Cpu(ci.enabled, ci.pmr, Arrays.copyOf(ci.ids, ci.depth), Arrays.copyOf(ci.prio, ci.depth));
            }
        }
        byte[][] pp = new byte[cpus][];
        for (int i = 0; i < cpus; i++) {
            pp[i] = privPriority[i].clone();
        }
        return new Gicv2State(lines - 32, cpus, (int) dctlr.value(), copy(enabled), copy(latch), copy(level),
                copy(active), group.clone(), cfg.clone(), pp, spiPriority.clone(), targets.clone(), c);
    }

    private static int[] copy(AtomicIntegerArray a) {
        int[] out = new int[a.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }

    /** Takes over a saved state of the same shape; anything else is ignored. */
    @Override
    public void restoreState(Object state) {
        if (!(state instanceof Gicv2State s) || s.spis() != lines - 32 || s.cpus() != cpus) {
            return;
        }
        dctlr.set(s.gicdCtlr());
        for (int i = 0; i < enabled.length(); i++) {
            enabled.set(i, s.enabled()[i]);
            latch.set(i, s.latch()[i]);
            level.set(i, s.level()[i]);
            active.set(i, s.active()[i]);
        }
        System.arraycopy(s.group(), 0, group, 0, group.length);
        System.arraycopy(s.cfg(), 0, cfg, 0, cfg.length);
        System.arraycopy(s.spiPriority(), 0, spiPriority, 0, spiPriority.length);
        System.arraycopy(s.targets(), 0, targets, 0, targets.length);
        for (int i = 0; i < cpus; i++) {
            System.arraycopy(s.privPriority()[i], 0, privPriority[i], 0, 32);
            CpuInterface ci = cpu[i];
            Gicv2State.Cpu c = s.cpu()[i];
            synchronized (ci) {
                ci.enabled = c.enabled();
                ci.pmr = c.pmr();
                ci.depth = Math.min(c.activeIds().length, ci.ids.length);
                System.arraycopy(c.activeIds(), 0, ci.ids, 0, ci.depth);
                System.arraycopy(c.activePriorities(), 0, ci.prio, 0, ci.depth);
            }
        }
        giccCtlr.set(cpu[0].enabled ? 1 : 0);
        giccPmr.set(cpu[0].pmr);
        signalAll();
    }

    @Override
    public String summary() {
        return String.format("%s: GICv2 %d SPIs, %d CPUs; %s", name, lines - 32, cpus, counters.snapshot());
    }

    /** GICC state of one CPU: enable, priority mask and the stack of active priorities. */
    private static final class CpuInterface {
        volatile boolean enabled;
        volatile int pmr;
        final int[] ids = new int[256];
        final int[] prio = new int[256];
        int depth;
        // Signals in progress or owed to this CPU's sink (see drain).
        final AtomicInteger signalWip = new AtomicInteger();

        int running() {
            return depth == 0 ? IDLE_PRIORITY : prio[depth - 1];
        }

        void push(int id, int p) {
            if (depth < ids.length) {
                ids[depth] = id;
                prio[depth] = p;
                depth++;
            }
        }

        boolean pop(int id) {
            for (int i = depth - 1; i >= 0; i--) {
                if (ids[i] == id) {
                    System.arraycopy(ids, i + 1, ids, i, depth - i - 1);
                    System.arraycopy(prio, i + 1, prio, i, depth - i - 1);
                    depth--;
                    return true;
                }
            }
            return false;
        }
    }
}
