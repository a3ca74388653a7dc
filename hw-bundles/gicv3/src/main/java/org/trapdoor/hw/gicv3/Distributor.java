package org.trapdoor.hw.gicv3;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import org.trapdoor.api.counter.EventCounterArray;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The GICv3 distributor (GICD, 64 KiB), as QEMU's {@code arm_gicv3_dist.c}: the SPIs' state
 * (enable, pending latch, input level, active, group, trigger, priority, route) and the GICD
 * registers over it. Affinity routing is always on, so the SGI/PPI words of the banked
 * registers are RAZ/WI here: they live in each {@link Redistributor}.
 *
 * <p>Set-pending ({@link #raiseSpi}) updates atomically and marks the SPI word asserted, so the
 * CPU interface's scan visits only words that are latched or high.
 */
final class Distributor {
    private final Gicv3 gic;
    final int lines;
    private final long[] affinity;
    private final InterruptCounters counters;
    private final EventCounterArray deliveries;

    // SPI state, indexed by INTID (0..31 unused: those live per redistributor).
    final AtomicIntegerArray spiEnabled;
    final AtomicIntegerArray spiLatch;
    final AtomicIntegerArray spiLevel;
    // Level-sensitive SPIs whose input is high only for a pulse in progress (pulseSpi).
    private final AtomicIntegerArray spiPulse;
    final AtomicIntegerArray spiActive;
    /**
     * One bit per SPI word whose latch or level may be set (see {@link #markSpiWord}): acknowledge
     * visits only those words. At most 32 words (1020 INTIDs).
     */
    private final AtomicLong spiAsserted = new AtomicLong();
    final int[] spiGroup;
    final byte[] spiPriority;
    /** SPI INTID to target CPU, from IROUTER; -1 when no CPU matches, -2 for 1-of-N (IRM). */
    private final int[] spiTarget;

    private final GicdRegisters regs;
    final RegisterBlock gicd;

    Distributor(Gicv3 gic, int spis, long[] affinity, InterruptCounters counters, EventCounterArray deliveries) {
        this.gic = gic;
        this.lines = Math.min(spis + 32, 1020);
        this.affinity = affinity;
        this.counters = counters;
        this.deliveries = deliveries;
        int words = (lines + 31) / 32;
        spiEnabled = new AtomicIntegerArray(words);
        spiLatch = new AtomicIntegerArray(words);
        spiLevel = new AtomicIntegerArray(words);
        spiPulse = new AtomicIntegerArray(words);
        spiActive = new AtomicIntegerArray(words);
        spiGroup = new int[words];
        spiPriority = new byte[words * 32];
        spiTarget = new int[words * 32];
        regs = new GicdRegisters(gic.name(), lines);
        gicd = regs.block;
        regs.ctlr.onWrite((p, v) -> gic.signalAll());
        for (int i = 0; i < regs.irouter.length; i++) {
            int id = 32 + i;
            regs.irouter[i].onWrite((p, v) -> routeChanged(id, v));
        }
        int bitmapBytes = words * 4;
        gicd.range("GICD_IGROUPR", 0x0080, bitmapBytes, plainBitmap(spiGroup));
        gicd.range("GICD_ISENABLER", 0x0100, bitmapBytes, setClear(spiEnabled, true));
        gicd.range("GICD_ICENABLER", 0x0180, bitmapBytes, setClear(spiEnabled, false));
        gicd.range("GICD_ISPENDR", 0x0200, bitmapBytes, pendRange(true));
        gicd.range("GICD_ICPENDR", 0x0280, bitmapBytes, pendRange(false));
        gicd.range("GICD_ISACTIVER", 0x0300, bitmapBytes, setClear(spiActive, true));
        gicd.range("GICD_ICACTIVER", 0x0380, bitmapBytes, setClear(spiActive, false));
        gicd.range("GICD_IPRIORITYR", 0x0400, words * 32, priorityRange());
        Arrays.fill(spiTarget, routeTarget(0));
    }

    // ---------------------------------------------------------------- register ranges

    /** Mask of the bytes an access of {@code size} at byte {@code lane} of a word covers. */
    private static int laneMask(int offset, int size) {
        long m = size >= 4 ? 0xffff_ffffL : (1L << (size * 8)) - 1;
        return (int) (m << ((offset & 3) * 8));
    }

    private static long mask(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
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
                gic.signalAll();
            }
        };
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
                    gic.countNew(w, v & ~before);
                    signalWord(w, v);
                } else {
                    spiLatch.getAndAccumulate(w, v, (a, b) -> a & ~b);
                    unmarkSpiWordIfIdle(w);
                }
            }
        };
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
                gic.signalAll();
            }
        };
    }

    /** GICD_IROUTER&lt;id&gt; written: re-derive the SPI's target CPU, and let the CPUs look again. */
    private void routeChanged(int id, long route) {
        spiTarget[id] = routeTarget(route);
        gic.signalAll();
    }

    private int routeTarget(long route) {
        if ((route & GicdRegisters.IROUTER_IRM) != 0) {
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

    /** GICD_ICFGR's Int_config of SPI {@code intid}: 1 = edge-triggered, 0 = level-sensitive. */
    boolean edge(int intid) {
        return ((regs.icfgr[intid >> 4].value() >>> ((intid & 15) * 2 + 1)) & 1) != 0;
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

    boolean spiPending(int id) {
        int bit = 1 << (id & 31);
        if ((spiLatch.get(id >> 5) & bit) != 0) {
            return true;
        }
        return !edge(id) && (spiLevel.get(id >> 5) & bit) != 0;
    }

    /** True when SPI {@code intid} may be taken by CPU {@code cpu}: routed there or 1-of-N. */
    boolean routedTo(int intid, int cpu) {
        int t = spiTarget[intid];
        return t == cpu || t == -2;
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

    /** True when no SPI word is marked asserted (SPI word 0 is never marked): no SPI can be pending. */
    boolean noSpiAsserted() {
        return (spiAsserted.get() & ~1L) == 0;
    }

    /** GICD_CTLR.EnableGrp1 ({@code group} 1) or EnableGrp0. */
    boolean groupEnabled(int group) {
        return (group != 0 ? regs.ctlrEnableGrp1 : regs.ctlrEnableGrp0).isSet();
    }

    boolean spiCandidate(int id, int cpu) {
        int w = id >> 5;
        int bit = 1 << (id & 31);
        if ((spiEnabled.get(w) & bit) == 0 || (spiActive.get(w) & bit) != 0 || !spiPending(id)) {
            return false;
        }
        if (!groupEnabled(spiGroup[w] & bit)) {
            return false;
        }
        return routedTo(id, cpu);
    }

    int priority(int intid) {
        return spiPriority[intid] & 0xff;
    }

    /**
     * The highest-priority SPI CPU {@code cpu} may take with priority below {@code limit} (ties
     * go to the lowest INTID), or {@link Gicv3#SPURIOUS}. Word by word: only SPIs that are
     * latched or high, enabled and not active are looked at, in words marked asserted (usually
     * none: one load).
     */
    int bestSpi(int cpu, int limit) {
        int best = Gicv3.SPURIOUS;
        int bestPrio = limit;
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
        return best;
    }

    /** A CPU acknowledged SPI {@code id}: pending to active. */
    void activate(int id) {
        int w = id >> 5;
        int bit = 1 << (id & 31);
        spiLatch.getAndAccumulate(w, bit, (x, y) -> x & ~y);
        if ((spiPulse.get(w) & bit) != 0) {
            // A level-sensitive pulse (pulseSpi) is over by the time its handler runs.
            spiLevel.getAndAccumulate(w, bit, (x, y) -> x & ~y);
        }
        unmarkSpiWordIfIdle(w);
        spiActive.getAndAccumulate(w, bit, (x, y) -> x | y);
    }

    /** The EOI of SPI {@code id}: no longer active. */
    void deactivate(int id) {
        spiActive.getAndAccumulate(id >> 5, 1 << (id & 31), (a, b) -> a & ~b);
    }

    /** True when SPI {@code id} is pending only because its level-sensitive input is high. */
    boolean levelHeld(int id) {
        if (id < 32 || id >= lines || edge(id)) {
            return false;
        }
        int bit = 1 << (id & 31);
        return (spiLatch.get(id >> 5) & bit) == 0 && (spiLevel.get(id >> 5) & bit) != 0;
    }

    // ---------------------------------------------------------------- SPI inputs

    DropReason raiseSpi(int intid) {
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

    /** See {@link Gicv3#pulseSpi}. */
    DropReason pulseSpi(int intid) {
        if (intid >= 32 && intid < lines && !edge(intid)) {
            spiPulse.getAndAccumulate(intid >> 5, 1 << (intid & 31), (a, b) -> a | b);
        }
        DropReason r = raiseSpi(intid);
        lowerSpi(intid);
        return r;
    }

    void lowerSpi(int intid) {
        if (intid >= 32 && intid < lines) {
            spiPulse.getAndAccumulate(intid >> 5, 1 << (intid & 31), (a, b) -> a & ~b);
            spiLevel.getAndAccumulate(intid >> 5, 1 << (intid & 31), (a, b) -> a & ~b);
            unmarkSpiWordIfIdle(intid >> 5);
        }
    }

    private void signalSpi(int intid) {
        for (int c = 0; c < affinity.length; c++) {
            if (spiCandidate(intid, c)) {
                gic.signal(c, intid);
                return; // 1-of-N: the first CPU that may take it
            }
        }
    }

    private void signalWord(int word, int bits) {
        if (!gic.connected()) {
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

    // ---------------------------------------------------------------- state

    private static int[] copy(AtomicIntegerArray a) {
        int[] out = new int[a.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }

    /** The distributor's part of a saved state, with the redistributors' {@code redists}. */
    Gicv3State save(Gicv3State.Redist[] redists) {
        int[] cfg = new int[regs.icfgr.length];
        for (int n = 0; n < cfg.length; n++) {
            cfg[n] = (int) regs.icfgr[n].value();
        }
        long[] route = new long[spiPriority.length];
        for (int i = 0; i < regs.irouter.length; i++) {
            route[32 + i] = regs.irouter[i].value();
        }
        return new Gicv3State(lines - 32, affinity.clone(), (int) regs.ctlr.value(), copy(spiEnabled),
                copy(spiLatch), copy(spiLevel), copy(spiActive), spiGroup.clone(), cfg, spiPriority.clone(), route,
                redists);
    }

    void restore(Gicv3State s) {
        regs.ctlr.set(s.gicdCtlr());
        for (int w = 0; w < spiEnabled.length(); w++) {
            spiEnabled.set(w, s.spiEnabled()[w]);
            spiLatch.set(w, s.spiLatch()[w]);
            spiLevel.set(w, s.spiLevel()[w]);
            markSpiWord(w);
            unmarkSpiWordIfIdle(w);
            spiActive.set(w, s.spiActive()[w]);
        }
        System.arraycopy(s.spiGroup(), 0, spiGroup, 0, spiGroup.length);
        for (int n = 0; n < regs.icfgr.length; n++) {
            regs.icfgr[n].set(s.spiCfg()[n]);
        }
        System.arraycopy(s.spiPriority(), 0, spiPriority, 0, spiPriority.length);
        for (int i = 0; i < regs.irouter.length; i++) {
            regs.irouter[i].set(s.irouter()[32 + i]);
            spiTarget[32 + i] = routeTarget(s.irouter()[32 + i]);
        }
    }
}
