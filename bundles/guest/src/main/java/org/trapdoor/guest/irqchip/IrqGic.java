package org.trapdoor.guest.irqchip;

import java.util.List;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.guest.printk.BootLog;
import org.trapdoor.guest.mem.Mmio;

/**
 * What Linux's {@code irq-gic.c} does at boot for an {@code arm,cortex-a15-gic} (GICv2) node:
 * the distributor disabled while every SPI is targeted at the boot CPU, given the default
 * priority and disabled; then the distributor and the boot CPU's interface (GICC_PMR 0xf0,
 * GICC_CTLR) enabled. No LPIs.
 */
public final class IrqGic implements IrqChip {
    static final int GICD_CTLR = 0x000;
    static final int GICD_TYPER = 0x004;
    static final int GICD_ISENABLER = 0x100;
    static final int GICD_ICENABLER = 0x180;
    static final int GICD_ICPENDR = 0x280;
    static final int GICD_IPRIORITYR = 0x400;
    static final int GICD_ITARGETSR = 0x800;
    static final int GICD_ICFGR = 0xC00;
    static final int GICC_CTLR = 0x000;
    static final int GICC_PMR = 0x004;
    /** Linux's GICC_INT_PRI_THRESHOLD. */
    static final int PRI_THRESHOLD = 0xf0;

    private final DtNode node;
    private final Mmio mmio;
    private final BootLog log;
    private long gicd;
    private int lines;
    private int cpuMask = 1;

    public IrqGic(DtNode node, Mmio mmio, BootLog log) {
        this.node = node;
        this.mmio = mmio;
        this.log = log;
    }

    @Override
    public String node() {
        return node.path();
    }

    @Override
    public String kind() {
        return "GICv2";
    }

    @Override
    public void init() {
        List<RegEntry> reg = node.reg();
        if (reg.size() < 2) {
            throw new IllegalStateException(node.path() + ": no GICD and GICC regions in reg");
        }
        gicd = reg.get(0).address();
        long gicc = reg.get(1).address();
        int typer = mmio.read32(gicd + GICD_TYPER);
        if (typer == -1) {
            throw new IllegalStateException(String.format("GIC: no distributor at 0x%x", gicd));
        }
        lines = Math.min(32 * ((typer & 0x1f) + 1), 1020);
        // gic_get_cpumask: the banked ITARGETSR of an SGI names this CPU's interface.
        int own = mmio.read32(gicd + GICD_ITARGETSR) & 0xff;
        cpuMask = own == 0 ? 1 : Integer.lowestOneBit(own);
        mmio.write32(gicd + GICD_CTLR, 0);
        for (int i = 32; i < lines; i += 4) {
            mmio.write32(gicd + GICD_ITARGETSR + i, cpuMask * 0x0101_0101);
            mmio.write32(gicd + GICD_IPRIORITYR + i, DEFAULT_PRIORITY * 0x0101_0101);
        }
        for (int i = 32; i < lines; i += 32) {
            mmio.write32(gicd + GICD_ICENABLER + i / 8, -1);
        }
        mmio.write32(gicd + GICD_CTLR, 1);
        mmio.write32(gicc + GICC_PMR, PRI_THRESHOLD);
        mmio.write32(gicc + GICC_CTLR, 1);
        log.info("GIC: %d SPIs targeted at CPU mask 0x%x, CPU interface at 0x%x enabled (PMR 0x%x)", lines - 32, cpuMask,
                gicc, PRI_THRESHOLD);
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
            throw new IllegalArgumentException("GICv2: SPI " + intid + " not implemented (lines " + lines + ")");
        }
        long cfg = gicd + GICD_ICFGR + (intid / 16) * 4L;
        int bit = 2 << ((intid % 16) * 2);
        mmio.write32(cfg, edge ? mmio.read32(cfg) | bit : mmio.read32(cfg) & ~bit);
        mmio.write(gicd + GICD_IPRIORITYR + intid, 1, DEFAULT_PRIORITY);
        mmio.write(gicd + GICD_ITARGETSR + intid, 1, cpuMask);
        // A new owner: a pending state the SPI's last owner left behind (raised while it was disabled) is not its.
        mmio.write32(gicd + GICD_ICPENDR + (intid / 32) * 4L, 1 << (intid % 32));
        mmio.write32(gicd + GICD_ISENABLER + (intid / 32) * 4L, 1 << (intid % 32));
    }

    @Override
    public void disableSpi(int intid) {
        if (intid >= 32 && intid < lines) {
            mmio.write32(gicd + GICD_ICENABLER + (intid / 32) * 4L, 1 << (intid % 32));
        }
    }

    @Override
    public boolean lpisEnabled() {
        return false;
    }

    @Override
    public int lpiLimit() {
        return InterruptController.FIRST_LPI;
    }

    @Override
    public void setLpiConfig(int intid, boolean enabled) {
        throw new IllegalArgumentException("GICv2 has no LPIs");
    }

    @Override
    public List<Redistributor> redistributors() {
        return List.of(new Redistributor(0, -1, 0));
    }
}
