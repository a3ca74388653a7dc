package org.trapdoor.hw.gicv3;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.counter.EventCounterArray;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * Arm GICv3 ({@code arm,gic-v3}): the distributor (GICD, 64 KiB), one redistributor per CPU
 * (RD_base + SGI_base frames, 128 KiB) and the CPU interface operations a guest performs through
 * ICC_IAR1_EL1/ICC_EOIR1_EL1.
 *
 * <p>Model choices: affinity routing is always on and there is a single security state
 * (GICD_CTLR.ARE_S/DS read as one, as on QEMU virt without EL3); EOImode is 0 (EOI drops
 * priority and deactivates); the priority mask is fully open. LPIs: 16 ID bits (8192..65535),
 * configuration and pending tables in guest memory at GICR_PROPBASER/GICR_PENDBASER. Each
 * redistributor caches its LPI configuration bytes when EnableLPIs is set and on INV/INVALL, as
 * the architecture allows, so a configuration change takes effect only after an invalidate.
 * The pending table is read on EnableLPIs; while LPIs are enabled the redistributor holds the
 * pending bits itself (the architecture leaves the table's contents to it then) and writes them
 * back when EnableLPIs is cleared and when its state is saved for a swap.
 *
 * <p>Nothing here locks or allocates per interrupt. Set-pending requests ({@link #raiseSpi},
 * {@link #setLpiPending}) update atomically; the CPU interface operations ({@link #acknowledge},
 * {@link #endOfInterrupt}) are the CPU's own system-register accesses, which one CPU never makes
 * at once, so its running-priority stack is plain state (the sink is called serialised per CPU).
 * Each redistributor keeps its pending LPIs as a bitmap with two levels of marks (one per word that
 * may be non-zero, one per marks word) and a count, and the distributor marks the SPI words that
 * are latched or high, so acknowledge visits only what is pending, never the whole INTID space. When
 * nothing can be pending for a CPU, acknowledge and the EOI-side re-signal return after a few loads
 * (an interrupt made pending after that check is signalled by its setter). An MSI costs the GIC
 * one atomic update to set it pending and one to acknowledge it.
 *
 * <p>Outcome of a set-pending request: {@code null} (delivered: pending, enabled, the CPU
 * signalled), {@link DropReason#COALESCED} when it was pending already, and
 * {@link DropReason#INTERRUPT_DISABLED} when it is disabled (it stays pending, as the
 * architecture requires, and is taken once enabled).
 *
 * <p>The {@link InterruptSink} is called with no lock held, after the state is updated, and never
 * nested or concurrently for one CPU (see {@link #drain}): it may acknowledge and EOI at once.
 */
public final class Gicv3 implements InterruptController {
    private static final Logger LOG = LoggerFactory.getLogger(Gicv3.class);

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
    /** Consecutive signals of one held level-sensitive SPI in one drain (see {@link #drain}). */
    static final int LEVEL_RESIGNALS = 64;
    /** Atomic and volatile access to the redistributors' LPI bitmaps (plain long arrays). */
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TOP;

    static {
        try {
            TOP = MethodHandles.lookup().findVarHandle(Redistributor.class, "marksTop", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final PhysicalMemory memory;
    private final int lines;
    private final Redistributor[] redists;
    private final long[] affinity;

    // Distributor state for SPIs, indexed by INTID (0..31 unused: those live per redistributor).
    private final AtomicIntegerArray spiEnabled;
    private final AtomicIntegerArray spiLatch;
    private final AtomicIntegerArray spiLevel;
    // Level-sensitive SPIs whose input is high only for a pulse in progress (pulseSpi).
    private final AtomicIntegerArray spiPulse;
    private final AtomicIntegerArray spiActive;
    /**
     * One bit per SPI word whose latch or level may be set (see {@link #markSpiWord}): acknowledge
     * visits only those words. At most 32 words (1020 INTIDs).
     */
    private final AtomicLong spiAsserted = new AtomicLong();
    private final int[] spiGroup;
    private final int[] spiCfg;
    private final byte[] spiPriority;
    private final long[] irouter;
    /** SPI INTID to target CPU, from IROUTER; -1 when no CPU matches, -2 for 1-of-N (IRM). */
    private final int[] spiTarget;

    private final RegisterBlock gicd;
    private final Register ctlr;
    private final MmioHandler redistRegion;
    private final InterruptCounters counters = new InterruptCounters();
    private final EventCounterArray deliveries = new EventCounterArray(LPI_LIMIT);
    private final AtomicLong lpiTableErrors = new AtomicLong();
    private volatile InterruptSink sink;

    /**
     * @param spis     number of SPIs (a multiple of 32, at most 988)
     * @param affinity MPIDR affinity of each CPU (Aff3.Aff2.Aff1.Aff0 as in GICR_TYPER[63:32])
     */
    public Gicv3(String name, int spis, long[] affinity, PhysicalMemory memory) {
        if (spis < 0 || spis % 32 != 0 || spis > 988 || affinity.length == 0) {
            throw new IllegalArgumentException("bad GICv3 shape: spis=" + spis + " cpus=" + affinity.length);
        }
        this.name = name;
        this.memory = memory;
        this.lines = Math.min(spis + 32, 1020);
        this.affinity = affinity.clone();
        int words = (lines + 31) / 32;
        spiEnabled = new AtomicIntegerArray(words);
        spiLatch = new AtomicIntegerArray(words);
        spiLevel = new AtomicIntegerArray(words);
        spiPulse = new AtomicIntegerArray(words);
        spiActive = new AtomicIntegerArray(words);
        spiGroup = new int[words];
        spiCfg = new int[words * 2];
        spiPriority = new byte[words * 32];
        irouter = new long[words * 32];
        spiTarget = new int[words * 32];
        redists = new Redistributor[affinity.length];
        for (int i = 0; i < redists.length; i++) {
            redists[i] = new Redistributor(i, i == redists.length - 1);
        }
        gicd = new RegisterBlock(name + " GICD", GICD_SIZE).allowSizes(1, 2, 4, 8);
        ctlr = gicd.reg32("GICD_CTLR", 0x0000).reset(0x50).writable(0x3).onWrite((p, v) -> signalAll());
        gicd.reg32("GICD_TYPER", 0x0004).readOnly()
                .reset((words - 1) | (1 << 17) | ((LPI_ID_BITS - 1) << 19)); // No1N = 0: IRM routing supported
        gicd.reg32("GICD_IIDR", 0x0008).readOnly().reset(IIDR);
        gicd.reg32("GICD_TYPER2", 0x000C).readOnly();
        int bitmapBytes = words * 4;
        gicd.range("GICD_IGROUPR", 0x0080, bitmapBytes, plainBitmap(spiGroup));
        gicd.range("GICD_ISENABLER", 0x0100, bitmapBytes, setClear(spiEnabled, true));
        gicd.range("GICD_ICENABLER", 0x0180, bitmapBytes, setClear(spiEnabled, false));
        gicd.range("GICD_ISPENDR", 0x0200, bitmapBytes, pendRange(true));
        gicd.range("GICD_ICPENDR", 0x0280, bitmapBytes, pendRange(false));
        gicd.range("GICD_ISACTIVER", 0x0300, bitmapBytes, setClear(spiActive, true));
        gicd.range("GICD_ICACTIVER", 0x0380, bitmapBytes, setClear(spiActive, false));
        gicd.range("GICD_IPRIORITYR", 0x0400, words * 32, priorityRange());
        gicd.range("GICD_ICFGR", 0x0C00, words * 8, cfgRange());
        gicd.range("GICD_IROUTER", 0x6100, (lines - 32) * 8, irouterRange());
        gicd.reg32("GICD_PIDR2", 0xFFE8).readOnly().reset(PIDR2);
        redistRegion = this::redistAccess;
        int resetTarget = routeTarget(0);
        Arrays.fill(spiTarget, resetTarget);
    }

    // ---------------------------------------------------------------- distributor register ranges

    private static boolean privateId(int intid) {
        return intid < 32;
    }

    /** Mask of the bytes an access of {@code size} at byte {@code lane} of a word covers. */
    private static int laneMask(int offset, int size) {
        long m = size >= 4 ? 0xffff_ffffL : (1L << (size * 8)) - 1;
        return (int) (m << ((offset & 3) * 8));
    }

    private RangeHandler plainBitmap(int[] bits) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                return offset < 4 ? 0 : (bits[offset >> 2] & 0xffff_ffffL) >>> ((offset & 3) * 8) & mask(size);
            }

            @Override
            public void write(int offset, int size, long value) {
                if (offset < 4) {
                    return; // word 0 (SGIs/PPIs) lives in the redistributor when ARE is set
                }
                int m = laneMask(offset, size);
                int v = (int) (value << ((offset & 3) * 8));
                bits[offset >> 2] = (bits[offset >> 2] & ~m) | (v & m);
                signalAll();
            }
        };
    }

    private static long mask(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /** An ISENABLER/ICENABLER-style pair: reads show the state, writes of one set or clear. */
    private RangeHandler setClear(AtomicIntegerArray bits, boolean set) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                return offset < 4 ? 0 : (bits.get(offset >> 2) & 0xffff_ffffL) >>> ((offset & 3) * 8) & mask(size);
            }

            @Override
            public void write(int offset, int size, long value) {
                if (offset < 4) {
                    return;
                }
                int v = (int) (value << ((offset & 3) * 8)) & laneMask(offset, size);
                if (set) {
                    bits.getAndAccumulate(offset >> 2, v, (a, b) -> a | b);
                    signalWord(offset >> 2, v);
                } else {
                    bits.getAndAccumulate(offset >> 2, v, (a, b) -> a & ~b);
                    if (bits == spiActive) {
                        signalWord(offset >> 2, v);
                    }
                }
            }
        };
    }

    private RangeHandler pendRange(boolean set) {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                if (offset < 4) {
                    return 0;
                }
                return (spiPendingWord(offset >> 2) & 0xffff_ffffL) >>> ((offset & 3) * 8) & mask(size);
            }

            @Override
            public void write(int offset, int size, long value) {
                if (offset < 4) {
                    return;
                }
                int w = offset >> 2;
                int v = (int) (value << ((offset & 3) * 8)) & laneMask(offset, size);
                if (set) {
                    int before = spiLatch.getAndAccumulate(w, v, (a, b) -> a | b);
                    markSpiWord(w);
                    countNew(w, v & ~before);
                    signalWord(w, v);
                } else {
                    spiLatch.getAndAccumulate(w, v, (a, b) -> a & ~b);
                    unmarkSpiWordIfIdle(w);
                }
            }
        };
    }

    private void countNew(int word, int bits) {
        while (bits != 0) {
            int b = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            deliveries.increment(word * 32 + b);
        }
    }

    private RangeHandler priorityRange() {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                if (offset < 32) {
                    return 0;
                }
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = (v << 8) | (spiPriority[offset + i] & 0xff);
                }
                return v;
            }

            @Override
            public void write(int offset, int size, long value) {
                if (offset < 32) {
                    return;
                }
                for (int i = 0; i < size; i++) {
                    spiPriority[offset + i] = (byte) (value >>> (8 * i));
                }
                signalAll();
            }
        };
    }

    private RangeHandler cfgRange() {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                // ICFGR0/1 belong to the redistributor under affinity routing: RAZ here.
                return offset < 8 ? 0 : (spiCfg[offset >> 2] & 0xffff_ffffL) >>> ((offset & 3) * 8) & mask(size);
            }

            @Override
            public void write(int offset, int size, long value) {
                if (offset < 8) {
                    return;
                }
                // Only Int_config (the odd bit of each field) is writable; bit 0 is RES0.
                int m = laneMask(offset, size) & 0xAAAA_AAAA;
                int v = (int) (value << ((offset & 3) * 8));
                spiCfg[offset >> 2] = (spiCfg[offset >> 2] & ~m) | (v & m);
            }
        };
    }

    private RangeHandler irouterRange() {
        return new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                int id = 32 + offset / 8;
                return (irouter[id] >>> ((offset & 7) * 8)) & mask(size);
            }

            @Override
            public void write(int offset, int size, long value) {
                int id = 32 + offset / 8;
                int shift = (offset & 7) * 8;
                long m = mask(size) << shift;
                // Aff3 [39:32], IRM [31], Aff2..Aff0 [23:0].
                long writable = 0xff_8000_0000L | 0xff_ffffL;
                irouter[id] = (irouter[id] & ~(m & writable)) | ((value << shift) & m & writable);
                spiTarget[id] = routeTarget(irouter[id]);
                signalAll();
            }
        };
    }

    private int routeTarget(long route) {
        if ((route & (1L << 31)) != 0) {
            return -2;
        }
        long wanted = (((route >>> 32) & 0xff) << 24) | (route & 0xff_ffffL);
        for (int c = 0; c < affinity.length; c++) {
            if (affinity[c] == wanted) {
                return c;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- SPI state

    private boolean edge(int intid) {
        return ((spiCfg[intid >> 4] >>> ((intid & 15) * 2 + 1)) & 1) != 0;
    }

    private int spiPendingWord(int w) {
        int latch = spiLatch.get(w);
        int level = spiLevel.get(w);
        int edgeBits = 0;
        for (int b = 0; b < 32; b++) {
            if (edge(w * 32 + b)) {
                edgeBits |= 1 << b;
            }
        }
        return latch | (level & ~edgeBits);
    }

    private boolean spiPending(int id) {
        int bit = 1 << (id & 31);
        if ((spiLatch.get(id >> 5) & bit) != 0) {
            return true;
        }
        return !edge(id) && (spiLevel.get(id >> 5) & bit) != 0;
    }

    /**
     * Marks SPI word {@code w} as possibly asserted, after its latch or level was set. Skipping a
     * bit already set is safe: a racing {@link #unmarkSpiWordIfIdle} re-reads the word after it
     * clears the bit and restores it.
     */
    private void markSpiWord(int w) {
        long bit = 1L << w;
        if ((spiAsserted.get() & bit) == 0) {
            spiAsserted.getAndAccumulate(bit, (a, b) -> a | b);
        }
    }

    /** After a latch or level bit of word {@code w} was cleared: drops its mark if the word is idle. */
    private void unmarkSpiWordIfIdle(int w) {
        if ((spiLatch.get(w) | spiLevel.get(w)) == 0) {
            long bit = 1L << w;
            spiAsserted.getAndAccumulate(bit, (a, b) -> a & ~b);
            if ((spiLatch.get(w) | spiLevel.get(w)) != 0) {
                spiAsserted.getAndAccumulate(bit, (a, b) -> a | b); // a racing setter refilled it
            }
        }
    }

    private boolean groupEnabled(int group) {
        return (ctlr.value() & (group != 0 ? 2 : 1)) != 0;
    }

    private boolean spiCandidate(int id, int cpu) {
        int w = id >> 5;
        int bit = 1 << (id & 31);
        if ((spiEnabled.get(w) & bit) == 0 || (spiActive.get(w) & bit) != 0 || !spiPending(id)) {
            return false;
        }
        if (!groupEnabled(spiGroup[w] & bit)) {
            return false;
        }
        int t = spiTarget[id];
        return t == cpu || t == -2;
    }

    @Override
    public DropReason raiseSpi(int intid) {
        if (intid < 32 || intid >= lines) {
            counters.recordDropped(DropReason.SPI_OUT_OF_RANGE);
            return DropReason.SPI_OUT_OF_RANGE;
        }
        int w = intid >> 5;
        int bit = 1 << (intid & 31);
        int before = spiLevel.getAndAccumulate(w, bit, (a, b) -> a | b);
        boolean rising = (before & bit) == 0;
        boolean fresh = rising;
        if (edge(intid) && rising) {
            // An edge latches pending; a latch already set merges with this one.
            fresh = (spiLatch.getAndAccumulate(w, bit, (a, b) -> a | b) & bit) == 0;
        }
        markSpiWord(w);
        DropReason r;
        if (!fresh) {
            r = DropReason.COALESCED;
        } else {
            deliveries.increment(intid);
            boolean on = (spiEnabled.get(w) & bit) != 0 && groupEnabled(spiGroup[w] & bit);
            r = on ? null : DropReason.INTERRUPT_DISABLED;
        }
        counters.record(r);
        if (r == null) {
            signalSpi(intid);
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
            spiPulse.getAndAccumulate(intid >> 5, 1 << (intid & 31), (a, b) -> a | b);
        }
        DropReason r = raiseSpi(intid);
        lowerSpi(intid);
        return r;
    }

    @Override
    public void lowerSpi(int intid) {
        if (intid >= 32 && intid < lines) {
            spiPulse.getAndAccumulate(intid >> 5, 1 << (intid & 31), (a, b) -> a & ~b);
            spiLevel.getAndAccumulate(intid >> 5, 1 << (intid & 31), (a, b) -> a & ~b);
            unmarkSpiWordIfIdle(intid >> 5);
        }
    }

    // ---------------------------------------------------------------- LPIs

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
                if (rd.setLpi(intid, true)) {
                    r = DropReason.COALESCED;
                } else {
                    deliveries.increment(intid);
                    r = rd.lpiEnabled(intid) ? null : DropReason.INTERRUPT_DISABLED;
                }
            }
        }
        counters.record(r);
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
            redists[redistributor].setLpi(intid, false);
        }
    }

    @Override
    public void reloadLpiConfig(int intid, int redistributor) {
        if (lpiCheck(intid, redistributor) == null) {
            Redistributor rd = redists[redistributor];
            if (rd.lpiCheck(intid) == null && rd.reloadConfig(intid, 1) && rd.lpiEnabled(intid) && rd.lpiPending(intid)) {
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
            long bits = src.takeWord(w);
            while (bits != 0) {
                int id = w * 64 + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (dst.lpiCheck(id) == null) {
                    dst.setLpi(id, true);
                    if (dst.lpiEnabled(id)) {
                        signal(to, id);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- CPU interface

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
        if (privateId(intid)) {
            return (rd.latch.get() & (1 << intid)) != 0;
        }
        if (intid < lines) {
            int t = spiTarget[intid];
            return (t == cpu || t == -2) && spiPending(intid);
        }
        return intid >= FIRST_LPI && intid < LPI_LIMIT && rd.lpiPending(intid);
    }

    @Override
    public int acknowledge(int cpu) {
        if (cpu < 0 || cpu >= redists.length) {
            return SPURIOUS;
        }
        Redistributor rd = redists[cpu];
        // No lock: the CPU interface is the CPU's own (ICC_IAR1_EL1 is a system register), so
        // acknowledge and EOI for one CPU never run at once; drain serialises the sink's calls.
        for (int tries = 0; tries < 4; tries++) {
            if (idle(rd)) {
                return SPURIOUS; // nothing pending at this instant: no scan
            }
            final int best = select(rd, cpu);
            if (best == SPURIOUS) {
                return SPURIOUS;
            }
            int prio = priorityOf(rd, best);
            if (best < 32) {
                rd.latch.getAndAccumulate(1 << best, (x, y) -> x & ~y);
                rd.active.getAndAccumulate(1 << best, (x, y) -> x | y);
            } else if (best < lines) {
                spiLatch.getAndAccumulate(best >> 5, 1 << (best & 31), (x, y) -> x & ~y);
                if ((spiPulse.get(best >> 5) & 1 << (best & 31)) != 0) {
                    // A level-sensitive pulse (pulseSpi) is over by the time its handler runs.
                    spiLevel.getAndAccumulate(best >> 5, 1 << (best & 31), (x, y) -> x & ~y);
                }
                unmarkSpiWordIfIdle(best >> 5);
                spiActive.getAndAccumulate(best >> 5, 1 << (best & 31), (x, y) -> x | y);
            } else if (rd.setLpi(best, false)) {
                rd.lastTakenWord = best >>> 6;
            } else {
                continue; // an ITS CLEAR/DISCARD took it meanwhile: look again
            }
            rd.push(best, prio);
            return best;
        }
        return SPURIOUS;
    }

    /**
     * True when nothing at all can be pending for {@code rd}'s CPU: no enabled latched SGI/PPI, no
     * SPI word asserted, no ready LPI. A superset check of {@link #select}, taken without the lock:
     * an interrupt made pending after it is signalled by its own setter.
     */
    private boolean idle(Redistributor rd) {
        return (rd.latch.get() & rd.enabled.get()) == 0 && (spiAsserted.get() & ~1L) == 0 && rd.marksTop == 0;
    }

    private int priorityOf(Redistributor rd, int id) {
        return id < 32 ? rd.priority[id] & 0xff : id < lines ? spiPriority[id] & 0xff : rd.lpiPriority(id);
    }

    /**
     * The highest-priority pending, enabled interrupt for {@code cpu} that beats its running
     * priority (ties go to the lowest INTID), or {@link #SPURIOUS}. Caller holds the CPU lock.
     */
    private int select(Redistributor rd, int cpu) {
        int bestPrio = rd.runningPriority();
        int best = SPURIOUS;
        // SGIs and PPIs as one mask (latched, enabled, not active, group enabled): usually empty.
        int privates = rd.enabled.get() & rd.latch.get() & ~rd.active.get();
        if (privates != 0) {
            int g = rd.group;
            privates &= (groupEnabled(1) ? g : 0) | (groupEnabled(0) ? ~g : 0);
            while (privates != 0) {
                int id = Integer.numberOfTrailingZeros(privates);
                privates &= privates - 1;
                if ((rd.priority[id] & 0xff) < bestPrio) {
                    best = id;
                    bestPrio = rd.priority[id] & 0xff;
                }
            }
        }
        // Word by word: only SPIs that are latched or high, enabled and not active are looked at.
        // Only words marked asserted (usually none: one load); SPI word 0 is never marked.
        long marks = spiAsserted.get() & ~1L;
        while (marks != 0) {
            int w = Long.numberOfTrailingZeros(marks);
            marks &= marks - 1;
            int bits = spiLatch.get(w) | spiLevel.get(w);
            if (bits == 0) {
                continue;
            }
            bits &= spiEnabled.get(w) & ~spiActive.get(w);
            while (bits != 0) {
                int id = w * 32 + Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (id < lines && (spiPriority[id] & 0xff) < bestPrio && spiCandidate(id, cpu)) {
                    best = id;
                    bestPrio = spiPriority[id] & 0xff;
                }
            }
        }
        if (groupEnabled(1)) {
            int lpi = rd.bestLpi(bestPrio);
            if (lpi >= 0) {
                best = lpi;
            }
        }
        return best;
    }

    @Override
    public void endOfInterrupt(int cpu, int intid) {
        if (cpu < 0 || cpu >= redists.length || intid >= 1020 && intid < FIRST_LPI) {
            return;
        }
        Redistributor rd = redists[cpu];
        if (!rd.pop(intid)) {
            return; // not active on this CPU: ignored, as ICC_EOIR1 does for a wrong INTID
        }
        if (intid < 32) {
            rd.active.getAndAccumulate(1 << intid, (x, y) -> x & ~y);
        } else if (intid < lines) {
            spiActive.getAndAccumulate(intid >> 5, 1 << (intid & 31), (a, b) -> a & ~b);
        }
        if (intid < 32 || intid >= FIRST_LPI) {
            // Only this CPU's running priority and private state changed: only it may take more,
            // and only if something it can take now is pending (a later set-pending signals by itself).
            if (!idle(rd) && select(rd, cpu) != SPURIOUS) {
                signal(cpu, -1);
            }
        } else {
            signalAll(); // an SPI's active bit is shared: any CPU it targets may take it now
        }
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

    /** LPI tables that could not be read (EnableLPIs, INV) or written (pending write-through). */
    public long lpiTableErrors() {
        return lpiTableErrors.get();
    }

    // ---------------------------------------------------------------- signalling

    private void signal(int cpu, int intid) {
        if (sink != null) {
            drain(cpu, intid);
        }
    }

    /**
     * Tells CPU {@code cpu}'s sink, serialising calls per CPU: the first signaller calls the sink;
     * one arriving meanwhile (the sink's own EOI, another thread) only counts itself, and the
     * caller in progress signals again, with whatever is then the highest pending interrupt,
     * before it returns. So the sink is never nested and never runs twice at once for a CPU, and
     * it may acknowledge and EOI synchronously. {@code first} is the INTID to report first, or
     * -1 to look it up.
     */
    private void drain(int cpu, int first) {
        Redistributor rd = redists[cpu];
        if (rd.signalWip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        int id = first;
        int last = SPURIOUS;
        int repeats = 0;
        for (;;) {
            if (id < 0) {
                id = peek(cpu);
            }
            // A level-sensitive SPI whose input stays high is pending again at its own EOI: on
            // hardware the CPU takes it forever; here the CPU runs in the raiser's thread, so
            // after LEVEL_RESIGNALS rounds it is left pending for the next outside signal.
            repeats = id == last && levelHeld(id) ? repeats + 1 : 0;
            last = id;
            InterruptSink s = sink;
            if (s != null && id != SPURIOUS && repeats < LEVEL_RESIGNALS) {
                try {
                    s.interruptPending(cpu, id);
                } catch (RuntimeException e) {
                    // A failing CPU model must not wedge the line for later interrupts.
                    LOG.warn("{}: interrupt sink failed for CPU {} INTID {}", name, cpu, id, e);
                }
            }
            missed = rd.signalWip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
            id = -1;
        }
    }

    /** True when SPI {@code id} is pending only because its level-sensitive input is high. */
    private boolean levelHeld(int id) {
        if (id < 32 || id >= lines || edge(id)) {
            return false;
        }
        int bit = 1 << (id & 31);
        return (spiLatch.get(id >> 5) & bit) == 0 && (spiLevel.get(id >> 5) & bit) != 0;
    }

    private void signalSpi(int intid) {
        for (int c = 0; c < redists.length; c++) {
            if (spiCandidate(intid, c)) {
                signal(c, intid);
                return; // 1-of-N: the first CPU that may take it
            }
        }
    }

    private void signalWord(int word, int bits) {
        if (sink == null) {
            return;
        }
        while (bits != 0) {
            int id = word * 32 + Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            if (id >= 32 && id < lines) {
                signalSpi(id);
            }
        }
    }

    /** After a change that can unmask many interrupts (enables, priorities, EOI): tell each CPU once. */
    private void signalAll() {
        if (sink == null) {
            return;
        }
        for (int c = 0; c < redists.length; c++) {
            drain(c, -1);
        }
    }

    /** The INTID {@link #acknowledge} would return, without acknowledging. */
    public int highestPending(int cpu) {
        return cpu < 0 || cpu >= redists.length ? SPURIOUS : peek(cpu);
    }

    private int peek(int cpu) {
        Redistributor rd = redists[cpu];
        if (idle(rd)) {
            return SPURIOUS;
        }
        return select(rd, cpu); // read-only but for dropping stale summary marks, which is safe anywhere
    }

    // ---------------------------------------------------------------- DeviceModel

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? gicd : index == 1 ? redistRegion : null;
    }

    /** The distributor frame (tests and the shell). */
    public RegisterBlock distributor() {
        return gicd;
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
        int words = spiEnabled.length();
        Gicv3State.Redist[] r = new Gicv3State.Redist[redists.length];
        for (int i = 0; i < r.length; i++) {
            Redistributor rd = redists[i];
            // Called with the machine drained: no set-pending or CPU interface access runs now.
            rd.writeBackPending();
            r[i] = new Gicv3State.Redist((int) rd.rctlr.value(), rd.propbaser.value(), rd.pendbaser.value(),
                    (int) rd.waker.value(), rd.enabled.get(), rd.latch.get(), rd.active.get(), rd.group,
                    (int) rd.icfgr1.value(), rd.priority.clone(), Arrays.copyOf(rd.stackId, rd.depth),
                    Arrays.copyOf(rd.stackPrio, rd.depth));
        }
        return new Gicv3State(lines - 32, affinity.clone(), (int) ctlr.value(), copy(spiEnabled), copy(spiLatch),
                copy(spiLevel), copy(spiActive), spiGroup.clone(), spiCfg.clone(), spiPriority.clone(),
                irouter.clone(), r);
    }

    private static int[] copy(AtomicIntegerArray a) {
        int[] out = new int[a.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }

    /** Takes over a saved state of the same shape (SPI count and CPUs); anything else is ignored. */
    @Override
    public void restoreState(Object state) {
        if (!(state instanceof Gicv3State s) || s.spis() != lines - 32 || !Arrays.equals(s.affinity(), affinity)) {
            return;
        }
        ctlr.set(s.gicdCtlr());
        for (int w = 0; w < spiEnabled.length(); w++) {
            spiEnabled.set(w, s.spiEnabled()[w]);
            spiLatch.set(w, s.spiLatch()[w]);
            spiLevel.set(w, s.spiLevel()[w]);
            markSpiWord(w);
            unmarkSpiWordIfIdle(w);
            spiActive.set(w, s.spiActive()[w]);
        }
        System.arraycopy(s.spiGroup(), 0, spiGroup, 0, spiGroup.length);
        System.arraycopy(s.spiCfg(), 0, spiCfg, 0, spiCfg.length);
        System.arraycopy(s.spiPriority(), 0, spiPriority, 0, spiPriority.length);
        System.arraycopy(s.irouter(), 0, irouter, 0, irouter.length);
        for (int id = 32; id < lines; id++) {
            spiTarget[id] = routeTarget(irouter[id]);
        }
        for (int i = 0; i < redists.length; i++) {
            redists[i].restore(s.redists()[i]);
        }
        signalAll();
    }

    @Override
    public String summary() {
        return String.format("GICv3 %d SPIs, %d redistributors, LPIs %d..%d; %s",
                lines - 32, redists.length, FIRST_LPI, LPI_LIMIT - 1, counters.snapshot());
    }

    // ---------------------------------------------------------------- redistributor

    /** One redistributor and the CPU interface of the CPU it serves. */
    private final class Redistributor {
        final int index;
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
        // LPIs: the pending bits, held here while EnableLPIs is set (the table is written back
        // when it is cleared and when the state is saved), and the cached configuration bytes.
        final long[] lpiPending = new long[LPI_LIMIT / 64];
        // One mark per pending word that may be non-zero, one per marks word that may be non-zero:
        // a setter marks, a scan that finds a marked word empty unmarks it. Acknowledge walks these.
        final long[] pendingMarks = new long[LPI_LIMIT / 64 / 64];
        volatile long marksTop;
        // The pending word of the LPI this CPU took last. A scan unmarks the empty words it meets
        // but this one, so the word that empties and refills with every MSI keeps its marks (no
        // atomic update of them per MSI); it is unmarked once another word has been taken from.
        int lastTakenWord = -1;
        // Signals in progress or owed to this CPU's sink (see drain).
        final AtomicInteger signalWip = new AtomicInteger();
        final byte[] lpiConfig = new byte[LPI_COUNT];
        volatile boolean lpisEnabled;
        /** The pending table address was latched by an EnableLPIs that succeeded: write-back has a target. */
        volatile boolean tableLatched;
        volatile int lpiLimit = FIRST_LPI;
        volatile long propBase;
        volatile long pendBase;
        // CPU interface: the stack of active priorities (running priority is its top). Only the
        // CPU's own acknowledge/EOI touch it, one at a time (see acknowledge).
        final int[] stackId = new int[256];
        final int[] stackPrio = new int[256];
        int depth;

        Redistributor(int index, boolean last) {
            this.index = index;
            regs = new RegisterBlock(name + " GICR" + index, REDIST_STRIDE).allowSizes(1, 2, 4, 8);
            rctlr = regs.reg32("GICR_CTLR", 0x0000).writable(0x1).onWrite(this::ctlrWritten);
            regs.reg32("GICR_IIDR", 0x0004).readOnly().reset(IIDR);
            long aff = affinity[index];
            regs.reg64("GICR_TYPER", 0x0008).readOnly()
                    .reset((aff << 32) | ((long) index << 8) | (last ? 1 << 4 : 0) | 1);
            waker = regs.reg32("GICR_WAKER", 0x0014).reset(0x6).writable(0x2);
            waker.onWrite((p, v) -> waker.set((v & 2) != 0 ? 0x6 : 0));
            propbaser = regs.reg64("GICR_PROPBASER", 0x0070).writable(0x070F_FFFF_FFFF_FF9FL)
                    .onWrite((p, v) -> lockedWhileEnabled(propbaser(), p));
            pendbaser = regs.reg64("GICR_PENDBASER", 0x0078).writable(0x470F_FFFF_FFFF_0F80L)
                    .onWrite((p, v) -> lockedWhileEnabled(pendbaser(), p));
            regs.reg32("GICR_PIDR2", 0xFFE8).readOnly().reset(PIDR2);
            int sgi = 0x10000;
            regs.reg32("GICR_IGROUPR0", sgi + 0x0080).onRead(() -> group & 0xffff_ffffL)
                    .onWrite((p, v) -> { group = (int) v; signalAll(); });
            regs.reg32("GICR_ISENABLER0", sgi + 0x0100).onRead(() -> enabled.get() & 0xffff_ffffL)
                    .onWrite((p, v) -> { enabled.getAndAccumulate((int) v, (x, y) -> x | y); signalAll(); });
            regs.reg32("GICR_ICENABLER0", sgi + 0x0180).onRead(() -> enabled.get() & 0xffff_ffffL)
                    .onWrite((p, v) -> enabled.getAndAccumulate((int) v, (x, y) -> x & ~y));
            regs.reg32("GICR_ISPENDR0", sgi + 0x0200).onRead(() -> latch.get() & 0xffff_ffffL)
                    .onWrite((p, v) -> {
                        int before = latch.getAndAccumulate((int) v, (x, y) -> x | y);
                        countNew(0, (int) v & ~before);
                        signalAll();
                    });
            regs.reg32("GICR_ICPENDR0", sgi + 0x0280).onRead(() -> latch.get() & 0xffff_ffffL)
                    .onWrite((p, v) -> latch.getAndAccumulate((int) v, (x, y) -> x & ~y));
            regs.reg32("GICR_ISACTIVER0", sgi + 0x0300).onRead(() -> active.get() & 0xffff_ffffL)
                    .onWrite((p, v) -> active.getAndAccumulate((int) v, (x, y) -> x | y));
            regs.reg32("GICR_ICACTIVER0", sgi + 0x0380).onRead(() -> active.get() & 0xffff_ffffL)
                    .onWrite((p, v) -> { active.getAndAccumulate((int) v, (x, y) -> x & ~y); signalAll(); });
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
                    signalAll();
                }
            });
            // SGIs are always edge-triggered (ICFGR0 reads 0xAAAAAAAA); PPIs' Int_config is writable.
            regs.reg32("GICR_ICFGR0", sgi + 0x0C00).readOnly().reset(0xAAAA_AAAAL);
            icfgr1 = regs.reg32("GICR_ICFGR1", sgi + 0x0C04).writable(0xAAAA_AAAAL);
        }

        private Register propbaser() {
            return propbaser;
        }

        private Register pendbaser() {
            return pendbaser;
        }

        /** PROPBASER and PENDBASER are read-only once EnableLPIs is set. */
        private void lockedWhileEnabled(Register r, long previous) {
            if (lpisEnabled) {
                r.set(previous);
            }
        }

        private void ctlrWritten(long previous, long value) {
            boolean enable = (value & 1) != 0;
            if (enable && !lpisEnabled) {
                enableLpis();
            } else if (!enable && lpisEnabled) {
                lpisEnabled = false;
                writeBackPending(); // the table is the pending state again once LPIs are off
            }
        }

        /** EnableLPIs 0 to 1: latch the table addresses, load the configuration and the pending table. */
        private void enableLpis() {
            long prop = propbaser.value();
            int idBits = (int) (prop & 0x1f) + 1;
            int limit = idBits >= LPI_ID_BITS ? LPI_LIMIT : 1 << idBits;
            propBase = prop & 0x000F_FFFF_FFFF_F000L;
            pendBase = pendbaser.value() & 0x000F_FFFF_FFFF_0000L;
            lpiLimit = Math.max(limit, FIRST_LPI);
            clearPendingState();
            Arrays.fill(lpiConfig, (byte) 0);
            boolean zeroed = (pendbaser.value() & (1L << 62)) != 0;
            try {
                if (lpiLimit > FIRST_LPI) {
                    memory.read(propBase, lpiConfig, 0, lpiLimit - FIRST_LPI);
                    if (zeroed) {
                        for (int w = FIRST_LPI / 64; w < lpiLimit / 64; w++) {
                            memory.store64(pendBase + w * 8L, 0);
                        }
                    } else {
                        for (int w = FIRST_LPI / 64; w < lpiLimit / 64; w++) {
                            WORD.setVolatile(lpiPending, w, memory.load64(pendBase + w * 8L));
                        }
                    }
                }
            } catch (MemoryAccessException e) {
                lpiTableErrors.incrementAndGet();
                LOG.warn("{}: GICR{} LPI tables not in RAM ({}); LPIs stay disabled", name, index, e.getMessage());
                Arrays.fill(lpiConfig, (byte) 0);
                return;
            }
            int n = 0;
            for (int w = FIRST_LPI / 64; w < lpiLimit / 64; w++) {
                long bits = (long) WORD.getVolatile(lpiPending, w);
                if (bits != 0) {
                    n += Long.bitCount(bits);
                    mark(w);
                }
            }
            tableLatched = true;
            lpisEnabled = true;
            int best = bestLpi(IDLE_PRIORITY);
            if (best >= 0) {
                signal(index, best);
            }
        }

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
            depth = Math.min(r.activeIds().length, stackId.length);
            System.arraycopy(r.activeIds(), 0, stackId, 0, depth);
            System.arraycopy(r.activePriorities(), 0, stackPrio, 0, depth);
            rctlr.set(r.ctlr() & 1);
            lpisEnabled = false;
            if ((r.ctlr() & 1) != 0) {
                // The pending table in guest memory is the LPI state: read it back (never zero it).
                pendbaser.set(r.pendbaser() & ~(1L << 62));
                enableLpis();
                pendbaser.set(r.pendbaser());
            }
        }

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

        boolean lpiPending(int intid) {
            return ((long) WORD.getVolatile(lpiPending, intid >>> 6) & (1L << intid)) != 0;
        }

        /**
         * Sets or clears {@code intid}'s pending bit; returns whether it was pending before. One
         * atomic update of the word; the marks are only read, unless the word was unmarked.
         */
        boolean setLpi(int intid, boolean pending) {
            int w = intid >>> 6;
            long bit = 1L << intid;
            if (pending) {
                long before = (long) WORD.getAndBitwiseOr(lpiPending, w, bit);
                if ((before & bit) != 0) {
                    return true;
                }
                mark(w);
                return false;
            }
            long before = (long) WORD.getAndBitwiseAnd(lpiPending, w, ~bit);
            return (before & bit) != 0;
        }

        /** Takes every pending bit of word {@code w} (MOVALL); returns them. */
        long takeWord(int w) {
            return (long) WORD.getAndSet(lpiPending, w, 0L);
        }

        /**
         * Marks pending word {@code w}, after a bit of it was set. A mark already there is left
         * alone: a scan that unmarks re-reads the word afterwards and marks it again if a bit came
         * (both sides write then read, with volatile semantics, so one of them sees the other).
         */
        private void mark(int w) {
            int m = w >>> 6;
            long bit = 1L << w;
            if (((long) WORD.getVolatile(pendingMarks, m) & bit) == 0) {
                WORD.getAndBitwiseOr(pendingMarks, m, bit);
            }
            if ((marksTop & (1L << m)) == 0) {
                TOP.getAndBitwiseOr(this, 1L << m);
            }
        }

        /** A scan found word {@code w} empty: unmark it, unless a setter filled it meanwhile. */
        private void unmark(int w) {
            int m = w >>> 6;
            WORD.getAndBitwiseAnd(pendingMarks, m, ~(1L << w));
            if ((long) WORD.getVolatile(lpiPending, w) != 0) {
                mark(w);
            }
        }

        /** A scan found marks word {@code m} empty: drop its top bit, unless a setter marked it meanwhile. */
        private void unmarkTop(int m) {
            TOP.getAndBitwiseAnd(this, ~(1L << m));
            if ((long) WORD.getVolatile(pendingMarks, m) != 0) {
                TOP.getAndBitwiseOr(this, 1L << m);
            }
        }

        private void clearPendingState() {
            for (int w = 0; w < lpiPending.length; w++) {
                WORD.setVolatile(lpiPending, w, 0L);
            }
            for (int m = 0; m < pendingMarks.length; m++) {
                WORD.setVolatile(pendingMarks, m, 0L);
            }
            marksTop = 0;
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
                    memory.store64(pendBase + w * 8L, (long) WORD.getVolatile(lpiPending, w));
                }
            } catch (MemoryAccessException e) {
                lpiTableErrors.incrementAndGet();
            }
        }

        /** Re-reads {@code count} configuration bytes from INTID {@code first}; false on a memory error. */
        boolean reloadConfig(int first, int count) {
            try {
                memory.read(propBase + (first - FIRST_LPI), lpiConfig, first - FIRST_LPI, count);
                return true;
            } catch (MemoryAccessException e) {
                lpiTableErrors.incrementAndGet();
                return false;
            }
        }

        /** The highest-priority enabled pending LPI with priority below {@code limit}, or -1. */
        int bestLpi(int limit) {
            if (!lpisEnabled || marksTop == 0) {
                return -1;
            }
            int best = -1;
            int bestPrio = limit;
            int words = lpiLimit / 64;
            // Only marked words, only pending bits: O(pending LPIs), plus marks left by LPIs taken since.
            long top = marksTop;
            while (top != 0) {
                int m = Long.numberOfTrailingZeros(top);
                top &= top - 1;
                long marks = (long) WORD.getVolatile(pendingMarks, m);
                if (marks == 0) {
                    unmarkTop(m);
                    continue;
                }
                while (marks != 0) {
                    int w = m * 64 + Long.numberOfTrailingZeros(marks);
                    marks &= marks - 1;
                    long bits = w < words ? (long) WORD.getVolatile(lpiPending, w) : 0;
                    if (bits == 0) {
                        if (w != lastTakenWord) {
                            unmark(w);
                        }
                        continue;
                    }
                    while (bits != 0) {
                        int id = w * 64 + Long.numberOfTrailingZeros(bits);
                        bits &= bits - 1;
                        if (lpiPriority(id) < bestPrio && lpiEnabled(id)) {
                            best = id;
                            bestPrio = lpiPriority(id);
                        }
                    }
                }
            }
            return best;
        }

        int runningPriority() {
            return depth == 0 ? IDLE_PRIORITY : stackPrio[depth - 1];
        }

        void push(int intid, int prio) {
            if (depth < stackId.length) {
                stackId[depth] = intid;
                stackPrio[depth] = prio;
                depth++;
            }
        }

        boolean pop(int intid) {
            for (int i = depth - 1; i >= 0; i--) {
                if (stackId[i] == intid) {
                    System.arraycopy(stackId, i + 1, stackId, i, depth - i - 1);
                    System.arraycopy(stackPrio, i + 1, stackPrio, i, depth - i - 1);
                    depth--;
                    return true;
                }
            }
            return false;
        }
    }
}
