package org.trapdoor.guest.pci.vendor;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

import org.trapdoor.api.dt.DtInterrupt;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.guest.irqchip.GicCpu;
import org.trapdoor.guest.irqchip.IrqChip;
import org.trapdoor.guest.irqchip.MsiBlock;
import org.trapdoor.guest.irqchip.MsiDomain;
import org.trapdoor.guest.irqchip.MsiMessage;
import org.trapdoor.guest.irqchip.MsiRequest;
import org.trapdoor.guest.printk.BootLog;

/**
 * The X-Gene v1 MSI domain, as {@code pci-xgene-msi.c} builds it: 2048 hwirqs
 * ({@code NR_MSI_VEC}); each vector takes {@code num_possible_cpus()} consecutive hwirqs from the
 * first free run ({@code xgene_irq_domain_alloc}'s {@code bitmap_find_next_zero_area}), its
 * canonical (CPU 0) hwirq h composing address = base + ((8 * (h % 16) + h / 256) << 16), data =
 * (h / 16) % 16 ({@code xgene_compose_msi_msg}). No multi-message MSI (the parent ops do not
 * offer {@code MSI_FLAG_MULTI_PCI_MSI}); MSI-X is offered. At probe every MSInIRx is read to
 * clear it and MSIINTn must then read 0 ({@code xgene_msi_probe}); each group's SPI gets the
 * chained handler {@code xgene_msi_isr}: read MSIINTn, read (and so clear) each flagged MSInIRx,
 * hand each set bit k of index x to the domain as hwirq ((x * 16 + k) * 16) + n, canonicalised,
 * and read MSIINTn again until it is 0.
 *
 * <p>Departure: Linux pins group n's SPI to CPU n % ncpus ({@code xgene_msi_hwirq_alloc}); the
 * guest's GIC driver routes every SPI to the boot CPU, which is where Linux's default affinity
 * leaves every vector anyway (all canonical hwirqs), so only the CPU that runs the chained
 * handler of groups other than 0 differs. The vectors are counted at {@link #VIRQ_BASE} + hwirq.
 */
public final class PciXgeneMsi implements MsiDomain {
    public static final String COMPATIBLE = "apm,xgene1-msi";
    static final int NR_HW_IRQS = 16, IDX_PER_GROUP = 8, IRQS_PER_IDX = 16;
    static final int NR_MSI_VEC = IDX_PER_GROUP * IRQS_PER_IDX * NR_HW_IRQS;
    static final int MSI_INT0 = 0x80_0000;
    /** Below the NWL and AXI domains' numbers: no GIC interrupt of these platforms uses them. */
    public static final int VIRQ_BASE = GicCpu.INTIDS - PcieXilinxNwlMsi.VECTORS - NR_MSI_VEC;

    private final DtNode node;
    private final IrqChip chip;
    private final GicCpu cpu;
    private final AddressSpace memory;
    private final BootLog log;
    private final int ncpus;
    private final BitSet bitmap = new BitSet(NR_MSI_VEC);
    /** Allocated hwirqs, for the handler to read without the allocator's lock. */
    private final AtomicLongArray allocated = new AtomicLongArray(NR_MSI_VEC / 64);
    private final MemoryTransaction[] perCpu = new MemoryTransaction[GicCpu.MAX_CPUS];
    private final int[] gicIrq = new int[NR_HW_IRQS];
    private long base;

    /** @param ncpus {@code num_possible_cpus()}: the CPUs of the device tree */
    public PciXgeneMsi(DtNode node, IrqChip chip, GicCpu cpu, AddressSpace memory, BootLog log, int ncpus) {
        this.node = node;
        this.chip = chip;
        this.cpu = cpu;
        this.memory = memory;
        this.log = log;
        this.ncpus = Math.max(1, ncpus);
        for (int i = 0; i < perCpu.length; i++) {
            perCpu[i] = new MemoryTransaction();
        }
    }

    @Override
    public String kind() {
        return "X-Gene MSI";
    }

    @Override
    public String node() {
        return node.path();
    }

    /** {@code xgene_msi_probe}. */
    @Override
    public void init() {
        List<RegEntry> reg = node.reg();
        if (reg.isEmpty()) {
            throw new IllegalStateException(node.path() + ": no reg (devm_platform_get_and_ioremap_resource)");
        }
        base = reg.get(0).address();
        List<DtInterrupt> irqs = node.interrupts();
        for (int n = 0; n < NR_HW_IRQS; n++) {
            if (n >= irqs.size() || irqs.get(n).cellCount() < 2 || irqs.get(n).cell(0) != 0) {
                throw new IllegalStateException(node.path() + ": interrupt " + n + " is not a GIC SPI (platform_get_irq)");
            }
            gicIrq[n] = (int) irqs.get(n).cell(1) + 32;
        }
        MemoryTransaction tx = perCpu[0];
        for (int n = 0; n < NR_HW_IRQS; n++) {
            for (int x = 0; x < IDX_PER_GROUP; x++) {
                memory.access(tx.read(irAddress(n, x), 4));
            }
            memory.access(tx.read(intAddress(n), 4));
            if (!tx.ok() || (tx.data & 0xffff_ffffL) != 0) {
                throw new IllegalStateException(node.path() + ": Failed to clear spurious IRQ (group " + n + ")");
            }
        }
        for (int n = 0; n < NR_HW_IRQS; n++) {
            int group = n;
            cpu.chain(gicIrq[n], c -> isr(c, group));
            chip.enableLevelSpi(gicIrq[n]);
        }
        log.info("xgene-msi %s: APM X-Gene PCIe MSI driver loaded (%d vectors, SPIs %d..%d, %d CPU(s))",
                node.unitAddress(), NR_MSI_VEC, gicIrq[0], gicIrq[NR_HW_IRQS - 1], ncpus);
    }

