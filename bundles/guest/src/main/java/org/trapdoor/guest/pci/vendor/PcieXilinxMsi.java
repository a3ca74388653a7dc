package org.trapdoor.guest.pci.vendor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.dt.DtInterrupt;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.guest.irqchip.GicCpu;
import org.trapdoor.guest.irqchip.IntidBitmap;
import org.trapdoor.guest.irqchip.IrqChip;
import org.trapdoor.guest.irqchip.MsiBlock;
import org.trapdoor.guest.irqchip.MsiDomain;
import org.trapdoor.guest.irqchip.MsiMessage;
import org.trapdoor.guest.irqchip.MsiRequest;
import org.trapdoor.guest.mem.PageAllocator;
import org.trapdoor.guest.printk.BootLog;

/**
 * The AXI bridge's MSI domain and its interrupt handler, as Linux 6.x's {@code pcie-xilinx.c}
 * has them: 128 vectors ({@code XILINX_NUM_MSI_IRQS}) handed out as aligned power-of-two blocks
 * ({@code xilinx_msi_domain_alloc}'s {@code bitmap_find_free_region}, so multi-message MSI
 * works); the message is address = the 4 KiB page of the driver's port structure in RAM (a page
 * of ordinary memory: the doorbell the 2017 thread worried about), data = the hwirq
 * ({@code xilinx_compose_msi_msg}); {@code xilinx_pcie_enable_msi} writes that page to
 * MSIBASE1/2.
 *
 * <p>{@code xilinx_pcie_intr_handler} on the bridge's one SPI (level): IDR &amp; IMR; with INTx or
 * MSI set, read RPIFR1, which must be valid; an MSI's data is RPIFR2[15:0]; pop the entry by
 * writing all-ones to RPIFR1; hand the hwirq to the domain; finally write the handled status
 * back to IDR. One FIFO entry per interrupt: the bridge keeps IDR's MSI bit, and so its line,
 * up while entries wait, and the GIC signals again. An invalid head (the FIFO read empty) is
 * Linux's "RP Intr FIFO1 read error", counted; INTx entries are popped and counted. No lock, no
 * allocation in the handler.
 */
public final class PcieXilinxMsi implements MsiDomain {
    public static final int VECTORS = 128;
    public static final int VIRQ_BASE = PciXgeneMsi.VIRQ_BASE - VECTORS;
    static final long RPIFR1_INTR_VALID = 1L << 31, RPIFR1_MSI_INTR = 1L << 30, RPIFR1_ALL_MASK = 0xffff_ffffL;
    static final long INTR_INTX = 1L << 16, INTR_MSI = 1L << 17;

    private final DtNode node;
    private final IrqChip chip;
    private final GicCpu cpu;
    private final AddressSpace memory;
    private final PageAllocator pages;
    private final BootLog log;
    private final IntidBitmap bitmap = new IntidBitmap(0, VECTORS);
    /** Allocated hwirqs, for the handler to read without the allocator's lock. */
    private final AtomicLongArray allocated = new AtomicLongArray(VECTORS / 64);
    private final MemoryTransaction[] perCpu = new MemoryTransaction[GicCpu.MAX_CPUS];
    private final EventCounter fifoReadErrors = new EventCounter();
    private final EventCounter intx = new EventCounter();
    private long base;
    private long page;
    private int spi;

    public PcieXilinxMsi(DtNode node, IrqChip chip, GicCpu cpu, AddressSpace memory, PageAllocator pages, BootLog log) {
        this.node = node;
        this.chip = chip;
        this.cpu = cpu;
        this.memory = memory;
        this.pages = pages;
        this.log = log;
        for (int i = 0; i < perCpu.length; i++) {
            perCpu[i] = new MemoryTransaction();
        }
    }

    @Override
    public String kind() {
        return "AXI PCIe";
    }

    @Override
    public String node() {
        return node.path();
    }

    /** {@code xilinx_pcie_init_irq_domain}'s MSI part, {@code xilinx_pcie_enable_msi}, the handler requested. */
    @Override
    public void init() {
        if (node.reg().isEmpty()) {
            throw new IllegalStateException(node.path() + ": missing \"reg\" property");
        }
        if (pages == null) {
            throw new IllegalStateException(node.path() + ": no RAM for the port structure whose page is the MSI address");
        }
        base = node.reg().get(0).address();
        List<DtInterrupt> irqs = node.interrupts();
        if (irqs.isEmpty() || irqs.get(0).cellCount() < 2 || irqs.get(0).cell(0) != 0) {
            throw new IllegalStateException(node.path() + ": the bridge's interrupt is not a GIC SPI (irq_of_parse_and_map)");
        }
        spi = (int) irqs.get(0).cell(1) + 32;
        // virt_to_phys(port) rounded down to 4 KiB: the page of the driver's structure.
        page = pages.allocate(PageAllocator.PAGE, PageAllocator.PAGE);
        MemoryTransaction tx = perCpu[0];
        memory.access(tx.write(base + PcieXilinx.MSIBASE1, 4, page >>> 32));
        memory.access(tx.write(base + PcieXilinx.MSIBASE2, 4, page & 0xffff_ffffL));
        cpu.chain(spi, this::intrHandler);
        chip.enableLevelSpi(spi);
        log.info("xilinx-pcie %s: MSI: %d vectors, address 0x%x (a RAM page), SPI %d", node.unitAddress(), VECTORS, page,
                spi);
    }

