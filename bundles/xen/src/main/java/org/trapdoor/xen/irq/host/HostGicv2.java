package org.trapdoor.xen.irq.host;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.AddressSpace;

/**
 * Xen's driver for a physical GICv2 ({@code xen/arch/arm/gic-v2.c}), through loads and stores on
 * the machine's system bus: {@code gicv2_dist_init} (distributor off, every SPI level-sensitive,
 * to CPU 0, priority {@link HostGic#PRI_IRQ}, disabled, then on), {@code gicv2_cpu_init} (SGIs at
 * Xen's IPI priority, the CPU interface's priority mask open, the interface on), and
 * {@code gicv2_extension_dt_init}: every {@code arm,gic-v2m-frame} under the GIC node, its SPIs
 * from {@code arm,msi-base-spi}/{@code arm,msi-num-spis} or else its MSI_TYPER register, for
 * {@code gicv2_map_hwdom_extra_mappings} to give to the hardware domain.
 */
public final class HostGicv2 implements PhysicalGic {
    private static final Logger LOG = LoggerFactory.getLogger(HostGicv2.class);
    static final int GICD_CTLR = 0x000;
    static final int GICD_TYPER = 0x004;
    static final int GICD_ISENABLER = 0x100;
    static final int GICD_ICENABLER = 0x180;
    static final int GICD_ICACTIVER = 0x380;
    static final int GICD_IPRIORITYR = 0x400;
    static final int GICD_ITARGETSR = 0x800;
    static final int GICD_ICFGR = 0xC00;
    static final int GICC_CTLR = 0x000;
    static final int GICC_PMR = 0x004;
    static final int GICC_BPR = 0x008;
    /** {@code V2M_MSI_TYPER}: [25:16] first SPI (as an INTID), [9:0] how many. */
    static final int V2M_MSI_TYPER = 0x008;
    static final String V2M = "arm,gic-v2m-frame";

    /** One v2m frame: its registers and the SPIs (INTIDs) its MSIs raise. */
    public record V2mFrame(String node, long address, long size, int spiStart, int spis) {
    }

    private final AddressSpace bus;
    private final long gicd;
    private final long gicc;
    private final DtNode node;
    private final List<V2mFrame> frames = new ArrayList<>();
    private int lines;

    /** @param node the host's GICv2 node ({@code reg}: GICD, then GICC) */
    public HostGicv2(DtNode node, AddressSpace bus) {
        List<RegEntry> reg = node.reg();
        if (reg.size() < 2) {
            throw new IllegalArgumentException(node.path() + ": GICv2 needs GICD and GICC regions in reg");
        }
        this.node = node;
        this.bus = bus;
        this.gicd = reg.get(0).address();
        this.gicc = reg.get(1).address();
    }

    /** {@code gicv2_init}: the distributor, CPU 0's interface, the v2m frames. */
    public void init() {
        int typer = (int) bus.read(gicd + GICD_TYPER, 4);
        lines = Math.min(32 * ((typer & 0x1f) + 1), 1020);
        bus.write(gicd + GICD_CTLR, 4, 0);
        for (int i = 32; i < lines; i += 16) {
            bus.write(gicd + GICD_ICFGR + i / 4, 4, 0);
        }
        for (int i = 32; i < lines; i += 4) {
            bus.write(gicd + GICD_ITARGETSR + i, 4, 0x0101_0101L);
            bus.write(gicd + GICD_IPRIORITYR + i, 4, HostGic.PRI_IRQ * 0x0101_0101L);
        }
        for (int i = 32; i < lines; i += 32) {
            bus.write(gicd + GICD_ICENABLER + i / 8, 4, 0xffff_ffffL);
            bus.write(gicd + GICD_ICACTIVER + i / 8, 4, 0xffff_ffffL);
        }
        bus.write(gicd + GICD_CTLR, 4, 1);
        for (int i = 0; i < 32; i += 4) {
            bus.write(gicd + GICD_IPRIORITYR + i, 4, (i < 16 ? HostGic.PRI_IPI : HostGic.PRI_IRQ) * 0x0101_0101L);
        }
        bus.write(gicc + GICC_PMR, 4, 0xff);
        bus.write(gicc + GICC_BPR, 4, 0);
        bus.write(gicc + GICC_CTLR, 4, 1);
        for (DtNode c : node.children()) {
            if (c.isEnabled() && c.compatibles().contains(V2M) && !c.reg().isEmpty()) {
                RegEntry r = c.reg().get(0);
                int start;
                int count;
                if (c.has("arm,msi-base-spi") && c.has("arm,msi-num-spis")) {
                    start = (int) c.u32("arm,msi-base-spi", 0);
                    count = (int) c.u32("arm,msi-num-spis", 0);
                } else {
                    int t = (int) bus.read(r.address() + V2M_MSI_TYPER, 4);
                    start = (t >>> 16) & 0x3ff;
                    count = t & 0x3ff;
                }
                if (start < 32 || count <= 0 || start + count > lines) {
                    LOG.warn("GICv2: v2m frame {}: SPIs {}+{} are not SPIs of the GIC; ignored", c.path(), start, count);
                    continue;
                }
                frames.add(new V2mFrame(c.path(), r.address(), r.size(), start, count));
            }
        }
        LOG.info("GICv2: {} lines, {} v2m frame(s)", lines, frames.size());
    }

    /** The v2m frames found under the GIC node. */
    public List<V2mFrame> v2mFrames() {
        return List.copyOf(frames);
    }

    @Override
    public int lines() {
        return lines;
    }

    @Override
    public int idBits() {
        return 10;
    }

    @Override
    public boolean lpis() {
        return false;
    }

    @Override
    public void spiEnabled(int spi, boolean on) {
        if (spi >= 32 && spi < lines) {
            bus.write(gicd + (on ? GICD_ISENABLER : GICD_ICENABLER) + (spi / 32) * 4L, 4, 1L << (spi % 32));
        }
    }

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

    @Override
    public void spiRoute(int spi, int cpu) {
        if (spi >= 32 && spi < lines && cpu >= 0 && cpu < 8) {
            bus.write(gicd + GICD_ITARGETSR + spi, 1, 1L << cpu);
        }
    }
}
