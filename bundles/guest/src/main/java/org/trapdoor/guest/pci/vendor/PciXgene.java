package org.trapdoor.guest.pci.vendor;

import java.util.List;

import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.dt.PhandleRef;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.pci.PciOps;
import org.trapdoor.guest.printk.BootLog;

/**
 * Linux's {@code pci-xgene.c} for an {@code apm,xgene-pcie} node: {@link #probe} is
 * {@code xgene_pcie_probe} up to {@code pci_host_probe} ({@code xgene_pcie_map_reg},
 * {@code xgene_pcie_init_port}'s {@code clk_prepare_enable}, {@code xgene_pcie_setup}); the
 * object is {@code xgene_pcie_ops}, the config accessors the PCI core enumerates through:
 * {@code xgene_pcie_map_bus} (RTDID written and read back, {@code cfg + 0x10000} beyond the root
 * bus, only devfn 0 on the root bus, the root port's BAR0/1 hidden),
 * {@code xgene_pcie_config_read32} (32-bit reads shifted and masked, the v1 CRS-visibility bit
 * masked off) and {@code pci_generic_config_write32} (narrower writes as read-modify-write of
 * the dword).
 */
public final class PciXgene implements PciOps {
    public static final String COMPATIBLE = "apm,xgene-pcie";
    /** The {@code reg-names} entry of the config window ({@code xgene_pcie_map_reg}). */
    public static final String CFG = "cfg";
    static final int PCIECORE_CTLANDSTATUS = 0x50, PIM1_1L = 0x80, IBAR2 = 0x98, IR2MSK = 0x9c, PIM2_1L = 0xa0,
            IBAR3L = 0xb4, IR3MSKL = 0xbc, PIM3_1L = 0xc4, OMR1BARL = 0x100, OMR2BARL = 0x118, OMR3BARL = 0x130,
            CFGBARL = 0x154, CFGBARH = 0x158, CFGCTL = 0x15c, RTDID = 0x160, BRIDGE_CFG_0 = 0x2000,
            BRIDGE_CFG_4 = 0x2010, BRIDGE_STATUS_0 = 0x2600;
    static final int LINK_UP_MASK = 0x100, AXI_EP_CFG_ACCESS = 0x10000, EN_REG = 1, OB_LO_IO = 2;
    static final long EN_COHERENCY = 0xf000_0000L;
    static final int XGENE_PCIE_DEVICEID = 0xe004, PCI_VENDOR_ID_AMCC = 0x10e8;
    static final int XGENE_V1_PCI_EXP_CAP = 0x40, PCI_EXP_RTCTL = 0x1c, PCI_EXP_RTCAP_CRSVIS = 1;
    static final long SZ_128M = 128L << 20, SZ_16M = 16L << 20, SZ_1K = 1024, SZ_1M = 1L << 20, SZ_1T = 1L << 40;

    private final String dev;
    private final long csr;
    private final long cfg;
    private final int rootBus;
    private final Mmio mmio;
    private final AddressSpace memory;
    private final BootLog log;
    /** One transaction: the PCI core enumerates a bridge from one thread. */
    private final MemoryTransaction tx = new MemoryTransaction();
    private boolean rmwWarned;
    private boolean linkUp;

    private PciXgene(String dev, long csr, long cfg, int rootBus, Mmio mmio, AddressSpace memory, BootLog log) {
        this.dev = dev;
        this.csr = csr;
        this.cfg = cfg;
        this.rootBus = rootBus;
        this.mmio = mmio;
        this.memory = memory;
        this.log = log;
    }

    /**
     * {@code xgene_pcie_probe}: the bridge's accessors once it is set up, or null when the probe
     * failed (the reason in the boot log; no PCI behind this bridge).
     */
    public static PciXgene probe(DtNode node, Mmio mmio, AddressSpace memory, BootLog log) {
        String dev = "xgene-pcie " + node.unitAddress() + "." + node.baseName();
        try {
            RegEntry csr = node.reg("csr");
            RegEntry cfg = node.reg(CFG);
            if (csr == null || cfg == null) {
                log.warn("%s: probe failed: no \"csr\" and \"cfg\" in reg-names (xgene_pcie_map_reg)", dev);
                return null;
            }
            PciXgene x = new PciXgene(dev, csr.address(), cfg.address(), node.busRange().first(), mmio, memory, log);
            if (!x.initPort(node)) {
                return null;
            }
            x.setup(node, cfg.address());
            return x;
        } catch (DeviceTreeException e) {
            log.warn("%s: probe failed: %s", dev, e.getMessage());
            return null;
        }
    }

    private long readl(int reg) {
        return mmio.read(csr + reg, 4) & 0xffff_ffffL;
    }

    private void writel(int reg, long v) {
        mmio.write(csr + reg, 4, v & 0xffff_ffffL);
    }