    /** {@code xilinx_pcie_intr_handler}. */
    private void intrHandler(int c) {
        MemoryTransaction tx = perCpu[Math.max(0, Math.min(c, perCpu.length - 1))];
        long idr = read(tx, PcieXilinx.IDR);
        long imr = read(tx, PcieXilinx.IMR);
        long status = idr & imr;
        if (status == 0) {
            return;
        }
        if ((status & (INTR_INTX | INTR_MSI)) != 0) {
            long v = read(tx, PcieXilinx.RPIFR1);
            if ((v & RPIFR1_INTR_VALID) == 0) {
                // "RP Intr FIFO1 read error"
                fifoReadErrors.increment();
            } else {
                boolean msi = (v & RPIFR1_MSI_INTR) != 0;
                long hw = msi ? read(tx, PcieXilinx.RPIFR2) & 0xffff : -1;
                memory.access(tx.write(base + PcieXilinx.RPIFR1, 4, RPIFR1_ALL_MASK));
                if (msi) {
                    cpu.dispatch(c, hw < VECTORS && (allocated.get((int) hw >>> 6) & 1L << (hw & 63)) != 0 ? VIRQ_BASE + (int) hw : -1);
                } else {
                    intx.increment();
                }
            }
        }
        memory.access(tx.write(base + PcieXilinx.IDR, 4, status));
    }

    private long read(MemoryTransaction tx, int reg) {
        memory.access(tx.read(base + reg, 4));
        return tx.ok() ? tx.data & 0xffff_ffffL : 0;
    }

    /** Interrupts that found the FIFO's head invalid. */
    public long fifoReadErrors() {
        return fifoReadErrors.sum();
    }

    /** INTx entries popped. */
    public long intxEntries() {
        return intx.sum();
    }

    /** The doorbell page (MSIBASE1/2). */
    public long msiAddress() {
        return page;
    }

    @Override
    public synchronized MsiBlock allocate(MsiRequest r) {
        int size = r.multiMsi() ? IntidBitmap.roundUpPow2(r.vectors()) : 1;
        long address = r.doorbell().applyAsLong(page);
        List<MsiMessage> messages = new ArrayList<>();
        List<int[]> blocks = new ArrayList<>();
        try {
            int per = r.multiMsi() ? 1 : r.vectors();
            for (int i = 0; i < per; i++) {
                int first = bitmap.allocate(size);
                if (first < 0) {
                    throw new IllegalStateException(r.bdf() + ": xilinx_msi_domain_alloc: no block of " + size
                            + " vectors left (ENOSPC)");
                }
                blocks.add(new int[] {first, size});
                for (int k = 0; k < size; k++) {
                    int h = first + k;
                    allocated.getAndUpdate(h >>> 6, w -> w | 1L << (h & 63));
                }
                int n = r.multiMsi() ? r.vectors() : 1;
                for (int k = 0; k < n; k++) {
                    messages.add(new MsiMessage(address, first + k, VIRQ_BASE + first + k));
                }
            }
        } catch (RuntimeException e) {
            for (int[] b : blocks) {
                release(b[0], b[1]);
            }
            throw e;
        }
        log.info("xilinx-pcie %s: %s: %d vector(s) from hwirq %d", node.unitAddress(), r.bdf(), messages.size(),
                messages.isEmpty() ? -1 : messages.get(0).data());
        return new MsiBlock(-1, messages.isEmpty() ? -1 : messages.get(0).intid(), r.multiMsi() ? size : messages.size(),
                messages);
    }

    @Override
    public synchronized void free(MsiBlock b) {
        if (b.messages().isEmpty()) {
            return;
        }
        if (b.reserved() > 1 && b.reserved() >= b.messages().size()) {
            release(b.first() - VIRQ_BASE, b.reserved());
        } else {
            for (MsiMessage m : b.messages()) {
                release(m.data(), 1);
            }
        }
    }

    private void release(int first, int size) {
        bitmap.free(first, size);
        for (int k = 0; k < size; k++) {
            int h = first + k;
            allocated.getAndUpdate(h >>> 6, w -> w & ~(1L << (h & 63)));
        }
    }
}
