package org.trapdoor.xen.irq.vgic;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.counter.EventCounterArray;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.xen.trace.XenTrace;

/**
 * One domain's virtual GIC, the state Xen's {@code struct vgic_dist} and each vCPU's
 * {@code struct vgic_cpu} hold: per SPI its enable, priority, configuration and target vCPU (from
 * IROUTER), the physical INTID behind it when it is passed through; per vCPU its SGIs/PPIs and
 * the list registers ({@link Vcpu}); for LPIs the guest's property table and Xen's cached copy
 * of each LPI's configuration byte ({@code update_lpi_property}).
 *
 * <p>Injection ({@link #inject}, Xen's {@code vgic_inject_irq}) runs on whatever thread took the
 * physical interrupt: it queues the INTID on the target vCPU with one atomic OR and signals that
 * vCPU; the vCPU moves queued interrupts into its list registers when it next looks
 * ({@link Vcpu#acknowledge}), as Xen fills the LRs on the way back into the guest. No lock, no
 * allocation. Register emulation ({@link Vgicv3Distributor}, {@link Vgicv3Redistributors}) is a
 * trap, not a hot path, and changes configuration under the domain's vGIC lock as Xen does.
 *
 * <p>Model choices: every interrupt is group 1 (IGROUPR is RAZ/WI, as Xen has no security
 * extension for guests); a vCPU's affinity is its number in Aff0 (Xen's
 * {@code vcpuid_to_vaffinity} for fewer than 16 vCPUs); 1-of-N routing is refused, as Xen does.
 */
public final class Vgic {
    public static final int PRIVATE = 32;
    /** Priority given at reset to every interrupt (GICD_IPRIORITYR resets to 0). */
    static final int RESET_PRIORITY = 0;
    /** LPI configuration byte: bit 0 Enable, bits [7:2] priority. */
    static final int LPI_ENABLE = 1;
    static final int LPI_PRIORITY_MASK = 0xfc;

    private final String name;
    private final int vcpuCount;
    private final int lines;
    private final int idBits;
    private final boolean lpis;
    private final GuestMemory memory;
    private final HwIrqs hw;
    final Object lock = new Object();

    // Distributor state for SPIs, indexed by INTID (0..31 unused: those live per vCPU).
    private final AtomicIntegerArray spiEnabled;
    private final byte[] spiPriority;
    private final int[] spiEdge;
    private final long[] irouter;
    private final int[] spiTarget;
    private final int[] hwIntid;
    private final int[] hwCpu;
    private volatile boolean group1Enabled;

    // LPIs: the domain-wide property table (GICR_PROPBASER is shared by every redistributor in
    // Xen's vGIC) and Xen's cached configuration bytes, read on MAPTI/INV/INVALL.
    private volatile long propbaser;
    private volatile boolean rdistsEnabled;
    private volatile int lpiLimit = InterruptController.FIRST_LPI;
    private final byte[] lpiConfig;

    private final Vcpu[] vcpus;
    private final InterruptCounters counters = new InterruptCounters();
    private final EventCounterArray injected;
    private volatile InterruptSink sink;
    private volatile EventCounter runTime = new EventCounter();
    private volatile boolean dying;

