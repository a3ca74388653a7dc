package org.trapdoor.guest.irqchip;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.guest.printk.BootLog;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * What Linux's {@code irq-gic-v3.c} (and the LPI part of {@code irq-gic-v3-its.c}) does at boot
 * for an {@code arm,gic-v3} node: check PIDR2, configure every SPI (group 1, default priority,
 * disabled, routed to the boot CPU), enable the distributor with affinity routing, wake each
 * redistributor, then give every redistributor the shared LPI configuration table (PROPBASER)
 * and its own zeroed pending table (PENDBASER) and set GICR_CTLR.EnableLPIs.
 */
public final class IrqGicv3 implements IrqChip {
    static final int GICD_CTLR = 0x0000;
    static final int GICD_TYPER = 0x0004;
    static final int GICD_IGROUPR = 0x0080;
    static final int GICD_ISENABLER = 0x0100;
    static final int GICD_ICENABLER = 0x0180;
    static final int GICD_ICPENDR = 0x0280;
    static final int GICD_IPRIORITYR = 0x0400;
    static final int GICD_ICFGR = 0x0C00;
    static final int GICD_IROUTER = 0x6000;
    static final int GICD_PIDR2 = 0xFFE8;
    static final int GICD_CTLR_RWP = 1 << 31;
    /** ARE_NS | EnableGrp1A | EnableGrp1 (single security state: bit 0 is group 0, bit 1 group 1). */
    static final int GICD_CTLR_ENABLE = 1 << 4 | 1 << 1 | 1;

    static final int GICR_CTLR = 0x0000;
    static final int GICR_TYPER = 0x0008;
    static final int GICR_WAKER = 0x0014;
    static final int GICR_PROPBASER = 0x0070;
    static final int GICR_PENDBASER = 0x0078;
    static final int GICR_PIDR2 = 0xFFE8;
    static final int GICR_CTLR_ENABLE_LPIS = 1;
    static final int GICR_WAKER_PROCESSOR_SLEEP = 1 << 1;
    static final int GICR_WAKER_CHILDREN_ASLEEP = 1 << 2;
    static final long GICR_TYPER_LAST = 1L << 4;
    static final long GICR_TYPER_VLPIS = 1L << 1;
    static final int RD_STRIDE = 0x20000;
    /** Inner-shareable, read/write-allocate write-back: what Linux asks for in PROPBASER/PENDBASER. */
    static final long TABLE_ATTRS = 1L << 10 | 7L << 7;
    /** LPI configuration byte: bit 1 is RES1 (Linux's LPI_PROP_GROUP1), bit 0 enable. */
    static final int LPI_PROP_GROUP1 = 1 << 1;
    /** Linux's ITS_MAX_LPI_NRBITS. */
    static final int MAX_LPI_BITS = 16;
    static final long SZ_64K = 0x10000;
    private static final int POLL_LIMIT = 1000;

    private final DtNode node;
    private final Mmio mmio;
    private final PageAllocator pages;
    private final BootLog log;
    private final List<Redistributor> redists = new ArrayList<>();
    private long gicd;
    private int lines;
    private long bootAffinity;
    private long propBase;
    private int lpiLimit = InterruptController.FIRST_LPI;
    private boolean lpis;

    public IrqGicv3(DtNode node, Mmio mmio, PageAllocator pages, BootLog log) {
        this.node = node;
        this.mmio = mmio;
        this.pages = pages;
        this.log = log;
    }

    @Override
    public String node() {
        return node.path();
    }

    @Override
    public String kind() {
        return "GICv3";
    }

    @Override
    public void init() {
        List<RegEntry> reg = node.reg();
        if (reg.size() < 2) {
            throw new IllegalStateException(node.path() + ": no GICD and redistributor regions in reg");
        }
        gicd = reg.get(0).address();
        int arch = (mmio.read32(gicd + GICD_PIDR2) >>> 4) & 0xf;
        if (arch != 3 && arch != 4) {
            throw new IllegalStateException(String.format("GIC: no distributor at 0x%x (PIDR2 ArchRev %d)", gicd, arch));
        }
        int typer = mmio.read32(gicd + GICD_TYPER);
        lines = Math.min(32 * ((typer & 0x1f) + 1), 1020);
        int idBits = ((typer >>> 19) & 0x1f) + 1;
        boolean lpiSupport = (typer & (1 << 17)) != 0;
        log.info("GICv3: %d SPIs implemented, %d ID bits%s", lines - 32, idBits, lpiSupport ? ", LPIs supported" : "");
        findRedistributors(reg.get(1));
        if (redists.isEmpty()) {
            throw new IllegalStateException(node.path() + ": no redistributor answers");
        }
        long aff = mmio.read64(redists.get(0).frame() + GICR_TYPER) >>> 32;
        bootAffinity = ((aff >>> 24) & 0xff) << 32 | (aff & 0xff_ffffL);
        distInit();
        for (Redistributor r : redists) {
            wake(r);
        }
        if (lpiSupport) {
            initLpis(Math.min(idBits, MAX_LPI_BITS));
        }
    }

