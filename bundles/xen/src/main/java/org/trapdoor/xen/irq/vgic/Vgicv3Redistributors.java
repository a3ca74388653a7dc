package org.trapdoor.xen.irq.vgic;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The trapped redistributor region of a domain: one 128 KiB frame pair (RD_base, SGI_base) per
 * vCPU, contiguous, as {@code vgic_v3_rdistr_mmio_read}/{@code _write} emulate them:
 * <ul>
 * <li>GICR_CTLR.EnableLPIs (when the domain has an ITS) can be set once and never cleared
 *     ({@code vgic_vcpu_enable_lpis});</li>
 * <li>GICR_TYPER: the vCPU's affinity, Processor_Number = vCPU ID, Last on the last frame,
 *     PLPIS with an ITS; GICR_IIDR 0x34c; GICR_PIDR2 ArchRev 3;</li>
 * <li>GICR_WAKER and GICR_STATUSR RAZ/WI (no power management: the guest finds its
 *     redistributor awake at once); GICR_SYNCR reads zero (never busy);</li>
 * <li>GICR_PROPBASER is one register for the whole domain, ignored once any redistributor has
 *     LPIs enabled; GICR_PENDBASER per vCPU, ignored once that vCPU's LPIs are enabled;</li>
 * <li>SGI_base: IGROUPR0 RAZ/WI, ISENABLER0/ICENABLER0, ISPENDR0 (reads zero, writes inject),
 *     ICPENDR0 RAZ/WI, IPRIORITYR0..7, ICFGR0 (SGIs edge, read-only), ICFGR1 (PPIs' edge bits).</li>
 * </ul>
 * Widths Xen refuses get a data abort, counted.
 */
public final class Vgicv3Redistributors implements MmioHandler {
    public static final int STRIDE = 0x20000;
    static final int SGI_BASE = 0x10000;
    static final long TYPER_PLPIS = 1;
    static final long TYPER_LAST = 1 << 4;

    private final Vgic vgic;
    private final RegisterBlock[] frames;
    private final EventCounter badWidth = new EventCounter();

    public Vgicv3Redistributors(Vgic vgic) {
        this.vgic = vgic;
        frames = new RegisterBlock[vgic.vcpuCount()];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = frame(vgic.vcpu(i), i == frames.length - 1);
        }
    }

    /** Bytes the region spans: one frame pair per vCPU. */
    public long size() {
        return (long) STRIDE * frames.length;
    }

    private RegisterBlock frame(Vcpu v, boolean last) {
        RegisterBlock r = new RegisterBlock(vgic.name() + " vGICR" + v.id, STRIDE).allowSizes(1, 4, 8);
        boolean its = vgic.hasLpis();
        Register ctlr = r.reg32("GICR_CTLR", 0x0000).onRead(() -> v.lpisEnabled ? 1 : 0);
        ctlr.onWrite((p, val) -> {
            if (its && (val & 1) != 0 && !v.lpisEnabled) {
                vgic.enableLpis(v);
            }
        });
        r.reg32("GICR_IIDR", 0x0004).readOnly().reset(Vgicv3Distributor.IIDR);
        r.reg64("GICR_TYPER", 0x0008).readOnly().reset(Vgic.affinity(v.id) << 32 | (long) v.id << 8
                | (last ? TYPER_LAST : 0) | (its ? TYPER_PLPIS : 0));
        r.reg32("GICR_STATUSR", 0x0010).readOnly();
        r.reg32("GICR_WAKER", 0x0014).readOnly();
        Register prop = r.reg64("GICR_PROPBASER", 0x0070).onRead(() -> its ? vgic.propbaser() : 0);
        prop.onWrite((p, val) -> {
            if (its) {
                synchronized (vgic.lock) {
                    vgic.propbaser(val & 0x0FFF_FFFF_FFFF_FFFFL);
                }
            }
        });
        Register pend = r.reg64("GICR_PENDBASER", 0x0078).onRead(() -> its ? v.pendbaser : 0);
        pend.onWrite((p, val) -> {
            if (its && !v.lpisEnabled) {
                v.pendbaser = val & 0x4FFF_FFFF_FFFF_FFFFL;
            }
        });
        r.reg32("GICR_SYNCR", 0x00C0).readOnly();
        r.reg32("GICR_PIDR2", 0xFFE8).readOnly().reset(Vgicv3Distributor.PIDR2);
        r.reg32("GICR_IGROUPR0", SGI_BASE + 0x0080).readOnly();
        r.reg32("GICR_ISENABLER0", SGI_BASE + 0x0100).onRead(() -> v.privateEnabled.get() & 0xffff_ffffL)
                .onWrite((p, val) -> enablePrivate(v, (int) val, true));
        r.reg32("GICR_ICENABLER0", SGI_BASE + 0x0180).onRead(() -> v.privateEnabled.get() & 0xffff_ffffL)
                .onWrite((p, val) -> enablePrivate(v, (int) val, false));
        r.reg32("GICR_ISPENDR0", SGI_BASE + 0x0200).onRead(() -> 0).onWrite((p, val) -> {
            for (int bits = (int) val; bits != 0; bits &= bits - 1) {
                vgic.inject(v.id, Integer.numberOfTrailingZeros(bits));
            }
        });
        r.reg32("GICR_ICPENDR0", SGI_BASE + 0x0280).onRead(() -> 0).onWrite((p, val) -> { });
        r.reg32("GICR_ISACTIVER0", SGI_BASE + 0x0300).readOnly();
        r.reg32("GICR_ICACTIVER0", SGI_BASE + 0x0380).readOnly();
        r.range("GICR_IPRIORITYR", SGI_BASE + 0x0400, Vgic.PRIVATE, new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                long val = 0;
                for (int i = size - 1; i >= 0; i--) {
                    val = val << 8 | (v.privatePriority[offset + i] & 0xff);
                }
                return val;
            }

            @Override
            public void write(int offset, int size, long value) {
                for (int i = 0; i < size; i++) {
                    v.privatePriority[offset + i] = (byte) (value >>> (8 * i));
                }
            }
        });
        r.reg32("GICR_ICFGR0", SGI_BASE + 0x0C00).readOnly().reset(0xAAAA_AAAAL);
        r.reg32("GICR_ICFGR1", SGI_BASE + 0x0C04).onRead(() -> DistributorRanges.expandEdge(v.ppiEdge))
                .onWrite((p, val) -> v.ppiEdge = DistributorRanges.compressEdge(val));
        return r;
    }

    private void enablePrivate(Vcpu v, int bits, boolean enable) {
        int before = enable ? v.privateEnabled.getAndAccumulate(bits, (a, b) -> a | b)
                : v.privateEnabled.getAndAccumulate(bits, (a, b) -> a & ~b);
        int now = enable ? bits & ~before : 0;
        for (; now != 0; now &= now - 1) {
            int id = Integer.numberOfTrailingZeros(now);
            if (v.queued.get(id)) {
                v.signal(id);
            }
        }
    }

    /** Sizes Xen takes: 32 bits; 64 bits (or 32) for TYPER, PROPBASER, PENDBASER; bytes for IPRIORITYR. */
    static boolean widthAllowed(long offset, int size) {
        if (offset >= SGI_BASE + 0x400 && offset < SGI_BASE + 0x420) {
            return size == 1 || size == 4;
        }
        if (offset >= 0x0008 && offset < 0x0010 || offset >= 0x0070 && offset < 0x0080) {
            return size == 4 || size == 8;
        }
        return size == 4;
    }

    @Override
    public void access(MemoryTransaction tx) {
        long frame = tx.offset / STRIDE;
        long off = tx.offset % STRIDE;
        if (frame < 0 || frame >= frames.length || !widthAllowed(off, tx.size) || (off & (tx.size - 1)) != 0) {
            badWidth.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        long saved = tx.offset;
        tx.offset = off;
        frames[(int) frame].access(tx);
        tx.offset = saved;
    }

    /** Accesses refused for their width or outside the frames (each a data abort to the guest). */
    public long badWidthAccesses() {
        return badWidth.sum();
    }
}