    /**
     * @param spis   SPIs the domain gets (a multiple of 32, at most 988)
     * @param idBits INTID bits (GICD_TYPER.IDbits + 1); 16 with LPIs
     * @param lpis   whether the domain has an ITS and so LPIs (GICD_TYPER.LPIS)
     */
    public Vgic(String name, int vcpus, int spis, int idBits, boolean lpis, GuestMemory memory, HwIrqs hw) {
        if (vcpus <= 0 || vcpus > 128 || spis < 0 || spis % 32 != 0 || spis > 988 || idBits < 10 || idBits > 16) {
            throw new IllegalArgumentException(String.format("%s: bad vGIC shape: vcpus=%d spis=%d idBits=%d", name,
                    vcpus, spis, idBits));
        }
        this.name = name;
        this.vcpuCount = vcpus;
        this.lines = PRIVATE + spis;
        this.idBits = idBits;
        this.lpis = lpis;
        this.memory = memory;
        this.hw = hw;
        spiEnabled = new AtomicIntegerArray(lines / 32);
        spiPriority = new byte[lines];
        spiEdge = new int[lines / 32];
        irouter = new long[lines];
        spiTarget = new int[lines];
        hwIntid = new int[lines];
        hwCpu = new int[lines];
        java.util.Arrays.fill(hwIntid, -1);
        int ids = lpis ? 1 << idBits : lines;
        lpiConfig = new byte[lpis ? ids - InterruptController.FIRST_LPI : 0];
        this.vcpus = new Vcpu[vcpus];
        for (int i = 0; i < vcpus; i++) {
            this.vcpus[i] = new Vcpu(this, i, ids);
        }
        injected = new EventCounterArray(ids);
    }

    public String name() {
        return name;
    }

    /**
     * Where the time the guest's interrupt handlers run on the vCPUs is added (the domain's CPU
     * time, {@code xl list}'s Time(s)).
     */
    public void runTime(EventCounter c) {
        runTime = c;
    }

    EventCounter runTime() {
        return runTime;
    }

    public int vcpuCount() {
        return vcpuCount;
    }

    /** SGIs + PPIs + SPIs: INTIDs below this that are not LPIs exist. */
    public int lines() {
        return lines;
    }

    public int idBits() {
        return idBits;
    }

    public boolean hasLpis() {
        return lpis;
    }

    Vcpu vcpu(int n) {
        return vcpus[n];
    }

    /** Injections by outcome: delivered = queued, enabled and signalled. */
    public InterruptCounters counters() {
        return counters;
    }

    /** Times {@code vintid} was newly made pending. */
    public long injections(int vintid) {
        return vintid >= 0 && vintid < injected.length() ? injected.get(vintid) : 0;
    }

    /** The guest's CPUs' IRQ lines (its {@code gic_handle_irq}); null disconnects. */
    public void connect(InterruptSink s) {
        sink = s;
        if (s != null) {
            for (Vcpu v : vcpus) {
                v.signal(-1);
            }
        }
    }

    InterruptSink sink() {
        return sink;
    }

    HwIrqs hw() {
        return hw;
    }

    // ---------------------------------------------------------------- injection (hot path)

    /**
     * {@code vgic_inject_irq}: makes virtual {@code vintid} pending on {@code vcpu} (ignored for
     * an SPI, which goes to its IROUTER target) and signals that vCPU if it may take it.
     *
     * @return null when delivered (newly pending, enabled, the vCPU signalled), else why not:
     *         {@link DropReason#COALESCED}, {@link DropReason#INTERRUPT_DISABLED} (held pending),
     *         {@link DropReason#DOMAIN_DYING}, or an out-of-range reason
     */
    public DropReason inject(int vcpu, int vintid) {
        DropReason r = injectOutcome(vcpu, vintid);
        counters.record(r);
        TracePoint tp = trace;
        if (tp.on()) {
            tp.emitText(name, vcpu, vintid, XenTrace.outcome(r));
        }
        return r;
    }

    /** {@code xen_inject}; set before the domain runs. */
    private TracePoint trace = TracePoint.NEVER;

    /** Traces every injection on {@code point} (an {@code xen_inject} point) while it is on. */
    public void trace(TracePoint point) {
        trace = point;
    }