    private void findRedistributors(RegEntry region) {
        long frame = region.address();
        long end = region.address() + region.size();
        while (frame < end) {
            int arch = (mmio.read32(frame + GICR_PIDR2) >>> 4) & 0xf;
            if (arch != 3 && arch != 4) {
                log.warn("GICv3: no redistributor at 0x%x", frame);
                break;
            }
            long typer = mmio.read64(frame + GICR_TYPER);
            redists.add(new Redistributor(redists.size(), frame, (int) ((typer >>> 8) & 0xffff)));
            if ((typer & GICR_TYPER_LAST) != 0) {
                break;
            }
            frame += (typer & GICR_TYPER_VLPIS) != 0 ? 2 * RD_STRIDE : RD_STRIDE;
        }
        log.info("GICv3: %d redistributor(s) at 0x%x", redists.size(), region.address());
    }

    /** {@code gic_dist_init}: disabled while SPIs are set to group 1, default priority, disabled, routed to the boot CPU. */
    private void distInit() {
        mmio.write32(gicd + GICD_CTLR, 0);
        waitRwp();
        for (int i = 32; i < lines; i += 32) {
            mmio.write32(gicd + GICD_IGROUPR + i / 8, -1);
            mmio.write32(gicd + GICD_ICENABLER + i / 8, -1);
        }
        for (int i = 32; i < lines; i += 4) {
            mmio.write32(gicd + GICD_IPRIORITYR + i, DEFAULT_PRIORITY * 0x0101_0101);
        }
        for (int i = 32; i < lines; i++) {
            mmio.write64(gicd + GICD_IROUTER + 8L * i, bootAffinity);
        }
        mmio.write32(gicd + GICD_CTLR, GICD_CTLR_ENABLE);
        waitRwp();
    }

    private void waitRwp() {
        for (int i = 0; i < POLL_LIMIT; i++) {
            if ((mmio.read32(gicd + GICD_CTLR) & GICD_CTLR_RWP) == 0) {
                return;
            }
        }
        log.warn("GICv3: RWP timeout, gone fishing");
    }

    /** {@code gic_enable_redist}: clear ProcessorSleep and wait for ChildrenAsleep to clear. */
    private void wake(Redistributor r) {
        long w = r.frame() + GICR_WAKER;
        mmio.write32(w, mmio.read32(w) & ~GICR_WAKER_PROCESSOR_SLEEP);
        for (int i = 0; i < POLL_LIMIT; i++) {
            if ((mmio.read32(w) & GICR_WAKER_CHILDREN_ASLEEP) == 0) {
                return;
            }
        }
        log.warn("GICv3: redistributor %d failed to wake up", r.cpu());
    }