    /**
     * {@code xgene_pcie_init_port}: {@code clk_prepare_enable} on the node's clock, which for an
     * {@code apm,xgene-device-clock} is {@code xgene_clk_enable}: set the enable bits, then take
     * the block out of reset.
     */
    private boolean initPort(DtNode node) {
        List<PhandleRef> clocks = PhandleRef.parse(node, "clocks", "#clock-cells", 0);
        DtNode clk = clocks.isEmpty() ? null : clocks.get(0).node();
        if (clk == null || !clk.isEnabled()) {
            log.warn("%s: clock not available", dev);
            return false;
        }
        RegEntry page = clk.reg("csr-reg");
        if (page != null) {
            long enable = page.address() + clk.u32("enable-offset", 8);
            long reset = page.address() + clk.u32("csr-offset", 0);
            mmio.write(enable, 4, (mmio.read(enable, 4) | clk.u32("enable-mask", 0xf)) & 0xffff_ffffL);
            mmio.write(reset, 4, mmio.read(reset, 4) & ~clk.u32("csr-mask", 0xf) & 0xffff_ffffL);
        }
        log.info("%s: clock %s enabled", dev, clk.path());
        return true;
    }

    /** {@code xgene_pcie_setup}. */
    private void setup(DtNode node, long cfgAddress) {
        // xgene_pcie_clear_config: wipe what firmware set up.
        for (int r = PIM1_1L; r <= CFGCTL; r += 4) {
            writel(r, 0);
        }
        writel(BRIDGE_CFG_0, (long) XGENE_PCIE_DEVICEID << 16 | PCI_VENDOR_ID_AMCC);
        // xgene_pcie_map_ranges.
        for (PciRange r : node.pciRanges()) {
            switch (r.space()) {
                case IO -> setupObReg(OMR3BARL, r, true);
                case MEM32, MEM64 -> setupObReg(r.prefetchable() ? OMR2BARL : OMR1BARL, r, false);
                default -> log.warn("%s: invalid resource %s", dev, r);
            }
        }
        writel(CFGBARL, cfgAddress);
        writel(CFGBARH, cfgAddress >>> 32);
        writel(CFGCTL, EN_REG);
        parseMapDmaRanges(node);
        // xgene_pcie_linkup.
        long st = readl(PCIECORE_CTLANDSTATUS);
        linkUp = (st & LINK_UP_MASK) != 0;
        if (linkUp) {
            log.info("%s: (rc) x%d gen-%d link up", dev, readl(BRIDGE_STATUS_0) >>> 26, ((st & 0xc000) >>> 14) + 1);
        } else {
            log.info("%s: (rc) link down", dev);
        }
    }

    boolean linkUp() {
        return linkUp;
    }

    /** {@code xgene_pcie_setup_ob_reg}. */
    private void setupObReg(int offset, PciRange r, boolean io) {
        long minSize = io ? 128 : SZ_128M;
        long mask = 0;
        if (r.size() >= minSize) {
            mask = ~(r.size() - 1) | EN_REG | (io ? OB_LO_IO : 0);
        } else {
            log.warn("%s: res size 0x%x less than minimum 0x%x", dev, r.size(), minSize);
        }
        writel(offset, r.cpuAddress());
        writel(offset + 0x04, r.cpuAddress() >>> 32);
        writel(offset + 0x08, mask);
        writel(offset + 0x0c, mask >>> 32);
        writel(offset + 0x10, r.pciAddress());
        writel(offset + 0x14, r.pciAddress() >>> 32);
    }

    /** {@code xgene_pcie_parse_map_dma_ranges}: each {@code dma-ranges} entry through {@code xgene_pcie_setup_ib_reg}. */
    private void parseMapDmaRanges(DtNode node) {
        DtProperty p = node.property("dma-ranges");
        if (p == null) {
            log.warn("%s: missing dma-ranges property", dev);
            return;
        }
        int parentCells = node.parent() == null ? 2 : node.parent().addressCells();
        int sizeCells = node.sizeCells();
        int entry = 3 + parentCells + sizeCells;
        int[] used = {0};
        for (int i = 0; i + entry <= p.cellCount(); i += entry) {
            long flags = p.cell(i);
            long pci = p.cells(i + 1, 2);
            long cpu = p.cells(i + 3, parentCells);
            long size = p.cells(i + 3 + parentCells, sizeCells);
            setupIbReg(flags, cpu, pci, size, used);
        }
    }

    /** {@code xgene_pcie_select_ib_reg}. */
    private static int selectIbReg(int[] used, long size) {
        if (size > 4 && size < SZ_16M && (used[0] & 1 << 1) == 0) {
            used[0] |= 1 << 1;
            return 1;
        }
        if (size > SZ_1K && size < SZ_1T && (used[0] & 1) == 0) {
            used[0] |= 1;
            return 0;
        }
        if (size > SZ_1M && size < SZ_1T && (used[0] & 1 << 2) == 0) {
            used[0] |= 1 << 2;
            return 2;
        }
        return -1;
    }

