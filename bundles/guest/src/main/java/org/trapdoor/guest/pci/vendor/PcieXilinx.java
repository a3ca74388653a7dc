package org.trapdoor.guest.pci.vendor;

import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.ecam.EcamLayout;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.pci.PciOps;
import org.trapdoor.guest.printk.BootLog;

/**
 * Linux's {@code pcie-xilinx.c} for an {@code xlnx,axi-pcie-host-1.00.a} node: {@link #probe} is
 * {@code xilinx_pcie_probe} up to {@code pci_host_probe} ({@code xilinx_pcie_parse_dt},
 * {@code xilinx_pcie_init_port}); the object is {@code xilinx_pcie_ops}: ECAM on reg 0
 * ({@code xilinx_pcie_map_bus}) behind {@code xilinx_pcie_valid_device}, which on the root bus
 * allows devfn 0 only and beyond it asks PSCR for the link on every access. The MSI domain and
 * the interrupt handler are {@link PcieXilinxMsi}.
 */
public final class PcieXilinx implements PciOps {
    public static final String COMPATIBLE = "xlnx,axi-pcie-host-1.00.a";
    static final int IDR = 0x138, IMR = 0x13c, PSCR = 0x144, RPSC = 0x148, MSIBASE1 = 0x14c, MSIBASE2 = 0x150,
            RPIFR1 = 0x158, RPIFR2 = 0x15c;
    static final int PSCR_LNKUP = 1 << 11, RPSC_BEN = 1;
    static final long IDR_ALL_MASK = 0x0fff_0fffL, IMR_ALL_MASK = 0x1ff3_0fedL, IMR_ENABLE_MASK = 0x1ff3_0f0dL;

    private final long base;
    private final int rootBus;
    private final int busLast;
    private final AddressSpace memory;
    private final MemoryTransaction tx = new MemoryTransaction();

    private PcieXilinx(long base, int rootBus, int busLast, AddressSpace memory) {
        this.base = base;
        this.rootBus = rootBus;
        this.busLast = busLast;
        this.memory = memory;
    }

    /** {@code xilinx_pcie_probe}'s hardware part; null when the node cannot be parsed (logged). */
    public static PcieXilinx probe(DtNode node, Mmio mmio, AddressSpace memory, BootLog log) {
        String dev = "xilinx-pcie " + node.unitAddress() + "." + node.baseName();
        try {
            if (node.reg().isEmpty()) {
                log.warn("%s: missing \"reg\" property; Parsing DT failed", dev);
                return null;
            }
            RegEntry reg = node.reg().get(0);
            long b = reg.address();
            int first = node.busRange().first();
            int last = (int) Math.min(node.busRange().last(), first + EcamLayout.ECAM.buses(reg.size()) - 1);
            // xilinx_pcie_init_port.
            log.info("%s: PCIe Link is %s", dev, (mmio.read(b + PSCR, 4) & PSCR_LNKUP) != 0 ? "UP" : "DOWN");
            mmio.write(b + IMR, 4, ~IDR_ALL_MASK & 0xffff_ffffL);
            mmio.write(b + IDR, 4, mmio.read(b + IDR, 4) & IMR_ALL_MASK);
            mmio.write(b + IMR, 4, IMR_ENABLE_MASK);
            mmio.write(b + RPSC, 4, (mmio.read(b + RPSC, 4) | RPSC_BEN) & 0xffff_ffffL);
            return new PcieXilinx(b, first, last, memory);
        } catch (DeviceTreeException e) {
            log.warn("%s: Parsing DT failed: %s", dev, e.getMessage());
            return null;
        }
    }

    /** {@code xilinx_pcie_valid_device} + {@code xilinx_pcie_map_bus}: the address, or -1 (NULL). */
    private long mapBus(int bus, int devfn, int where) {
        if (bus < rootBus || bus > busLast) {
            return -1;
        }
        if (bus != rootBus) {
            memory.access(tx.read(base + PSCR, 4));
            if (!tx.ok() || (tx.data & PSCR_LNKUP) == 0) {
                return -1;
            }
        } else if (devfn > 0) {
            return -1;
        }
        return base + EcamLayout.ECAM.offset(bus - rootBus, devfn, where);
    }

    private static boolean valid(int offset, int size) {
        return (size == 1 || size == 2 || size == 4) && offset >= 0 && offset + size <= 4096 && (offset & (size - 1)) == 0;
    }

    /** {@code pci_generic_config_read}. */
    @Override
    public int read(int bus, int devfn, int offset, int size) {
        long a = valid(offset, size) ? mapBus(bus, devfn, offset) : -1;
        if (a < 0) {
            return size == 4 ? -1 : (1 << (8 * Math.min(size, 2))) - 1;
        }
        memory.access(tx.read(a, size));
        return tx.ok() ? (int) tx.data : size == 4 ? -1 : (1 << (8 * size)) - 1;
    }

    /** {@code pci_generic_config_write}. */
    @Override
    public void write(int bus, int devfn, int offset, int size, int value) {
        long a = valid(offset, size) ? mapBus(bus, devfn, offset) : -1;
        if (a >= 0) {
            memory.access(tx.write(a, size, value & MemoryTransaction.allOnes(size)));
        }
    }
}