    private DropReason injectOutcome(int vcpu, int vintid) {
        if (dying) {
            return DropReason.DOMAIN_DYING;
        }
        Vcpu v;
        if (vintid >= InterruptController.FIRST_LPI) {
            if (!lpis || vintid >= lpiLimit) {
                return DropReason.LPI_OUT_OF_RANGE;
            }
            if (vcpu < 0 || vcpu >= vcpuCount) {
                return DropReason.REDISTRIBUTOR_OUT_OF_RANGE;
            }
            v = vcpus[vcpu];
            if (!v.lpisEnabled) {
                return DropReason.LPI_DISABLED;
            }
        } else if (vintid >= PRIVATE) {
            if (vintid >= lines) {
                return DropReason.SPI_OUT_OF_RANGE;
            }
            v = vcpus[spiTarget[vintid]];
        } else {
            if (vintid < 0 || vcpu < 0 || vcpu >= vcpuCount) {
                return DropReason.REDISTRIBUTOR_OUT_OF_RANGE;
            }
            v = vcpus[vcpu];
        }
        if (!v.queued.set(vintid)) {
            return DropReason.COALESCED;
        }
        injected.increment(vintid);
        if (!enabled(v, vintid)) {
            return DropReason.INTERRUPT_DISABLED;
        }
        v.signal(vintid);
        return null;
    }

    /** Clears a queued, not yet taken, interrupt (an ITS CLEAR or DISCARD of a virtual LPI). */
    public void clearPending(int vcpu, int vintid) {
        if (vcpu >= 0 && vcpu < vcpuCount && vintid >= 0 && vintid < vcpus[vcpu].queued.capacity()) {
            vcpus[vcpu].queued.clear(vintid);
        }
    }

    /** True when {@code vintid} is queued on {@code vcpu} (in a list register or waiting for one). */
    public boolean isPending(int vintid, int vcpu) {
        if (vcpu < 0 || vcpu >= vcpuCount) {
            return false;
        }
        if (vintid >= PRIVATE && vintid < lines) {
            return spiTarget[vintid] == vcpu && vcpus[vcpu].queued.get(vintid);
        }
        return vcpus[vcpu].queued.get(vintid);
    }

    /** Moves the queued LPIs of one vCPU to another (a vITS MOVI / MOVALL). */
    public void moveLpi(int vintid, int from, int to) {
        if (from == to || from < 0 || to < 0 || from >= vcpuCount || to >= vcpuCount) {
            return;
        }
        if (vcpus[from].queued.clear(vintid)) {
            vcpus[to].queued.set(vintid);
            if (enabled(vcpus[to], vintid)) {
                vcpus[to].signal(vintid);
            }
        }
    }

    boolean enabled(Vcpu v, int id) {
        if (id < PRIVATE) {
            return (v.privateEnabled.get() & (1 << id)) != 0;
        }
        if (id < lines) {
            return group1Enabled && (spiEnabled.get(id >> 5) & (1 << (id & 31))) != 0;
        }
        int i = id - InterruptController.FIRST_LPI;
        return i >= 0 && i < lpiConfig.length && (lpiConfig[i] & LPI_ENABLE) != 0;
    }

    int priority(Vcpu v, int id) {
        if (id < PRIVATE) {
            return v.privatePriority[id] & 0xff;
        }
        if (id < lines) {
            return spiPriority[id] & 0xff;
        }
        int i = id - InterruptController.FIRST_LPI;
        return i >= 0 && i < lpiConfig.length ? lpiConfig[i] & LPI_PRIORITY_MASK : 0xff;
    }

    /** True when the guest has enabled SPI {@code vintid} at its distributor. */
    public boolean spiEnabled(int vintid) {
        return vintid >= PRIVATE && vintid < lines && (spiEnabled.get(vintid >> 5) & (1 << (vintid & 31))) != 0;
    }

    /** The physical INTID behind virtual {@code id} (an SPI routed with the HW bit), or -1. */
    int hwIntid(int id) {
        return id >= PRIVATE && id < lines ? hwIntid[id] : -1;
    }

    int hwCpu(int id) {
        return hwCpu[id];
    }

    // ---------------------------------------------------------------- routing of physical SPIs

