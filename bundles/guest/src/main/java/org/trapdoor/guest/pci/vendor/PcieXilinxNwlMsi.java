package org.trapdoor.guest.pci.vendor;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DtInterrupt;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.guest.irqchip.GicCpu;
import org.trapdoor.guest.irqchip.IntidBitmap;
import org.trapdoor.guest.irqchip.IrqChip;
import org.trapdoor.guest.irqchip.MsiBlock;
import org.trapdoor.guest.irqchip.MsiDomain;
import org.trapdoor.guest.irqchip.MsiMessage;
import org.trapdoor.guest.irqchip.MsiRequest;
import org.trapdoor.guest.printk.BootLog;

/**
 * The NWL bridge's MSI domain, as {@code pcie-xilinx-nwl.c} builds it: 64 vectors
 * ({@code INT_PCI_MSI_NR}) handed out as aligned power-of-two blocks
 * ({@code nwl_irq_domain_alloc}'s {@code bitmap_find_free_region}); a message is address = the
 * physical base of {@code pcireg} (what {@code nwl_pcie_enable_msi} wrote to I_MSII_BASE), data =
 * the vector ({@code nwl_compose_msi_msg}); {@code msi0} and {@code msi1} are level SPIs with
 * chained handlers ({@code nwl_pcie_msi_handler_low/high}) that, while the status register is
 * non-zero, clear each set bit and handle it ({@code nwl_pcie_handle_msi_irq}).
 *
 * <p>As in Linux 6.x, the handler of {@code msi1} hands bit {@code b} of MSGF_MSI_STATUS_HI to
 * the domain as vector {@code b}, not {@code 32 + b}: a vector from 32 up is counted on the
 * vector 32 below it (or as unknown when that one is not allocated). Linux allocates from the
 * bottom, so this shows only past 32 vectors.
 *
 * <p>The vectors are counted at the guest's interrupt numbers {@link #VIRQ_BASE} + vector: a
 * range no GIC interrupt of these platforms uses (they have no LPIs).
 */
public final class PcieXilinxNwlMsi implements MsiDomain {
    public static final int VECTORS = 64;
    public static final int VIRQ_BASE = GicCpu.INTIDS - VECTORS;
    static final int MSGF_MSI_STATUS_LO = 0x440, MSGF_MSI_STATUS_HI = 0x444;

    private final DtNode node;
    private final IrqChip chip;
    private final GicCpu cpu;
    private final AddressSpace memory;
    private final BootLog log;
    private final IntidBitmap bitmap = new IntidBitmap(0, VECTORS);
    /** One transaction per CPU: the handler runs serialised per CPU and allocates nothing. */
    private final MemoryTransaction[] perCpu = new MemoryTransaction[GicCpu.MAX_CPUS];
    /** Vectors allocated now, for the handler to read without taking the allocator's lock. */
    private volatile long allocated;
    private long breg;
    private long doorbell;
    private int msi0;
    private int msi1;

    public PcieXilinxNwlMsi(DtNode node, IrqChip chip, GicCpu cpu, AddressSpace memory, BootLog log) {
        this.node = node;
        this.chip = chip;
        this.cpu = cpu;
        this.memory = memory;
        this.log = log;
        for (int i = 0; i < perCpu.length; i++) {
            perCpu[i] = new MemoryTransaction();
        }
    }

    @Override
    public String kind() {
        return "NWL";
    }

    @Override
    public String node() {
        return node.path();
    }

    /** {@code nwl_pcie_enable_msi}'s interrupt side: msi0/msi1 found by name, chained, enabled level. */
    @Override
    public void init() {
        RegEntry b = node.reg("breg");
        RegEntry p = node.reg("pcireg");
        if (b == null || p == null) {
            throw new IllegalStateException(node.path() + ": breg and pcireg are required in reg-names");
        }
        breg = b.address();
        doorbell = p.address();
        msi0 = spi("msi0");
        msi1 = spi("msi1");
        cpu.chain(msi0, c -> handle(c, MSGF_MSI_STATUS_LO));
        cpu.chain(msi1, c -> handle(c, MSGF_MSI_STATUS_HI));
        chip.enableLevelSpi(msi0);
        chip.enableLevelSpi(msi1);
        log.info("nwl-pcie %s: MSI: 64 vectors, doorbell 0x%x, SPIs %d/%d", node.unitAddress(), doorbell, msi0, msi1);
    }

    private int spi(String name) {
        for (DtInterrupt i : node.interrupts()) {
            if (name.equals(i.name()) && i.cellCount() >= 2 && i.cell(0) == 0) {
                return (int) i.cell(1) + 32;
            }
        }
        throw new IllegalStateException(node.path() + ": no GIC SPI named " + name + " (platform_get_irq_byname)");
    }

    /** {@code nwl_pcie_handle_msi_irq}. */
    private void handle(int c, int statusReg) {
        MemoryTransaction tx = perCpu[Math.max(0, Math.min(c, perCpu.length - 1))];
        long status = breg + statusReg;
        while (true) {
            memory.access(tx.read(status, 4));
            long pending = tx.ok() ? tx.data & 0xffff_ffffL : 0;
            if (pending == 0) {
                return;
            }
            for (int bit = 0; bit < 32; bit++) {
                if ((pending & 1L << bit) != 0) {
                    memory.access(tx.write(status, 4, 1L << bit));
                    // generic_handle_domain_irq(msi->dev_domain, bit): the bit, for HI as for LO.
                    cpu.dispatch(c, (allocated & 1L << bit) != 0 ? VIRQ_BASE + bit : -1);
                }
            }
        }
    }

    @Override
    public synchronized MsiBlock allocate(MsiRequest r) {
        int size = r.multiMsi() ? IntidBitmap.roundUpPow2(r.vectors()) : 1;
        long address = r.doorbell().applyAsLong(doorbell);
        List<MsiMessage> messages = new ArrayList<>();
        List<int[]> blocks = new ArrayList<>();
        try {
            int per = r.multiMsi() ? 1 : r.vectors();
            for (int i = 0; i < per; i++) {
                int first = bitmap.allocate(size);
                if (first < 0) {
                    throw new IllegalStateException(r.bdf() + ": nwl_irq_domain_alloc: no block of " + size
                            + " vectors left (ENOSPC)");
                }
                blocks.add(new int[] {first, size});
                allocated |= (size == 64 ? -1L : (1L << size) - 1) << first;
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
        log.info("nwl-pcie %s: %s: %d vector(s) from %d", node.unitAddress(), r.bdf(), messages.size(),
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
        allocated &= ~((size == 64 ? -1L : (1L << size) - 1) << first);
    }
}
