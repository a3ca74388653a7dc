package org.trapdoor.xen.irq.vgic;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The trapped GICv2 distributor (GICD, 4 KiB) of a domain, as {@code vgic_v2_distr_mmio_read}
 * and {@code _write} emulate it, on the same per-domain state as the GICv3 one ({@link Vgic}):
 * <ul>
 * <li>GICD_CTLR bit 0 enables the domain's interrupts; GICD_TYPER: CPUNumber from the vCPUs,
 *     ITLinesNumber from the SPIs; GICD_IIDR 0x43b (Xen returns the GIC-400's value);</li>
 * <li>IGROUPR RAZ/WI; ISENABLER/ICENABLER (word 0, the banked SGIs and PPIs, are vCPU 0's: the
 *     model's guests run their distributor set-up there); ISPENDR sets pending; ICPENDR,
 *     ISACTIVER/ICACTIVER read zero and ignore writes (Xen: "unhandled", the write dropped);</li>
 * <li>IPRIORITYR by byte or word; ITARGETSR by byte or word: 0-7 read-only with the vCPU's own
 *     bit, an SPI's byte moves it to the first vCPU its mask names ({@code vgic_store_itargetsr}),
 *     a zero mask is ignored; ICFGR's edge bits for SPIs; GICD_SGIR counted and dropped (the
 *     model's guests send no SGIs).</li>
 * </ul>
 * Other widths are data aborts, counted ({@code bad_width}).
 */
public final class Vgicv2Distributor implements MmioHandler {
    public static final int SIZE = 0x1000;
    /** What Xen's vgic-v2 returns for GICD_IIDR (the physical GIC-400's). */
    public static final int IIDR = 0x43b;
    /** GICD_ICPIDR2: ArchRev 2. */
    public static final int PIDR2 = 0x20;
    static final int IPRIORITYR = 0x400;
    static final int ITARGETSR = 0x800;
    static final int SGIR = 0xF00;

    private final Vgic vgic;
    private final RegisterBlock regs;
    private final EventCounter badWidth = new EventCounter();
    private final EventCounter sgis = new EventCounter();

    public Vgicv2Distributor(Vgic vgic) {
        if (vgic.hasLpis()) {
            throw new IllegalArgumentException(vgic.name() + ": a GICv2 has no LPIs");
        }
        this.vgic = vgic;
        int words = vgic.lines() / 32;
        regs = new RegisterBlock(vgic.name() + " vGICD (v2)", SIZE).allowSizes(1, 4);
        Register ctlr = regs.reg32("GICD_CTLR", 0x000).onRead(() -> vgic.group1Enabled() ? 1L : 0L);
        ctlr.onWrite((p, v) -> {
            synchronized (vgic.lock) {
                vgic.group1Enabled((v & 1) != 0);
            }
        });
        int cpus = Math.min(vgic.vcpuCount(), 8);
        regs.reg32("GICD_TYPER", 0x004).readOnly().reset((cpus - 1) << 5 | (words - 1));
        regs.reg32("GICD_IIDR", 0x008).readOnly().reset(IIDR);
        regs.range("GICD_IGROUPR", 0x080, words * 4, DistributorRanges.razWi());
        regs.range("GICD_ISENABLER", 0x100, words * 4, DistributorRanges.enable(vgic, true, true));
        regs.range("GICD_ICENABLER", 0x180, words * 4, DistributorRanges.enable(vgic, false, true));
        regs.range("GICD_ISPENDR", 0x200, words * 4, DistributorRanges.setPending(vgic));
        regs.range("GICD_ICPENDR", 0x280, words * 4, DistributorRanges.razWi());
        regs.range("GICD_ISACTIVER", 0x300, words * 4, DistributorRanges.razWi());
        regs.range("GICD_ICACTIVER", 0x380, words * 4, DistributorRanges.razWi());
        regs.range("GICD_IPRIORITYR", IPRIORITYR, words * 32, DistributorRanges.priority(vgic, true));
        regs.range("GICD_ITARGETSR", ITARGETSR, words * 32, new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    int id = offset + i;
                    v = v << 8 | (id < Vgic.PRIVATE ? 1 : 1 << vgic.spiTarget(id));
                }
                return v;
            }

            @Override
            public void write(int offset, int size, long value) {
                synchronized (vgic.lock) {
                    for (int i = 0; i < size; i++) {
                        int id = offset + i;
                        int mask = (int) (value >>> (8 * i)) & 0xff;
                        if (id >= Vgic.PRIVATE && mask != 0) {
                            vgic.irouter(id, Vgic.affinity(Integer.numberOfTrailingZeros(mask)));
                        }
                    }
                }
            }
        });
        // SGIs edge; PPIs as Xen keeps them
        regs.range("GICD_ICFGR", 0xC00, words * 8, DistributorRanges.edgeConfig(vgic, 0xAAAA_AAAAL));
        regs.reg32("GICD_SGIR", SGIR).writeOnly().onWrite((p, v) -> sgis.increment());
        regs.range("GICD_CPENDSGIR", 0xF10, 0x20, DistributorRanges.razWi());
        regs.reg32("GICD_ICPIDR2", 0xFE8).readOnly().reset(PIDR2);
    }

    /** Bytes and words for IPRIORITYR and ITARGETSR, words elsewhere (Xen's {@code vgic_v2} widths). */
    static boolean widthAllowed(long offset, int size) {
        if (offset >= IPRIORITYR && offset < ITARGETSR + 0x400) {
            return size == 1 || size == 4;
        }
        return size == 4;
    }

    @Override
    public void access(MemoryTransaction tx) {
        if (!widthAllowed(tx.offset, tx.size) || (tx.offset & (tx.size - 1)) != 0) {
            badWidth.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        regs.access(tx);
    }

    public long badWidthAccesses() {
        return badWidth.sum();
    }

    /** GICD_SGIR writes (dropped). */
    public long sgisDropped() {
        return sgis.sum();
    }
}