    /**
     * {@code route_irq_to_guest}: virtual SPI {@code vintid} is physical {@code pintid} (taken on
     * physical CPU {@code pcpu}); the guest's EOI deactivates the physical one, its enable
     * enables it.
     *
     * @throws IllegalArgumentException if {@code vintid} is no SPI of this vGIC or already routed
     */
    public void mapHardware(int vintid, int pintid, int pcpu) {
        synchronized (lock) {
            if (vintid < PRIVATE || vintid >= lines) {
                throw new IllegalArgumentException(name + ": SPI " + vintid + " is not an SPI of this vGIC (lines "
                        + lines + ")");
            }
            if (hwIntid[vintid] >= 0) {
                throw new IllegalArgumentException(name + ": SPI " + vintid + " is already routed (IRQ " + hwIntid[vintid]
                        + ")");
            }
            hwCpu[vintid] = pcpu;
            hwIntid[vintid] = pintid;
        }
    }

    /** Undoes {@link #mapHardware}; the physical SPI is disabled. */
    public void unmapHardware(int vintid) {
        synchronized (lock) {
            if (vintid >= PRIVATE && vintid < lines && hwIntid[vintid] >= 0) {
                hw.enable(hwIntid[vintid], false);
                hwIntid[vintid] = -1;
            }
        }
    }

    // ---------------------------------------------------------------- distributor state (traps)

    boolean group1Enabled() {
        return group1Enabled;
    }

    void group1Enabled(boolean on) {
        boolean was = group1Enabled;
        group1Enabled = on;
        if (on && !was) {
            signalAll();
        }
    }

    int spiEnableWord(int word) {
        return word < spiEnabled.length() ? spiEnabled.get(word) : 0;
    }

    /** {@code vgic_enable_irqs} / {@code vgic_disable_irqs} for one word of SPIs. */
    void spiEnable(int word, int bits, boolean enable) {
        if (word <= 0 || word >= spiEnabled.length() || bits == 0) {
            return;
        }
        int before = enable ? spiEnabled.getAndAccumulate(word, bits, (a, b) -> a | b)
                : spiEnabled.getAndAccumulate(word, bits, (a, b) -> a & ~b);
        int changed = enable ? bits & ~before : bits & before;
        while (changed != 0) {
            int id = word * 32 + Integer.numberOfTrailingZeros(changed);
            changed &= changed - 1;
            if (hwIntid[id] >= 0) {
                hw.enable(hwIntid[id], enable);
            }
            if (enable && vcpus[spiTarget[id]].queued.get(id)) {
                vcpus[spiTarget[id]].signal(id);
            }
        }
    }

    int spiPriority(int id) {
        return spiPriority[id] & 0xff;
    }

    void spiPriority(int id, int prio) {
        spiPriority[id] = (byte) prio;
    }

    int spiEdgeWord(int word) {
        return spiEdge[word];
    }

    void spiEdgeWord(int word, int bits) {
        spiEdge[word] = bits;
    }

    long irouter(int id) {
        return irouter[id];
    }

    /**
     * {@code vgic_v3_irouter_to_vcpu}: an affinity naming no vCPU, or 1-of-N routing, is refused and
     * the SPI stays where it was (Xen ignores such writes); a pending SPI follows its new target
     * ({@code vgic_migrate_irq}).
     */
    boolean irouter(int id, long value) {
        if ((value & (1L << 31)) != 0) {
            return false;
        }
        int target = vcpuOfAffinity(value);
        if (target < 0) {
            return false;
        }
        irouter[id] = value & 0xff00_ff_ffffL;
        int old = spiTarget[id];
        spiTarget[id] = target;
        if (old != target && vcpus[old].queued.clear(id)) {
            vcpus[target].queued.set(id);
            if (enabled(vcpus[target], id)) {
                vcpus[target].signal(id);
            }
        }
        return true;
    }

    /** The vCPU whose MPIDR affinity {@code route} names (Aff3.Aff2.Aff1 zero, Aff0 = vCPU), or -1. */
    int vcpuOfAffinity(long route) {
        long aff = route & 0xff00_ff_ffffL;
        return (aff & ~0xffL) == 0 && (aff & 0xff) < vcpuCount ? (int) (aff & 0xff) : -1;
    }

