package org.trapdoor.xen.irq.vgic;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.register.RangeHandler;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;

/**
 * The trapped GICv3 distributor (GICD, 64 KiB) of a domain, as {@code vgic_v3_distr_mmio_read} and
 * {@code _write} emulate it:
 * <ul>
 * <li>GICD_CTLR: ARE_NS reads one (affinity routing is always on), EnableGrp1A is the only
 *     writable bit, RWP reads zero (changes take effect at once);</li>
 * <li>GICD_TYPER: CPUNumber from the vCPU count (at most 8), ITLinesNumber from the SPI count,
 *     LPIS when the domain has an ITS, IDbits; GICD_IIDR 0x34c, GICD_PIDR2 ArchRev 3;</li>
 * <li>IGROUPR RAZ/WI; ISENABLER/ICENABLER per SPI (word 0 is the redistributor's: RAZ/WI here);
 *     ISPENDR reads zero and sets pending on write; ICPENDR reads zero and ignores writes (Xen
 *     does not clear a virtual interrupt's pending state); ISACTIVER/ICACTIVER read zero and a
 *     write is not handled (a data abort, as Xen returns 0);</li>
 * <li>IPRIORITYR by byte or word; ICFGR's edge bits writable for SPIs; IROUTER by 32 or 64 bits,
 *     a route naming no vCPU or 1-of-N routing is ignored.</li>
 * </ul>
 * Accesses of a width Xen refuses (anything but 32 bits, bytes for IPRIORITYR, 64 bits for
 * IROUTER) get a data abort and are counted, as Xen's {@code bad_width} injects one.
 */
public final class Vgicv3Distributor implements MmioHandler {
    public static final int SIZE = 0x10000;
    /** Xen's GICV3_GICD_IIDR_VAL. */
    public static final int IIDR = 0x34c;
    /** Xen's GICV3_GICD_PIDR2: ArchRev 3. */
    public static final int PIDR2 = 0x30;
    static final int CTLR_ENABLE_G1A = 1 << 1;
    static final int CTLR_ARE_NS = 1 << 4;
    static final int ACTIVER = 0x0300;
    static final int IPRIORITYR = 0x0400;
    static final int IROUTER = 0x6000;

    private final Vgic vgic;
    private final RegisterBlock regs;
    private final EventCounter badWidth = new EventCounter();
    private final EventCounter unhandled = new EventCounter();

    public Vgicv3Distributor(Vgic vgic) {
        this.vgic = vgic;
        int words = vgic.lines() / 32;
        regs = new RegisterBlock(vgic.name() + " vGICD", SIZE).allowSizes(1, 4, 8);
        Register ctlr = regs.reg32("GICD_CTLR", 0x0000).onRead(
                () -> CTLR_ARE_NS | (vgic.group1Enabled() ? CTLR_ENABLE_G1A : 0));
        ctlr.onWrite((p, v) -> {
            synchronized (vgic.lock) {
                vgic.group1Enabled((v & CTLR_ENABLE_G1A) != 0);
            }
        });
        int cpus = Math.min(vgic.vcpuCount(), 8);
        int typer = (cpus - 1) << 5 | (words - 1) | (vgic.hasLpis() ? 1 << 17 : 0) | (vgic.idBits() - 1) << 19;
        regs.reg32("GICD_TYPER", 0x0004).readOnly().reset(typer & 0xffff_ffffL);
        regs.reg32("GICD_IIDR", 0x0008).readOnly().reset(IIDR);
        regs.reg32("GICD_STATUSR", 0x0010).readOnly();
        regs.range("GICD_IGROUPR", 0x0080, words * 4, DistributorRanges.razWi());
        regs.range("GICD_ISENABLER", 0x0100, words * 4, DistributorRanges.enable(vgic, true, false));
        regs.range("GICD_ICENABLER", 0x0180, words * 4, DistributorRanges.enable(vgic, false, false));
        regs.range("GICD_ISPENDR", 0x0200, words * 4, DistributorRanges.setPending(vgic));
        regs.range("GICD_ICPENDR", 0x0280, words * 4, DistributorRanges.razWi());
        regs.range("GICD_ISACTIVER", ACTIVER, words * 4, DistributorRanges.razWi());
        regs.range("GICD_ICACTIVER", ACTIVER + 0x80, words * 4, DistributorRanges.razWi());
        regs.range("GICD_IPRIORITYR", IPRIORITYR, words * 32, DistributorRanges.priority(vgic, false));
        // SGIs and PPIs are the redistributor's
        regs.range("GICD_ICFGR", 0x0C00, words * 8, DistributorRanges.edgeConfig(vgic, 0));
        regs.range("GICD_IROUTER", IROUTER + 8 * Vgic.PRIVATE, (vgic.lines() - Vgic.PRIVATE) * 8, new RangeHandler() {
            @Override
            public long read(int offset, int size) {
                long v = vgic.irouter(Vgic.PRIVATE + offset / 8);
                return (offset & 4) != 0 ? v >>> 32 : size == 8 ? v : v & 0xffff_ffffL;
            }

            @Override
            public void write(int offset, int size, long value) {
                int id = Vgic.PRIVATE + offset / 8;
                synchronized (vgic.lock) {
                    long old = vgic.irouter(id);
                    long v = size == 8 ? value
                            : (offset & 4) != 0 ? (old & 0xffff_ffffL) | value << 32
                                    : (old & ~0xffff_ffffL) | (value & 0xffff_ffffL);
                    vgic.irouter(id, v);
                }
            }
        });
        regs.reg32("GICD_PIDR2", 0xFFE8).readOnly().reset(PIDR2);
    }

    /** Access sizes Xen accepts at {@code offset}: bytes and words for IPRIORITYR, 32/64 for IROUTER, words elsewhere. */
    static boolean widthAllowed(long offset, int size) {
        if (offset >= IPRIORITYR && offset < IPRIORITYR + 0x400) {
            return size == 1 || size == 4;
        }
        if (offset >= IROUTER && offset < IROUTER + 0x2000) {
            return size == 4 || size == 8;
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
        if (tx.write && tx.offset >= ACTIVER && tx.offset < ACTIVER + 0x100) {
            unhandled.increment(); // ISACTIVER/ICACTIVER writes: Xen returns 0, a data abort
            tx.fail(MemResult.ABORT);
            return;
        }
        regs.access(tx);
    }

    /** Accesses refused for their width (each a data abort to the guest). */
    public long badWidthAccesses() {
        return badWidth.sum();
    }

    /** Writes to registers Xen does not emulate (ISACTIVER, ICACTIVER), each a data abort. */
    public long unhandledWrites() {
        return unhandled.sum();
    }

    /** Offsets with nothing behind them (RAZ/WI). */
    public long unimplementedAccesses() {
        return regs.unimplementedAccesses();
    }
}
