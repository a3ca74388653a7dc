package org.trapdoor.benchmarks;

import java.util.List;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.iommu.Iommu;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiAccounting;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.pci.PciConfig;
import org.trapdoor.api.pci.PciUpstream;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.core.Presets;
import org.trapdoor.core.bus.Ram;
import org.trapdoor.core.bus.SystemBus;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.gicv3.Gicv3;
import org.trapdoor.hw.gicv3.Gicv3Driver;
import org.trapdoor.hw.gicv3.its.Its;
import org.trapdoor.hw.gicv3.its.ItsDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;
import org.trapdoor.hw.smmuv3.Smmuv3;
import org.trapdoor.hw.smmuv3.Smmuv3Driver;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.hw.testdev.TestDeviceFactory;
import org.trapdoor.testkit.Lpae4kTables;

/**
 * The MSI path's two rigs, programmed the same way: the guest's set-up of core's
 * {@code MsiPathTest} (GICv3 with LPIs 8192.. enabled on CPU 0, flat ITS device and collection
 * tables, a 4 KiB command queue, MAPC/MAPD/MAPTI for events 0..3 of DeviceID 0x0008, the
 * testdev's MSI-X vectors 0..3 pointing at GITS_TRANSLATER with data = EventID), written through
 * whatever {@link Bus} the rig offers.
 *
 * <p>Both rigs have the SMMUv3 that {@code virt}'s {@code iommu-map} puts in the device's path,
 * either as software leaves it after reset (SMMUEN = 0, GBPA bypass: every MSI crosses it
 * untranslated, the doorbell is the ITS's physical address) or, with {@code translated}, enabled
 * with StreamID 8 on stage 1 and the vectors pointing at the doorbell's IOVA {@link #MSI_IOVA}.
 *
 * <p>Addresses are those of {@code presets/virt.dts}.
 */
final class MsiRig {
    static final long RAM = 0x4000_0000L;
    static final long RAM_SIZE = 0x4000_0000L;
    static final long PROP = RAM + 0x10_0000;
    static final long PEND = RAM + 0x20_0000;
    static final long CMDQ = RAM + 0x30_0000;
    static final long DT = RAM + 0x31_0000;
    static final long CT = RAM + 0x32_0000;
    static final long ITT = RAM + 0x33_0000;

    static final long GICD = 0x0800_0000L;
    static final long GICR = 0x080a_0000L;
    static final long GICR_SIZE = 0xf6_0000L;
    static final long ITS = 0x0808_0000L;
    static final long ITS_SIZE = 0x2_0000L;
    static final long ITS_DOORBELL = ITS + 0x1_0040;
    static final long SMMU = 0x0905_0000L;
    static final long SMMU_SIZE = 0x2_0000L;
    static final String SMMU_PATH = "/iommu@9050000";
    static final long BAR2 = 0x80_0000_0000L;
    static final int FIRST_LPI = 8192;
    /** 00:01.0: DeviceID 0x0008 through virt's identity msi-map. */
    static final int DEVFN = 0x08;
    static final int VECTORS = 4;
    static final String DEVICE_SPEC = "testdev,addr=01.0,msi=4,msix=" + VECTORS;

    // The SMMU's guest structures when it translates (stage 1): its queues, a linear stream
    // table, StreamID 8's CD, and page tables from a bump allocator over still-zero RAM.
    static final long SMMU_CMDQ = RAM + 0x34_0000;
    static final long SMMU_EVTQ = RAM + 0x35_0000;
    static final long SMMU_STRTAB = RAM + 0x36_0000;
    static final long SMMU_CD = RAM + 0x37_0000;
    static final long SMMU_TABLES = RAM + 0x38_0000;
    /**
     * Where the guest maps the ITS doorbell page in a function's DMA domain: the domain's first
     * IOVA, top-down below the 32-bit DMA mask ({@code iommu_dma_get_msi_page}).
     */
    static final long MSI_IOVA = 0xFFFF_F000L;
    /** GITS_TRANSLATER as the device writes it when the SMMU translates. */
    static final long MSI_IOVA_DOORBELL = MSI_IOVA + (ITS_DOORBELL & 0xfff);

    private MsiRig() {
    }

    /** How set-up reaches the machine: MMIO writes, RAM stores, config writes of 00:01.0. */
    interface Bus {
        void mmio(long address, int size, long value);