    /**
     * {@code its_alloc_lpi_tables} and {@code its_cpu_init_lpis}: one configuration table (every
     * LPI at the default priority, group 1, disabled) shared by all redistributors, one 64 KiB
     * aligned pending table each, then EnableLPIs. If LPIs are already on (a re-probe, or a
     * kernel started by another), their tables cannot change: as Linux does, the configuration
     * table named by PROPBASER is taken over and only the disabled redistributors are set up.
     */
    private void initLpis(int bits) {
        Redistributor first = redists.get(0);
        if ((mmio.read32(first.frame() + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS) != 0) {
            long prop = mmio.read64(first.frame() + GICR_PROPBASER);
            bits = Math.min(bits, (int) (prop & 0x1f) + 1);
            propBase = prop & 0x000F_FFFF_FFFF_F000L;
            log.info("GICv3: LPIs already enabled, using the existing property table @0x%x", propBase);
        } else {
            long propSize = ((1L << bits) - InterruptController.FIRST_LPI + SZ_64K - 1) & -SZ_64K;
            propBase = pages.allocate(propSize, SZ_64K);
        }
        int limit = 1 << bits;
        // Every LPI back to disabled at the default priority: the MSI domains enable what they map.
        long fill = (DEFAULT_PRIORITY | LPI_PROP_GROUP1) * 0x0101_0101_0101_0101L;
        for (long off = 0; off < limit - InterruptController.FIRST_LPI; off += 8) {
            pages.store(propBase + off, 8, fill);
        }
        long pendSize = Math.max(SZ_64K, ((long) limit / 8 + SZ_64K - 1) & -SZ_64K);
        int enabled = 0;
        for (Redistributor r : redists) {
            long ctlr = r.frame() + GICR_CTLR;
            if ((mmio.read32(ctlr) & GICR_CTLR_ENABLE_LPIS) != 0) {
                long prop = mmio.read64(r.frame() + GICR_PROPBASER) & 0x000F_FFFF_FFFF_F000L;
                if (prop == propBase) {
                    enabled++;
                } else {
                    log.warn("GICv3: CPU%d: LPIs enabled with another property table (0x%x), not used", r.cpu(), prop);
                }
                continue;
            }
            long pend = pages.allocate(pendSize, SZ_64K);
            mmio.write64(r.frame() + GICR_PROPBASER, propBase | TABLE_ATTRS | (bits - 1));
            mmio.write64(r.frame() + GICR_PENDBASER, pend | TABLE_ATTRS);
            mmio.write32(ctlr, mmio.read32(ctlr) | GICR_CTLR_ENABLE_LPIS);
            if ((mmio.read32(ctlr) & GICR_CTLR_ENABLE_LPIS) == 0) {
                log.warn("GICv3: CPU%d: EnableLPIs did not stick", r.cpu());
                continue;
            }
            log.info("GICv3: CPU%d: using LPI pending table @0x%x", r.cpu(), pend);
            enabled++;
        }
        lpiLimit = limit;
        lpis = enabled == redists.size();
        log.info("GICv3: using LPI property table @0x%x, %d LPIs (%d..%d)", propBase,
                limit - InterruptController.FIRST_LPI, InterruptController.FIRST_LPI, limit - 1);
    }

    @Override
    public void enableEdgeSpi(int intid) {
        enableSpi(intid, true);
    }

    @Override
    public void enableLevelSpi(int intid) {
        enableSpi(intid, false);
    }

    private void enableSpi(int intid, boolean edge) {
        if (intid < 32 || intid >= lines) {
            throw new IllegalArgumentException("GICv3: SPI " + intid + " not implemented (lines " + lines + ")");
        }
        long cfg = gicd + GICD_ICFGR + (intid / 16) * 4L;
        int bit = 2 << ((intid % 16) * 2);
        mmio.write32(cfg, edge ? mmio.read32(cfg) | bit : mmio.read32(cfg) & ~bit);
        mmio.write(gicd + GICD_IPRIORITYR + intid, 1, DEFAULT_PRIORITY);
        mmio.write64(gicd + GICD_IROUTER + 8L * intid, bootAffinity);
        long grp = gicd + GICD_IGROUPR + (intid / 32) * 4L;
        mmio.write32(grp, mmio.read32(grp) | 1 << (intid % 32));
        // A new owner: a pending state the SPI's last owner left behind (raised while it was disabled) is not its.
        mmio.write32(gicd + GICD_ICPENDR + (intid / 32) * 4L, 1 << (intid % 32));
        mmio.write32(gicd + GICD_ISENABLER + (intid / 32) * 4L, 1 << (intid % 32));
    }

    @Override
    public void disableSpi(int intid) {
        if (intid >= 32 && intid < lines) {
            mmio.write32(gicd + GICD_ICENABLER + (intid / 32) * 4L, 1 << (intid % 32));
            waitRwp();
        }
    }

    @Override
    public boolean lpisEnabled() {
        return lpis;
    }

    @Override
    public int lpiLimit() {
        return lpiLimit;
    }

    @Override
    public void setLpiConfig(int intid, boolean enabled) {
        if (!lpis || intid < InterruptController.FIRST_LPI || intid >= lpiLimit) {
            throw new IllegalArgumentException("GICv3: LPI " + intid + " outside the configuration table");
        }
        pages.store(propBase + intid - InterruptController.FIRST_LPI, 1,
                DEFAULT_PRIORITY | LPI_PROP_GROUP1 | (enabled ? 1 : 0));
    }

    @Override
    public List<Redistributor> redistributors() {
        return List.copyOf(redists);
    }
}