    private long irAddress(int group, int index) {
        return base + ((long) group << 19) + ((long) index << 16);
    }

    private long intAddress(int group) {
        return base + MSI_INT0 + ((long) group << 16);
    }

    /** {@code xgene_msi_isr} for group {@code n}. No allocation, no lock. */
    private void isr(int c, int n) {
        MemoryTransaction tx = perCpu[Math.max(0, Math.min(c, perCpu.length - 1))];
        memory.access(tx.read(intAddress(n), 4));
        long grp = tx.ok() ? tx.data & 0xff : 0;
        while (grp != 0) {
            int x = Long.numberOfTrailingZeros(grp);
            memory.access(tx.read(irAddress(n, x), 4));
            long val = tx.ok() ? tx.data & 0xffff : 0;
            while (val != 0) {
                int k = Long.numberOfTrailingZeros(val);
                int hw = ((x * IRQS_PER_IDX) + k) * NR_HW_IRQS + n;
                // hwirq_to_canonical_hwirq: the hwirq as CPU 0 sees it.
                hw -= hw % ncpus;
                cpu.dispatch(c, (allocated.get(hw >>> 6) & 1L << (hw & 63)) != 0 ? VIRQ_BASE + hw : -1);
                val &= ~(1L << k);
            }
            grp &= ~(1L << x);
            if (grp == 0) {
                memory.access(tx.read(intAddress(n), 4));
                grp = tx.ok() ? tx.data & 0xff : 0;
            }
        }
    }

    @Override
    public synchronized MsiBlock allocate(MsiRequest r) {
        if (r.multiMsi() && r.vectors() > 1) {
            throw new IllegalStateException("xgene-msi: no multi-message MSI (MSI_FLAG_MULTI_PCI_MSI not offered)");
        }
        List<MsiMessage> messages = new ArrayList<>();
        try {
            for (int i = 0; i < r.vectors(); i++) {
                int h = findNextZeroArea(ncpus);
                if (h < 0) {
                    throw new IllegalStateException(r.bdf() + ": xgene_irq_domain_alloc: no room for a vector (ENOSPC)");
                }
                bitmap.set(h, h + ncpus);
                allocated.getAndUpdate(h >>> 6, w -> w | 1L << (h & 63));
                long address = base + ((long) (8 * (h % NR_HW_IRQS) + h / (NR_HW_IRQS * IRQS_PER_IDX)) << 16);
                int data = (h / NR_HW_IRQS) % IRQS_PER_IDX;
                messages.add(new MsiMessage(r.doorbell().applyAsLong(address), data, VIRQ_BASE + h));
            }
        } catch (RuntimeException e) {
            for (MsiMessage m : messages) {
                release(m.intid() - VIRQ_BASE);
            }
            throw e;
        }
        log.info("xgene-msi %s: %s: %d vector(s), hwirq %d first", node.unitAddress(), r.bdf(), messages.size(),
                messages.isEmpty() ? -1 : messages.get(0).intid() - VIRQ_BASE);
        return new MsiBlock(-1, messages.isEmpty() ? -1 : messages.get(0).intid(), messages.size(), messages);
    }

    /** {@code bitmap_find_next_zero_area(bitmap, NR_MSI_VEC, 0, n, 0)}. */
    private int findNextZeroArea(int n) {
        int start = bitmap.nextClearBit(0);
        while (start + n <= NR_MSI_VEC) {
            int set = bitmap.nextSetBit(start);
            if (set < 0 || set >= start + n) {
                return start;
            }
            start = bitmap.nextClearBit(set);
        }
        return -1;
    }

    @Override
    public synchronized void free(MsiBlock b) {
        for (MsiMessage m : b.messages()) {
            release(m.intid() - VIRQ_BASE);
        }
    }

    /** {@code xgene_irq_domain_free}. */
    private void release(int hw) {
        int canonical = hw - hw % ncpus;
        bitmap.clear(canonical, canonical + ncpus);
        allocated.getAndUpdate(canonical >>> 6, w -> w & ~(1L << (canonical & 63)));
    }
}