        PhysicalMemory memory();

        void config(int offset, int size, long value);
    }

    /**
     * The guest's CPU 0: takes each interrupt when signalled (acknowledge, count by LPI, EOI)
     * through the controller it was given at set-up, as a handler would. Allocation-free.
     */
    static final class CountingCpu implements InterruptSink {
        private InterruptController gic;
        final long[] taken = new long[VECTORS];
        long total;

        void use(InterruptController g) {
            gic = g;
        }

        @Override
        public void interruptPending(int cpu, int intid) {
            InterruptController g = gic;
            for (int id = g.acknowledge(cpu); id != InterruptController.SPURIOUS; id = g.acknowledge(cpu)) {
                taken[(id - FIRST_LPI) & (VECTORS - 1)]++;
                total++;
                g.endOfInterrupt(cpu, id);
            }
        }
    }

    /**
     * Programs GIC, ITS and the device's MSI-X exactly as MsiPathTest's guest does; with
     * {@code translated}, first enables the SMMU with StreamID 8 on stage 1 mapping the doorbell
     * page at {@link #MSI_IOVA}, and points the MSI-X vectors at that IOVA instead.
     */
    static void program(Bus b, boolean translated) {
        if (translated) {
            programSmmu(b);
        }
        // GICv3: 64 LPIs enabled at priority 0xa0, Group 1 on, LPIs on at CPU 0's redistributor.
        PhysicalMemory mem = b.memory();
        for (int i = 0; i < 64; i++) {
            mem.store(PROP + i, 1, 0xa1);
        }
        b.mmio(GICD, 4, 0x2);
        b.mmio(GICR + 0x70, 8, PROP | 15);
        b.mmio(GICR + 0x78, 8, PEND);
        b.mmio(GICR, 4, 1);
        // ITS: flat tables, 4 KiB queue, enabled; MAPC ICID 0 -> CPU 0.
        b.mmio(ITS + 0x100, 8, (1L << 63) | DT);
        b.mmio(ITS + 0x108, 8, (1L << 63) | CT);
        b.mmio(ITS + 0x080, 8, (1L << 63) | CMDQ);
        b.mmio(ITS + 0x088, 8, 0);
        b.mmio(ITS, 4, 1);
        long[] cwriter = {0};
        command(b, cwriter, 0x09, 0, 1L << 63, 0);
        // MAPD DeviceID 8 with a 32-entry ITT, then MAPTI event e -> LPI 8192 + e.
        command(b, cwriter, 0x08 | ((long) DEVFN << 32), 4, (1L << 63) | ITT, 0);
        for (int e = 0; e < VECTORS; e++) {
            command(b, cwriter, 0x0A | ((long) DEVFN << 32), e | ((long) (FIRST_LPI + e) << 32), 0, 0);
        }
        // The device: BAR2 (MSI-X table) at 0x80_0000_0000, memory decoding and bus mastering on.
        b.config(0x18, 4, BAR2 & 0xffff_ffffL);
        b.config(0x1c, 4, BAR2 >>> 32);
        b.config(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
        long doorbell = translated ? MSI_IOVA_DOORBELL : ITS_DOORBELL;
        for (int v = 0; v < VECTORS; v++) {
            long e = BAR2 + v * 16L;
            b.mmio(e, 4, doorbell & 0xffff_ffffL);
            b.mmio(e + 4, 4, doorbell >>> 32);
            b.mmio(e + 8, 4, v);
            b.mmio(e + 12, 4, 0);
        }
        b.config(TestDevice.MSIX_CAP + 2, 2, PciConfig.MSIX_FLAGS_ENABLE);
    }

    /**
     * What Linux's arm-smmu-v3 driver does at probe and when it attaches the device to a DMA
     * domain (as {@link IommuRig} does): queues, a linear 256-entry stream table, IRQ_CTRL, CR0;
     * STE 8 = stage 1 through one CD (48-bit input, 4 KiB granule) whose tables map the ITS's
     * GITS_TRANSLATER page at {@link #MSI_IOVA}, as iommu-dma's MSI cookie does.
     */
    private static void programSmmu(Bus b) {
        PhysicalMemory mem = b.memory();
        long[] next = {SMMU_TABLES};
        Lpae4kTables pt = new Lpae4kTables(mem, size -> {
            long at = next[0];
            next[0] += size;
            return at; // RAM not touched before: zero, and 4 KiB aligned
        }, 0);
        pt.page(MSI_IOVA, ITS_DOORBELL & ~0xfffL, 0);
        mem.store64(SMMU_CD, 16 | 1L << 31 | 5L << 32 | 1L << 41 | 1L << 45 | 1L << 46 | 1L << 48);
        mem.store64(SMMU_CD + 8, pt.root);
        mem.store64(SMMU_STRTAB + DEVFN * 64L, 1 | 5L << 1 | SMMU_CD);
        b.mmio(SMMU + IommuRig.CMDQ_BASE, 8, SMMU_CMDQ | IommuRig.CMDQ_LOG2);
        b.mmio(SMMU + IommuRig.CMDQ_PROD, 4, 0);
        b.mmio(SMMU + IommuRig.CMDQ_CONS, 4, 0);
        b.mmio(SMMU + IommuRig.EVTQ_BASE, 8, SMMU_EVTQ | IommuRig.EVTQ_LOG2);
        b.mmio(SMMU + IommuRig.EVTQ_PROD, 4, 0);
        b.mmio(SMMU + IommuRig.EVTQ_CONS, 4, 0);
        b.mmio(SMMU + IommuRig.STRTAB_BASE, 8, SMMU_STRTAB);
        b.mmio(SMMU + IommuRig.STRTAB_BASE_CFG, 4, IommuRig.STRTAB_LINEAR_256);
        b.mmio(SMMU + IommuRig.IRQ_CTRL, 4, IommuRig.IRQ_CTRL_GERROR | IommuRig.IRQ_CTRL_EVTQ);
        b.mmio(SMMU + IommuRig.CR0, 4, IommuRig.CR0_CMDQEN | IommuRig.CR0_EVTQEN);
        b.mmio(SMMU + IommuRig.CR0, 4, IommuRig.CR0_CMDQEN | IommuRig.CR0_EVTQEN | IommuRig.CR0_SMMUEN);
    }

    private static void command(Bus b, long[] cwriter, long dw0, long dw1, long dw2, long dw3) {
        long a = CMDQ + cwriter[0];
        PhysicalMemory mem = b.memory();
        mem.store64(a, dw0);
        mem.store64(a + 8, dw1);
        mem.store64(a + 16, dw2);
        mem.store64(a + 24, dw3);
        cwriter[0] = (cwriter[0] + 32) % 4096;
        b.mmio(ITS + 0x088, 8, cwriter[0]);
    }

    private static void expectOk(MemResult r, long address) {
        if (r != MemResult.OK) {
            throw new IllegalStateException(String.format("set-up write 0x%x -> %s", address, r));
        }
    }

    /**
     * The {@code virt} preset with the real ECAM, GICv3, ITS and SMMUv3 drivers (the launcher's
     * set) and a testdev, programmed. Without the SMMUv3 driver the bridge's {@code iommu-map}
     * would name an unbound node and every MSI would be dropped as {@code IOMMU_UNBOUND}.
     */
    static final class Composed {
        final ComposedMachine machine;
        final TestDevice device;
        final CountingCpu cpu = new CountingCpu();

        Composed() {
            this(false);
        }

        /** @param translated SMMU enabled, MSIs through stage 1 (else the SMMU at reset, bypass) */
        Composed(boolean translated) {
            machine = Rigs.msiMachine("virt", true);
            machine.attach(DEVICE_SPEC);
            device = (TestDevice) machine.msiSources().get(0);
            cpu.use(machine.interruptControllers().get(machine.rootInterruptController()));
            machine.attachSink(null, cpu);
            program(new Bus() {
                @Override
                public void mmio(long address, int size, long value) {
                    expectOk(machine.system().write(address, size, value), address);
                }

                @Override
                public PhysicalMemory memory() {
                    return machine.memory();
                }

                @Override
                public void config(int offset, int size, long value) {
                    mmio(Rigs.ECAM_BASE + ((long) DEVFN << 12) + offset, size, value);
                }
            }, translated);
        }

        InterruptCounters ledger() {
            return machine.msiLedger();
        }
    }

    /**
     * The same model classes wired by hand: the device's upstream passes each write through an
     * {@code Smmuv3} at reset (StreamID = requester ID, virt's identity iommu-map) and hands it
     * straight to the ITS's frame handler (offset set, requester and DeviceID stamped as the
     * bridge's msi-map would), the ITS reaches the GIC through a fixed reference, the GIC signals
     * the same kind of CPU. No composer, no node slot, no address space on the MSI path.
     */
    static final class HandWired {
        final Ram ram = new Ram(List.of(new long[] {RAM, RAM_SIZE}));
        /** Set-up only: an address space over the same models, so the guest's writes read alike. */
        final SystemBus setup = new SystemBus();
        final Smmuv3 smmu = new Smmuv3(SMMU_PATH, ram, setup);
        final Gicv3 gic = new Gicv3("/intc@8000000", 256, new long[] {0, 1}, ram);
        final InterruptCounters ledger = new InterruptCounters();
        final Its its = new Its("/intc@8000000/msi-controller@8080000", ITS, ram, new FixedRef<>(gic), ledger);
        final TestDevice device = new TestDevice(TestDeviceFactory.DEFAULT_MSI, VECTORS);
        final CountingCpu cpu = new CountingCpu();

        HandWired() {
            this(false);
        }

        /** @param translated SMMU enabled, MSIs through stage 1 (else the SMMU at reset, bypass) */
        HandWired(boolean translated) {
            MmioHandler doorbell = its.region(0);
            device.connect(new DirectUpstream(DEVFN, smmu, ITS, doorbell, ledger));
            cpu.use(gic);
            gic.connect(cpu);
            setup.map(GICD, 0x1_0000, "gicd", gic.region(0));
            setup.map(GICR, GICR_SIZE, "gicr", gic.region(1));
            setup.map(ITS, ITS_SIZE, "its", doorbell);
            setup.map(SMMU, SMMU_SIZE, "smmu", smmu.region(0));
            setup.map(RAM, RAM_SIZE, "ram", ram);
            setup.map(BAR2, 0x1_0000, "bar2", tx -> {
                if (!device.decodeMemory(tx)) {
                    tx.fail(MemResult.DECODE_ERROR);
                }
            });
            program(new Bus() {
                @Override
                public void mmio(long address, int size, long value) {
                    expectOk(setup.write(address, size, value), address);
                }

                @Override
                public PhysicalMemory memory() {
                    return ram;
                }

                @Override
                public void config(int offset, int size, long value) {
                    device.configWrite(offset, size, (int) value);
                }
            }, translated);
        }
    }

    /**
     * The device's link wired through the SMMU straight to the ITS frame: what a machine without
     * a composer would do. A transaction the SMMU aborts is counted as the machine's port counts it.
     */
    static final class DirectUpstream implements PciUpstream, MsiAccounting {
        private final int rid;
        private final Iommu iommu;
        private final long itsBase;
        private final MmioHandler its;
        private final InterruptCounters ledger;

        DirectUpstream(int rid, Iommu iommu, long itsBase, MmioHandler its, InterruptCounters ledger) {
            this.rid = rid;
            this.iommu = iommu;
            this.itsBase = itsBase;
            this.its = its;
            this.ledger = ledger;
        }

        @Override
        public int requesterId() {
            return rid;
        }

        @Override
        public void send(MemoryTransaction tx) {
            tx.requesterId = rid;
            tx.deviceId = rid; // virt's msi-map is the identity
            tx.streamId = rid; // and so is its iommu-map
            iommu.translate(tx);
            if (!tx.ok()) {
                if (tx.msi) {
                    tx.msi = false;
                    ledger.recordDropped(DropReason.IOMMU_FAULT);
                }
                return;
            }
            long off = tx.address - itsBase;
            if (off >= 0 && off < ITS_SIZE) {
                tx.offset = off;
                its.access(tx);
            } else {
                tx.fail(MemResult.DECODE_ERROR);
            }
            if (tx.msi) {
                tx.msi = false;
                ledger.recordDropped(DropReason.NO_DOORBELL);
            }
        }

        @Override
        public InterruptCounters msiLedger() {
            return ledger;
        }
    }

    /** A model reference that never changes. */
    private record FixedRef<T extends org.trapdoor.api.model.DeviceModel>(T model) implements ModelRef<T> {
        @Override
        public T get() {
            return model;
        }

        @Override
        public DtNode node() {
            return null;
        }
    }
}
