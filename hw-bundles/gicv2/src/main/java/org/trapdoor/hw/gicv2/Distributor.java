package org.trapdoor.hw.gicv2;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The GICv2 distributor (GICD, 4 KiB), the distributor half of QEMU's {@code arm_gic.c}: each
 * INTID's state (enable, pending latch, input level, active, group, trigger, priority, targets)
 * and the GICD registers over it. The single registers (CTLR, TYPER, SGIR, ...) and their fields
 * are in {@link Gicv2Registers}; the one-bit, two-bit and one-byte-per-INTID ranges are decoded
 * here.
 *
 * <p>Bitmap word 0 (SGIs and PPIs) is banked per CPU: {@link #slot} maps a word and a CPU to its
 * slot. An MMIO access does not say which CPU made it, so the GICD frame's banked words are
 * CPU 0's. Set-pending updates atomically and allocates nothing.
 */
final class Distributor {
    private final Gicv2 gic;
    private final Gicv2Registers table;
    final int cpus;
    final int lines;
    final int words;
    // Index cpu for word 0, cpus + w - 1 for SPI word w (see slot).
    final AtomicIntegerArray enabled;
    final AtomicIntegerArray latch;
    final AtomicIntegerArray level;
    // Level-sensitive SPIs whose input is high only for a pulse in progress (pulseSpi).
    final AtomicIntegerArray pulse;
    final AtomicIntegerArray active;
    final int[] group;
    final int[] cfg;
    final byte[][] privPriority;
    final byte[] spiPriority;
    final byte[] targets;
    final AtomicLongArray deliveries;

    Distributor(Gicv2 gic, Gicv2Registers table, int cpus, int lines) {
        this.gic = gic;
        this.table = table;
        this.cpus = cpus;
        this.lines = lines;
        this.words = (lines + 31) / 32;
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
        for (int c = 0; c < cpus; c++) {
            enabled.set(c, 0xffff); // SGIs are always enabled in GICv2 (GIC-400)
        }

        table.dctlr.onWrite((p, v) -> gic.signalAll());
        table.sgir.onWrite((p, v) -> sgi(v));
        RegisterBlock gicd = table.gicd;
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
    }

    /** GICD_CTLR.Enable: pending interrupts are forwarded to the CPU interfaces. */
    boolean forwarding() {
        return table.dctlrEnable.isSet();
    }

    /** Slot of bitmap word {@code w} as seen by {@code c}: word 0 is banked. */
    int slot(int w, int c) {
        return w == 0 ? c : cpus + w - 1;
    }

    // ---------------------------------------------------------------- GICD ranges

    private static long mask(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /**
     * IGROUPR, I[SC]ENABLER, I[SC]PENDR, I[SC]ACTIVER: {@code plain} for stored bits, else
     * {@code atomic} with {@code op} 0 (store), 1 (write-one-to-set) or -1 (write-one-to-clear).
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
                gic.signalAll();
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
                gic.signalAll();
            }
        };
    }

    /** ICFGR: two bits per INTID, of which only Int_config[1] (edge) is writable; SGIs are edge. */
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
        gic.signalAll();
    }

    // ---------------------------------------------------------------- interrupt state

    boolean edge(int id) {
        return id < 16 || ((cfg[id >> 4] >>> ((id & 15) * 2 + 1)) & 1) != 0;
    }

    boolean pending(int id, int c) {
        int s = slot(id >> 5, c);
        int bit = 1 << (id & 31);
        return (latch.get(s) & bit) != 0 || !edge(id) && (level.get(s) & bit) != 0;
    }

    int priority(int id, int c) {
        return (id < 32 ? privPriority[c][id] : spiPriority[id]) & 0xff;
    }

    /** Pending, enabled, not active and targeting CPU {@code c}. */
    boolean candidate(int id, int c) {
        int s = slot(id >> 5, c);
        int bit = 1 << (id & 31);
        if ((enabled.get(s) & bit) == 0 || (active.get(s) & bit) != 0 || !pending(id, c)) {
            return false;
        }
        return id < 32 || (targets[id] & (1 << c)) != 0;
    }

    /** Pending and targeting CPU {@code c} (enable and active aside); {@code id} in range. */
    boolean pendingFor(int id, int c) {
        return pending(id, c) && (id < 32 || (targets[id] & (1 << c)) != 0);
    }

    /**
     * SPI {@code intid}'s input goes high: an edge latches pending. Returns {@code null} when it
     * became pending, enabled and targeted; COALESCED when it was high or latched already;
     * INTERRUPT_DISABLED when it is disabled or targets no CPU (it stays pending).
     */
    DropReason raise(int intid) {
        int s = slot(intid >> 5, 0);
        int bit = 1 << (intid & 31);
        int before = level.getAndAccumulate(s, bit, (a, b) -> a | b);
        boolean fresh = (before & bit) == 0;
        if (fresh && edge(intid)) {
            // An edge latches pending; a latch already set merges with this one.
            fresh = (latch.getAndAccumulate(s, bit, (a, b) -> a | b) & bit) == 0;
        }
        if (!fresh) {
            return DropReason.COALESCED;
        }
        deliveries.incrementAndGet(intid);
        boolean on = forwarding() && (enabled.get(s) & bit) != 0 && targets[intid] != 0;
        return on ? null : DropReason.INTERRUPT_DISABLED;
    }

    /** Marks a level-sensitive SPI's input as high only for a pulse (see {@link Gicv2#pulseSpi}). */
    void startPulse(int intid) {
        if (intid >= 32 && intid < lines && !edge(intid)) {
            pulse.getAndAccumulate(slot(intid >> 5, 0), 1 << (intid & 31), (a, b) -> a | b);
        }
    }

    /** SPI {@code intid}'s input goes low. */
    void lower(int intid) {
        if (intid >= 32 && intid < lines) {
            pulse.getAndAccumulate(slot(intid >> 5, 0), 1 << (intid & 31), (a, b) -> a & ~b);
            level.getAndAccumulate(slot(intid >> 5, 0), 1 << (intid & 31), (a, b) -> a & ~b);
        }
    }

    /** Acknowledge by CPU {@code c}: the latch clears, a pulse is over, the interrupt is active. */
    void activate(int id, int c) {
        int s = slot(id >> 5, c);
        int bit = 1 << (id & 31);
        latch.getAndAccumulate(s, bit, (a, b) -> a & ~b);
        if ((pulse.get(s) & bit) != 0) {
            // A level-sensitive pulse (pulseSpi) is over by the time its handler runs.
            level.getAndAccumulate(s, bit, (a, b) -> a & ~b);
        }
        active.getAndAccumulate(s, bit, (a, b) -> a | b);
    }

    /** Deactivation by CPU {@code c}'s EOI. */
    void deactivate(int id, int c) {
        active.getAndAccumulate(slot(id >> 5, c), 1 << (id & 31), (a, b) -> a & ~b);
    }

    /** True when {@code id} is pending for CPU {@code c} only because its level-sensitive input is high. */
    boolean levelHeld(int id, int c) {
        if (id < 32 || id >= lines || edge(id)) {
            return false;
        }
        int s = slot(id >> 5, c);
        int bit = 1 << (id & 31);
        return (latch.get(s) & bit) == 0 && (level.get(s) & bit) != 0;
    }

    // ---------------------------------------------------------------- state

    Gicv2State save(Gicv2State.Cpu[] cpu) {
        byte[][] pp = new byte[cpus][];
        for (int i = 0; i < cpus; i++) {
            pp[i] = privPriority[i].clone();
        }
        return new Gicv2State(lines - 32, cpus, (int) table.dctlr.value(), copy(enabled), copy(latch), copy(level),
                copy(active), group.clone(), cfg.clone(), pp, spiPriority.clone(), targets.clone(), cpu);
    }

    private static int[] copy(AtomicIntegerArray a) {
        int[] out = new int[a.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }

    /** Takes the distributor's part of {@code s}, of this shape. */
    void restore(Gicv2State s) {
        table.dctlr.set(s.gicdCtlr());
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
        }
    }
}