    /** {@code xgene_pcie_setup_ib_reg}. */
    private void setupIbReg(long rangeFlags, long cpu, long pci, long size, int[] used) {
        int region = selectIbReg(used, size);
        if (region < 0) {
            log.warn("%s: invalid pcie dma-range config", dev);
            return;
        }
        long mask = ~(size - 1) | EN_REG;
        long flags = 0x4; // PCI_BASE_ADDRESS_MEM_TYPE_64
        if ((rangeFlags & 0x4000_0000L) != 0) {
            flags |= 0x8; // PCI_BASE_ADDRESS_MEM_PREFETCH
        }
        long barLow = (cpu & 0xffff_fff0L) | flags;
        int pimReg;
        switch (region) {
            case 0 -> {
                setIbMask(BRIDGE_CFG_4, flags, size);
                mmio.write(cfg + 0x10, 4, barLow);
                mmio.write(cfg + 0x14, 4, cpu >>> 32);
                pimReg = PIM1_1L;
            }
            case 1 -> {
                writel(IBAR2, barLow);
                writel(IR2MSK, mask);
                pimReg = PIM2_1L;
            }
            default -> {
                writel(IBAR3L, barLow);
                writel(IBAR3L + 4, cpu >>> 32);
                writel(IR3MSKL, mask);
                writel(IR3MSKL + 4, mask >>> 32);
                pimReg = PIM3_1L;
            }
        }
        // xgene_pcie_setup_pims.
        long pimSize = ~(size - 1);
        writel(pimReg, pci);
        writel(pimReg + 0x04, pci >>> 32 | EN_COHERENCY);
        writel(pimReg + 0x10, pimSize);
        writel(pimReg + 0x14, pimSize >>> 32);
    }

    /** {@code xgene_pcie_set_ib_mask}: the mask spread over three registers in 16-bit pieces. */
    private void setIbMask(int addr, long flags, long size) {
        long mask = (~(size - 1) & ~0xfL) | flags;
        long lo = mask & 0xffff_ffffL;
        long hi = mask >>> 32;
        writel(addr, (readl(addr) & 0xffff) | lo << 16);
        writel(addr + 4, (readl(addr + 4) & 0xffff_0000L) | lo >>> 16);
        writel(addr + 4, (readl(addr + 4) & 0xffff) | hi << 16);
        writel(addr + 8, (readl(addr + 8) & 0xffff_0000L) | hi >>> 16);
    }

    // ------------------------------------------------------------------ xgene_pcie_ops

    /** {@code xgene_pcie_map_bus}: the dword's address, or -1 (NULL) for what the driver hides. */
    private long mapBus(int bus, int devfn, int where) {
        boolean root = bus == rootBus;
        if ((root && devfn != 0) || (root && (where == 0x10 || where == 0x14))) {
            return -1;
        }
        // xgene_pcie_set_rtdid_reg: the function's BDF, 0 on the root bus; read back to flush.
        long rtdid = root ? 0 : (long) bus << 8 | devfn;
        writel(RTDID, rtdid);
        readl(RTDID);
        return (root ? cfg : cfg + AXI_EP_CFG_ACCESS) + where;
    }

    private int load32(long address) {
        memory.access(tx.read(address, 4));
        return tx.ok() ? (int) tx.data : -1;
    }

    /** {@code xgene_pcie_config_read32}. */
    @Override
    public int read(int bus, int devfn, int offset, int size) {
        long a = mapBus(bus, devfn, offset & ~3);
        if (a < 0) {
            return size == 4 ? -1 : (1 << (8 * size)) - 1;
        }
        int v = load32(a);
        if (bus == rootBus && (offset & ~3) == XGENE_V1_PCI_EXP_CAP + PCI_EXP_RTCTL) {
            v &= ~(PCI_EXP_RTCAP_CRSVIS << 16);
        }
        if (size <= 2) {
            v = (v >>> (8 * (offset & 3))) & ((1 << (8 * size)) - 1);
        }
        return v;
    }

    /** {@code pci_generic_config_write32}. */
    @Override
    public void write(int bus, int devfn, int offset, int size, int value) {
        long a = mapBus(bus, devfn, offset & ~3);
        if (a < 0) {
            return;
        }
        if (size == 4) {
            memory.access(tx.write(a, 4, value & 0xffff_ffffL));
            return;
        }
        if (!rmwWarned) {
            rmwWarned = true;
            log.warn("%s: %d-byte config write to %02x:%02x.%d offset %#x may corrupt adjacent RW1C bits", dev, size,
                    bus, devfn >> 3, devfn & 7, offset);
        }
        int shift = 8 * (offset & 3);
        int mask = ~(((1 << (8 * size)) - 1) << shift);
        int v = load32(a) & mask;
        memory.access(tx.write(a, 4, (v | value << shift) & 0xffff_ffffL));
    }
}
