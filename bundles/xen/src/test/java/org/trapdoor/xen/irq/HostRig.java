package org.trapdoor.xen.irq;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.counter.EventCounterArray;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.hw.gicv3.Gicv3;
import org.trapdoor.hw.gicv3.its.Its;
import org.trapdoor.testkit.ArrayRam;
import org.trapdoor.xen.irq.host.HostGic;
import org.trapdoor.xen.irq.host.HostIts;
import org.trapdoor.xen.irq.host.HostLpis;
import org.trapdoor.xen.irq.host.HostPages;
import org.trapdoor.xen.irq.its.VirtualIts;
import org.trapdoor.xen.irq.vgic.GuestMemory;
import org.trapdoor.xen.irq.vgic.Vgic;
import org.trapdoor.xen.irq.vgic.Vgicv3Redistributors;
import org.trapdoor.xen.irq.vgic.VirtualCpuInterface;

/**
 * Xen's interrupt path on the real GICv3 and ITS models, hand-wired as QEMU virt lays them out:
 * Xen's drivers program the physical GIC and ITS over a system bus, its router takes the GIC's
 * IRQ line, and Dom0 (direct-mapped: IPA = PA) has a vGIC and a vITS at the host ITS's address.
 * A device's MSI is a write to the host's GITS_TRANSLATER carrying its DeviceID, recorded in the
 * machine's MSI ledger by the ITS, as on the composed machine. Dom0's CPUs are a handler that
 * acknowledges, counts per INTID and ends each interrupt, as the guest's {@code gic_handle_irq}.
 */
final class HostRig {
    static final long RAM = 0x4000_0000L;
    static final int RAM_SIZE = 8 << 20;
    static final long GICD = 0x0800_0000L;
    static final long ITS = 0x0808_0000L;
    static final long GICR = 0x080A_0000L;
    /** Dom0's own memory (its kernel's tables), below Xen's heap (the upper half of RAM). */
    static final long DOM0_PROP = RAM + 0x10000;
    static final long DOM0_PEND = RAM + 0x20000;
    static final long DOM0_DT = RAM + 0x80000;
    static final long DOM0_CT = RAM + 0x30000;
    static final long DOM0_CMDQ = RAM + 0x40000;
    static final long DOM0_ITT = RAM + 0x50000;

    final ArrayRam ram = new ArrayRam(RAM, RAM_SIZE);
    final InterruptCounters msiLedger = new InterruptCounters();
    final Gicv3 gic = new Gicv3("gic", 256, new long[] {0, 1}, ram);
    final Its its;
    final AddressSpace bus;
    final HostGic hostGic;
    final HostLpis lpis;
    final HostIts hostIts;
    final IrqRouter router;
    final Vgic dom0;
    final VirtualCpuInterface dom0Cpu;
    final VirtualIts vits;
    final MmioHandler vgicr;
    final EventCounterArray handled = new EventCounterArray(1 << 16);
    long cwriter;

    HostRig() {
        ModelRef<InterruptController> ref = new ModelRef<>() {
            @Override
            public InterruptController get() {
                return gic;
            }

            @Override
            public DtNode node() {
                return null;
            }
        };
        its = new Its("its", ITS, ram, ref, msiLedger);
        bus = new Bus(List.of(new Region(GICD, 0x10000, gic.region(0)), new Region(GICR, 0x40000, gic.region(1)),
                new Region(ITS, 0x20000, its.region(0)), new Region(RAM, RAM_SIZE, ram)));
        HostPages heap = new HostPages() {
            @Override
            public long allocate(long bytes, long align) {
                return ram.alloc(Integer.highestOneBit((int) Math.max(bytes, align) * 2 - 1));
            }

            @Override
            public void free(long address, long bytes) {
                // the bump allocator keeps it
            }
        };
        hostGic = new HostGic(new long[] {GICD, GICR, 0x40000}, bus, ram, heap);
        hostGic.init();
        lpis = new HostLpis(hostGic.lpiLimit());
        hostIts = new HostIts("its", ITS, bus, ram, heap, hostGic, lpis);
        hostIts.init();
        router = new IrqRouter(() -> gic, lpis);
        router.spiControl(hostGic::spiEnabled);
        gic.connect(router);
        dom0 = new Vgic("d0", 2, 224, 16, true, identity(), router);
        dom0Cpu = new VirtualCpuInterface(dom0);
        router.addDomain(1, dom0, true);
        vits = new VirtualIts(dom0, identity(), hostIts, lpis, 1, true);
        vgicr = new Vgicv3Redistributors(dom0);
        dom0Cpu.connect((vcpu, intid) -> {
            for (int n = 0; n < 64; n++) {
                int id = dom0Cpu.acknowledge(vcpu);
                if (id == InterruptController.SPURIOUS) {
                    return;
                }
                handled.increment(id);
                dom0Cpu.endOfInterrupt(vcpu, id);
            }
        });
    }