    /** MPIDR affinity of {@code vcpu} as GICR_TYPER[63:32] reports it. */
    static long affinity(int vcpu) {
        return vcpu & 0xff;
    }

    int spiTarget(int id) {
        return spiTarget[id];
    }

    // ---------------------------------------------------------------- LPIs

    long propbaser() {
        return propbaser;
    }

    /** Writes to PROPBASER while any redistributor has LPIs enabled are ignored (UNPREDICTABLE). */
    void propbaser(long value) {
        if (!rdistsEnabled) {
            propbaser = value;
        }
    }

    /** True once a redistributor enabled LPIs: the property table is fixed and may be read. */
    public boolean rdistsEnabled() {
        return rdistsEnabled;
    }

    /** The LPI INTIDs the guest's property table covers: FIRST_LPI..lpiLimit-1. */
    public int lpiLimit() {
        return lpiLimit;
    }

    /** {@code vgic_vcpu_enable_lpis}: the first redistributor to enable fixes the domain's LPI count. */
    void enableLpis(Vcpu v) {
        synchronized (lock) {
            if (!rdistsEnabled) {
                int bits = (int) (propbaser & 0x1f) + 1;
                lpiLimit = Math.max(InterruptController.FIRST_LPI, Math.min(1 << Math.min(bits, idBits), 1 << idBits));
                rdistsEnabled = true;
            }
            v.lpisEnabled = true;
        }
    }

    /**
     * {@code update_lpi_property}: reads LPI {@code vintid}'s configuration byte from the guest's
     * property table into Xen's cache, and signals a queued LPI that became enabled.
     *
     * @return false when there is no table yet, the LPI is beyond it, or the byte is not in the
     *         guest's RAM (the command that asked fails)
     */
    public boolean updateLpiProperty(int vintid) {
        if (!rdistsEnabled || vintid < InterruptController.FIRST_LPI || vintid >= lpiLimit) {
            return false;
        }
        long addr = (propbaser & 0x000F_FFFF_FFFF_F000L) + (vintid - InterruptController.FIRST_LPI);
        if (!memory.isRam(addr, 1)) {
            return false;
        }
        byte b = (byte) memory.load(addr, 1);
        lpiConfig[vintid - InterruptController.FIRST_LPI] = b;
        if ((b & LPI_ENABLE) != 0) {
            for (Vcpu v : vcpus) {
                if (v.queued.get(vintid)) {
                    v.signal(vintid);
                }
            }
        }
        return true;
    }

    /** Forgets the cached configuration of {@code vintid} (its mapping was discarded). */
    public void forgetLpi(int vintid) {
        int i = vintid - InterruptController.FIRST_LPI;
        if (i >= 0 && i < lpiConfig.length) {
            lpiConfig[i] = 0;
            for (Vcpu v : vcpus) {
                v.queued.clear(vintid);
            }
        }
    }

    // ---------------------------------------------------------------- life cycle

    /** {@code domain_vgic_free}: nothing is injected any more; queued interrupts are dropped. */
    public void destroy() {
        dying = true;
        synchronized (lock) {
            for (int id = PRIVATE; id < lines; id++) {
                if (hwIntid[id] >= 0) {
                    hw.enable(hwIntid[id], false);
                }
            }
            for (Vcpu v : vcpus) {
                v.queued.clearAll();
            }
        }
        sink = null;
    }

    public boolean dying() {
        return dying;
    }

    void signalAll() {
        for (Vcpu v : vcpus) {
            v.signal(-1);
        }
    }

    @Override
    public String toString() {
        return String.format("vGIC %s: %d vCPUs, %d SPIs%s; %s", name, vcpuCount, lines - PRIVATE,
                lpis ? ", LPIs " + InterruptController.FIRST_LPI + ".." + (lpiLimit - 1) : "", counters.snapshot());
    }
}
