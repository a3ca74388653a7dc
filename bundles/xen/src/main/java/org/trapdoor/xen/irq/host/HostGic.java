package org.trapdoor.xen.irq.host;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * Xen's driver for the physical GICv3 ({@code xen/arch/arm/gic-v3.c}), through loads and stores
 * on the machine's system bus: {@code gicv3_dist_init} (distributor off, every SPI level,
 * group 1, priority {@link #PRI_IRQ}, disabled, routed to CPU 0, then ARE and group 1 on),
 * {@code gicv3_cpu_init} per redistributor (woken, SGIs/PPIs group 1 at Xen's priorities) and
 * {@code gicv3_lpi_init_host_lpis} / {@code gicv3_lpi_init_rdist} (one property table for all
 * host LPIs, every byte {@code PRI_IRQ | RES1}, disabled until Xen hands a block out; a pending
 * table per redistributor; EnableLPIs). SPIs for domains are enabled and disabled here as the
 * domain's vGIC asks ({@code gicv3_irq_enable}).
 */
public final class HostGic implements PhysicalGic {
    private static final Logger LOG = LoggerFactory.getLogger(HostGic.class);
    /** Xen's GIC_PRI_IRQ: the priority of every interrupt routed to a guest. */
    public static final int PRI_IRQ = 0xa0;
    /** Xen's GIC_PRI_IPI: its own SGIs. */
    static final int PRI_IPI = 0x90;
    static final int LPI_PROP_RES1 = 1 << 1;
    static final int LPI_PROP_ENABLED = 1;

    static final int GICD_CTLR = 0x0000;
    static final int GICD_TYPER = 0x0004;
    static final int GICD_IGROUPR = 0x0080;
    static final int GICD_ISENABLER = 0x0100;
    static final int GICD_ICENABLER = 0x0180;
    static final int GICD_ICACTIVER = 0x0380;
    static final int GICD_IPRIORITYR = 0x0400;
    static final int GICD_ICFGR = 0x0C00;
    static final int GICD_IROUTER = 0x6000;
    static final int GICD_PIDR2 = 0xFFE8;
    static final int GICD_CTLR_ENABLE_G1 = 1 << 1;
    static final int GICD_CTLR_ARE = 1 << 4;
    static final int GICR_CTLR = 0x0000;
    static final int GICR_TYPER = 0x0008;
    static final int GICR_WAKER = 0x0014;
    static final int GICR_PROPBASER = 0x0070;
    static final int GICR_PENDBASER = 0x0078;
    static final int GICR_PIDR2 = 0xFFE8;
    static final int GICR_SGI = 0x10000;
    static final int RD_STRIDE = 0x20000;
    /** Inner-shareable, RaWaWb: the attributes Xen asks for its LPI tables. */
    static final long TABLE_ATTRS = 1L << 10 | 7L << 7;
    static final long SZ_64K = 0x10000;

    private final AddressSpace bus;
    private final PhysicalMemory ram;
    private final HostPages pages;
    private final long gicd;
    private final List<Long> rdFrames = new ArrayList<>();
    private int lines;
    private int idBits;
    private boolean lpis;
    private long propTable;
    private int lpiLimit = InterruptController.FIRST_LPI;

    /**
     * @param node the host's {@code arm,gic-v3} node ({@code reg}: GICD, then the redistributor region)
     */
    public HostGic(DtNode node, AddressSpace bus, PhysicalMemory ram, HostPages pages) {
        this(regions(node), bus, ram, pages);
    }

    private static long[] regions(DtNode node) {
        List<RegEntry> reg = node.reg();
        if (reg.size() < 2) {
            throw new IllegalArgumentException(node.path() + ": GICv3 needs GICD and GICR regions in reg");
        }
        return new long[] {reg.get(0).address(), reg.get(1).address(), reg.get(1).size()};
    }

    /** @param regions GICD address, redistributor region address and size */
    public HostGic(long[] regions, AddressSpace bus, PhysicalMemory ram, HostPages pages) {
        this.bus = bus;
        this.ram = ram;
        this.pages = pages;
        this.gicd = regions[0];
        long frame = regions[1];
        long end = frame + regions[2];
        while (frame < end) {
            int arch = (int) (bus.read(frame + GICR_PIDR2, 4) >>> 4) & 0xf;
            if (arch != 3 && arch != 4) {
                break;
            }
            rdFrames.add(frame);
            long typer = bus.read(frame + GICR_TYPER, 8);
            if ((typer & (1 << 4)) != 0) {
                break;
            }
            frame += (typer & 2) != 0 ? 2L * RD_STRIDE : RD_STRIDE;
        }
    }

    /** Physical CPUs (one redistributor each). */
    public int cpus() {
        return rdFrames.size();
    }

    /** SGIs + PPIs + SPIs the distributor implements. */
    @Override
    public int lines() {
        return lines;
    }

    @Override
    public boolean lpis() {
        return lpis;
    }

    /** One above the highest host LPI. */
    public int lpiLimit() {
        return lpiLimit;
    }

    @Override
    public int idBits() {
        return idBits;
    }

    /** {@code gicv3_init}: distributor, every redistributor, host LPIs. */
    public void init() {
        int arch = (int) (bus.read(gicd + GICD_PIDR2, 4) >>> 4) & 0xf;
        if (arch != 3 && arch != 4) {
            throw new IllegalStateException(String.format("GICv3: no distributor at 0x%x", gicd));
        }
        if (rdFrames.isEmpty()) {
            throw new IllegalStateException("GICv3: no redistributor answers");
        }
        int typer = (int) bus.read(gicd + GICD_TYPER, 4);
        lines = Math.min(32 * ((typer & 0x1f) + 1), 1020);
        idBits = ((typer >>> 19) & 0x1f) + 1;
        distInit();
        for (long rd : rdFrames) {
            cpuInit(rd);
        }
        if ((typer & (1 << 17)) != 0) {
            initLpis(Math.min(idBits, 16));
        }
        LOG.info("GICv3: {} lines, {} redistributors, LPIs {}", lines, rdFrames.size(),
                lpis ? InterruptController.FIRST_LPI + ".." + (lpiLimit - 1) : "none");
    }

    private void distInit() {
        bus.write(gicd + GICD_CTLR, 4, 0);
        for (int i = 32; i < lines; i += 16) {
            bus.write(gicd + GICD_ICFGR + i / 4, 4, 0); // level-sensitive until a driver says otherwise
        }
        for (int i = 32; i < lines; i += 32) {
            bus.write(gicd + GICD_IGROUPR + i / 8, 4, 0xffff_ffffL);
            bus.write(gicd + GICD_ICENABLER + i / 8, 4, 0xffff_ffffL);
            bus.write(gicd + GICD_ICACTIVER + i / 8, 4, 0xffff_ffffL);
        }
        for (int i = 32; i < lines; i += 4) {
            bus.write(gicd + GICD_IPRIORITYR + i, 4, PRI_IRQ * 0x0101_0101L);
        }
        long cpu0 = affinity(0);
        for (int i = 32; i < lines; i++) {
            bus.write(gicd + GICD_IROUTER + 8L * i, 8, cpu0);
        }
        bus.write(gicd + GICD_CTLR, 4, GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1 | 1);
    }

    private void cpuInit(long rd) {
        long waker = rd + GICR_WAKER;
        bus.write(waker, 4, bus.read(waker, 4) & ~2L);
        bus.write(rd + GICR_SGI + GICD_IGROUPR, 4, 0xffff_ffffL);
        for (int i = 0; i < 32; i += 4) {
            bus.write(rd + GICR_SGI + GICD_IPRIORITYR + i, 4, (i < 16 ? PRI_IPI : PRI_IRQ) * 0x0101_0101L);
        }
    }

    /** MPIDR affinity of physical CPU {@code cpu} (GICR_TYPER[63:32] in IROUTER's layout). */
    long affinity(int cpu) {
        long aff = bus.read(rdFrames.get(cpu) + GICR_TYPER, 8) >>> 32;
        return ((aff >>> 24) & 0xff) << 32 | (aff & 0xff_ffffL);
    }

    private void initLpis(int bits) {
        lpiLimit = 1 << bits;
        long propSize = lpiLimit - InterruptController.FIRST_LPI;
        propTable = pages.allocate(propSize, SZ_64K);
        long fill = (PRI_IRQ | LPI_PROP_RES1) * 0x0101_0101_0101_0101L;
        for (long off = 0; off < propSize; off += 8) {
            ram.store(propTable + off, 8, fill);
        }
        long pendSize = Math.max(SZ_64K, lpiLimit / 8);
        int enabled = 0;
        for (long rd : rdFrames) {
            long pend = pages.allocate(pendSize, SZ_64K);
            bus.write(rd + GICR_PROPBASER, 8, propTable | TABLE_ATTRS | (bits - 1));
            bus.write(rd + GICR_PENDBASER, 8, pend | TABLE_ATTRS | 1L << 62); // PTZ: the table is zero
            bus.write(rd + GICR_CTLR, 4, bus.read(rd + GICR_CTLR, 4) | 1);
            if ((bus.read(rd + GICR_CTLR, 4) & 1) != 0) {
                enabled++;
            }
        }
        lpis = enabled == rdFrames.size();
    }

    /** Sets host LPI {@code lpi}'s enable bit in Xen's property table (an ITS INV makes it count). */
    public void lpiEnabled(int lpi, boolean on) {
        if (lpi < InterruptController.FIRST_LPI || lpi >= lpiLimit) {
            return;
        }
        long addr = propTable + lpi - InterruptController.FIRST_LPI;
        ram.store(addr, 1, PRI_IRQ | LPI_PROP_RES1 | (on ? LPI_PROP_ENABLED : 0));
    }

    /** {@code gicv3_irq_enable} / {@code _disable} of SPI {@code spi}. */
    @Override
    public void spiEnabled(int spi, boolean on) {
        if (spi < 32 || spi >= lines) {
            return;
        }
        bus.write(gicd + (on ? GICD_ISENABLER : GICD_ICENABLER) + (spi / 32) * 4L, 4, 1L << (spi % 32));
    }

    /** {@code gicv3_irq_set_type}: edge ({@code true}) or level. */
    @Override
    public void spiEdge(int spi, boolean edge) {
        if (spi < 32 || spi >= lines) {
            return;
        }
        long reg = gicd + GICD_ICFGR + (spi / 16) * 4L;
        long v = bus.read(reg, 4);
        long bit = 2L << ((spi % 16) * 2);
        bus.write(reg, 4, edge ? v | bit : v & ~bit);
    }

    /** {@code gicv3_irq_set_affinity}: SPI {@code spi} to physical CPU {@code cpu}. */
    @Override
    public void spiRoute(int spi, int cpu) {
        if (spi >= 32 && spi < lines && cpu >= 0 && cpu < rdFrames.size()) {
            bus.write(gicd + GICD_IROUTER + 8L * spi, 8, affinity(cpu));
        }
    }

    /** Redistributor frame of physical CPU {@code cpu} (its RD_base, for an ITS with PTA). */
    public long redistributor(int cpu) {
        return rdFrames.get(cpu);
    }
}