    GuestMemory identity() {
        return new GuestMemory() {
            @Override
            public boolean isRam(long ipa, long length) {
                return ram.isRam(ipa, length);
            }

            @Override
            public long load(long ipa, int size) {
                return ram.load(ipa, size);
            }

            @Override
            public void store(long ipa, int size, long value) {
                ram.store(ipa, size, value);
            }
        };
    }

    static MemResult mmio(MmioHandler h, long offset, int size, boolean write, long value, long[] out) {
        MemoryTransaction tx = write ? new MemoryTransaction().write(offset, size, value)
                : new MemoryTransaction().read(offset, size);
        tx.offset = offset;
        h.access(tx);
        if (out != null) {
            out[0] = tx.data;
        }
        return tx.result;
    }

    long vits(long offset, int size) {
        long[] out = new long[1];
        mmio(vits, offset, size, false, 0, out);
        return out[0];
    }

    MemResult vits(long offset, int size, long value) {
        return mmio(vits, offset, size, true, value, null);
    }

    /**
     * What Dom0's irq-gic-v3(-its).c does: LPIs on both vCPUs with a 14-bit property table, the
     * vITS's tables, its queue, enabled, and a collection per vCPU.
     */
    void bootDom0Its() {
        for (int v = 0; v < 2; v++) {
            long f = (long) v * Vgicv3Redistributors.STRIDE;
            mmio(vgicr, f + 0x70, 8, true, DOM0_PROP | 13, null);
            mmio(vgicr, f + 0x78, 8, true, DOM0_PEND + v * 0x10000L, null);
            mmio(vgicr, f + 0x0, 4, true, 1, null);
        }
        vits(0x100, 8, 1L << 63 | 1L << 56 | 7L << 48 | DOM0_DT | 2L << 8 | 7); // 8 x 64 KiB pages
        vits(0x108, 8, 1L << 63 | 4L << 56 | 1L << 48 | DOM0_CT | 0L << 8);
        vits(0x80, 8, 1L << 63 | DOM0_CMDQ | 15);
        vits(0x88, 8, 0);
        vits(0x0, 4, 1);
        cwriter = 0;
        for (int v = 0; v < 2; v++) {
            command(0x09, 0, 1L << 63 | (long) v << 16 | v, 0); // MAPC
        }
    }

    /** One command into Dom0's queue, then CWRITER. */
    void command(long dw0, long dw1, long dw2, long dw3) {
        long slot = DOM0_CMDQ + cwriter;
        ram.store(slot, 8, dw0);
        ram.store(slot + 8, 8, dw1);
        ram.store(slot + 16, 8, dw2);
        ram.store(slot + 24, 8, dw3);
        cwriter = (cwriter + 32) % 0x10000;
        vits(0x88, 8, cwriter);
    }

    void mapd(int devid, int bits, long itt) {
        command(0x08 | (long) devid << 32, bits - 1, 1L << 63 | itt, 0);
    }

    void mapti(int devid, int event, int vlpi, int coll) {
        command(0x0A | (long) devid << 32, event & 0xffff_ffffL | (long) vlpi << 32, coll, 0);
    }

    void inv(int devid, int event) {
        command(0x0C | (long) devid << 32, event, 0, 0);
    }

    /** Dom0 enables vLPI {@code vlpi} in its property table (then an INV makes Xen read it). */
    void enableVlpi(int vlpi) {
        ram.store(DOM0_PROP + vlpi - 8192, 1, 0xa0 | 2 | 1);
    }

    /** A device's MSI: DeviceID on the bus, EventID as data, to the host doorbell. */
    MemResult msi(int devid, int event) {
        MemoryTransaction tx = new MemoryTransaction().write(ITS + 0x10040, 4, event).asMsi();
        tx.deviceId = devid;
        bus.access(tx);
        return tx.result;
    }

    private record Region(long base, long size, MmioHandler handler) {
    }

    /** The system address space: a few regions, architected answers elsewhere. */
    private static final class Bus implements AddressSpace {
        private final List<Region> regions;

        Bus(List<Region> regions) {
            this.regions = new ArrayList<>(regions);
        }

        @Override
        public void access(MemoryTransaction tx) {
            for (Region r : regions) {
                if (tx.address >= r.base() && tx.address < r.base() + r.size()) {
                    tx.offset = tx.address - r.base();
                    r.handler().access(tx);
                    return;
                }
            }
            if (!tx.write) {
                tx.data = -1;
            }
            tx.fail(MemResult.DECODE_ERROR);
        }
    }
}
