package org.trapdoor.guest.irqchip;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;
import org.trapdoor.guest.printk.BootLog;

/**
 * The MSI domain of one {@code arm,gic-v3-its} node, following {@code irq-gic-v3-its.c}:
 * <ol>
 * <li>probe: GITS_PIDR2 must say GICv3/v4; GITS_TYPER gives the ITT entry size, DeviceID and
 *     EventID bits, PTA; the ITS is quiesced if it was enabled ({@code its_force_quiescent});</li>
 * <li>tables ({@code its_alloc_tables}): each GITS_BASERn of type Device or Collection gets
 *     zeroed RAM in ITS pages of the largest size the ITS takes ({@code its_probe_baser_psz}, 64
 *     KiB first). The Collection table is one page. The Device table is two-level when
 *     {@code its_parse_indirect_baser} makes it so: the flat table would exceed two pages and the
 *     ITS keeps the Indirect bit written to it; the level-1 table then covers the DeviceID space
 *     at 8 bytes per level-2 page, and level-2 pages are allocated when a DeviceID is first
 *     mapped ({@code its_alloc_table_entry});</li>
 * <li>the 64 KiB command queue (GITS_CBASER), then GITS_CTLR.Enabled;</li>
 * <li>per CPU ({@code its_cpu_init_collection}): MAPC(ICID = CPU, RDbase per PTA) and INVALL,
 *     each followed by a SYNC;</li>
 * <li>per function ({@code its_pci_msi_prepare}, {@code its_create_device}): the DeviceID from
 *     the host's {@code msi-map}; the vectors the function has (the MSI-X table size), rounded up
 *     to a power of two and at least 32 for DeviceID 0 (where unwired DeviceIDs alias); an ITT
 *     of that many events (at least two); that many LPIs from the shared first-fit range
 *     allocator ({@code its_lpi_alloc}, halving the request when no range holds it); MAPD;</li>
 * <li>per vector ({@code its_irq_domain_activate}, {@code its_unmask_irq}): the least-loaded CPU
 *     ({@code its_select_cpu}), MAPTI(EventID, LPI, that CPU's collection) and SYNC, the LPI's
 *     configuration byte enabled, INV and SYNC.</li>
 * </ol>
 * The message of vector {@code i} is address = ITS base + GITS_TRANSLATER, data = its EventID;
 * behind an IOMMU the address is the translater's IOVA the request's doorbell mapping gives
 * ({@code iommu_dma_prepare_msi}, after MAPD as in {@code its_irq_domain_alloc}).
 */
public final class IrqGicv3Its implements MsiDomain {
    static final int GITS_CTLR = 0x000;
    static final int GITS_TYPER = 0x008;
    static final int GITS_BASER = 0x100;
    static final int GITS_PIDR2 = 0xFFE8;
    public static final int GITS_TRANSLATER = 0x10040;
    static final long CTLR_QUIESCENT = 1L << 31;
    static final int TYPE_DEVICE = 1;
    static final int TYPE_COLLECTION = 4;
    static final long BASER_VALID = 1L << 63;
    static final long BASER_INDIRECT = 1L << 62;
    /** InnerShareable and RaWaWb cacheability: what Linux asks for ({@code its_alloc_tables}). */
    static final long BASER_SHR_INNER = 1L << 10;
    static final long BASER_CACHE_RAWAWB = 7L << 59;
    static final long BASER_SHR_MASK = 3L << 10;
    static final long BASER_PSZ_MASK = 3L << 8;
    /** Page_Size field values: 4 KiB, 16 KiB, 64 KiB. */
    static final long[] PAGE_SIZES = {0x10000, 0x4000, 0x1000};
    static final long[] PAGE_SIZE_CODES = {2, 1, 0};
    /** {@code GITS_LVL1_ENTRY_SIZE}. */
    static final int LVL1_ENTRY_SIZE = 8;
    /** {@code GITS_BASER_PAGES_MAX}. */
    static final int BASER_PAGES_MAX = 256;
    /** {@code MAX_PAGE_ORDER} with 4 KiB pages: no table is larger than 4 MiB. */
    static final long MAX_TABLE_BYTES = 4096L << 10;
    /** Linux's ITS_ITT_ALIGN. */
    static final int ITT_ALIGN = 256;
    /** Events given to DeviceID 0 at least ({@code its_pci_msi_prepare}'s {@code minnvec}). */
    static final int DEVICE_ID_0_EVENTS = 32;

    /** One DeviceID the domain mapped ({@code struct its_device}). */
    private static final class ItsDevice {
        final int deviceId;
        final int lpiBase;
        final int nrLpis;
        /** EventID to the CPU whose collection it targets, or -1 while unmapped. */
        final int[] cpuOfEvent;

        ItsDevice(int deviceId, int lpiBase, int nrLpis) {
            this.deviceId = deviceId;
            this.lpiBase = lpiBase;
            this.nrLpis = nrLpis;
            this.cpuOfEvent = new int[nrLpis];
            java.util.Arrays.fill(cpuOfEvent, -1);
        }
    }

    private final DtNode node;
    private final IrqChip chip;
    private final Mmio mmio;
    private final PageAllocator pages;
    private final LpiRanges lpis;
    private final CpuLpiLoad load;
    private final BootLog log;
    private final Map<Integer, ItsDevice> devices = new HashMap<>();
    private long base;
    private ItsCommandQueue queue;
    private int itteSize;
    private int deviceBits;
    private int eventBits;
    private boolean pta;
    /** The Device table: none (-1 base) until a GITS_BASERn of that type is set up. */
    private long deviceTable = -1;
    private long deviceTableBytes;
    private long devicePsz;
    private int deviceEsz;
    private boolean deviceIndirect;
    private long[] rdbase;

    /**
     * @param lpis the kernel's LPI ranges, shared by every ITS
     * @param load the CPUs' LPI counts, shared by every ITS
     */
    public IrqGicv3Its(DtNode node, IrqChip chip, Mmio mmio, PageAllocator pages, LpiRanges lpis, CpuLpiLoad load,
            BootLog log) {
        this.node = node;
        this.chip = chip;
        this.mmio = mmio;
        this.pages = pages;
        this.lpis = lpis;
        this.load = load;
        this.log = log;
    }

    @Override
    public String kind() {
        return "ITS";
    }

    @Override
    public String node() {
        return node.path();
    }

    /** The doorbell every vector writes to. */
    public long translater() {
        return base + GITS_TRANSLATER;
    }

    @Override
    public void init() {
        List<RegEntry> reg = node.reg();
        if (reg.isEmpty()) {
            throw new IllegalStateException(node.path() + ": no reg");
        }
        base = reg.get(0).address();
        int arch = (mmio.read32(base + GITS_PIDR2) >>> 4) & 0xf;
        if (arch != 3 && arch != 4) {
            throw new IllegalStateException(String.format("ITS@0x%x: No ITS detected, giving up", base));
        }
        if (!chip.lpisEnabled()) {
            throw new IllegalStateException(String.format("ITS@0x%x: the GIC (%s) has no LPIs enabled", base, chip.kind()));
        }
        long typer = mmio.read64(base + GITS_TYPER);
        itteSize = (int) ((typer >>> 4) & 0xf) + 1;
        eventBits = (int) ((typer >>> 8) & 0x1f) + 1;
        deviceBits = (int) ((typer >>> 13) & 0x1f) + 1;
        pta = (typer & (1L << 19)) != 0;
        quiesce();
        for (int n = 0; n < 8; n++) {
            setupBaser(n);
        }
        queue = new ItsCommandQueue(base, mmio, pages);
        queue.init();
        mmio.write32(base + GITS_CTLR, 1);
        if ((mmio.read32(base + GITS_CTLR) & 1) == 0) {
            throw new IllegalStateException(String.format("ITS@0x%x: GITS_CTLR.Enabled did not stick", base));
        }
        log.info("ITS@0x%x: %d-bit DeviceIDs, %d-bit EventIDs, ITT entry %d bytes, PTA=%d, cmd queue @0x%x",
                base, deviceBits, eventBits, itteSize, pta ? 1 : 0, queue.base());
        List<IrqChip.Redistributor> rds = chip.redistributors();
        int cpus = Math.min(rds.size(), load.cpus());
        rdbase = new long[cpus];
        for (IrqChip.Redistributor r : rds) {
            if (r.cpu() >= cpus) {
                continue;
            }
            // its_cpu_init_collection: collection ID = CPU number.
            rdbase[r.cpu()] = pta ? r.frame() : (long) r.processorNumber() << 16;
            queue.mapc(r.cpu(), rdbase[r.cpu()], true);
            queue.invall(r.cpu(), rdbase[r.cpu()]);
        }
    }

    /** {@code its_force_quiescent}: a running ITS is disabled and waited for before its tables change. */
    private void quiesce() {
        int ctlr = mmio.read32(base + GITS_CTLR);
        if ((ctlr & 1) == 0) {
            return;
        }
        mmio.write32(base + GITS_CTLR, ctlr & ~1);
        for (int i = 0; i < ItsCommandQueue.POLL_LIMIT; i++) {
            if ((mmio.read32(base + GITS_CTLR) & CTLR_QUIESCENT) != 0) {
                return;
            }
        }
        throw new IllegalStateException(String.format("ITS@0x%x: failed to quiesce, giving up", base));
    }

    private long baserAddress(int n) {
        return base + GITS_BASER + 8L * n;
    }

    /** {@code its_probe_baser_psz}: the largest ITS page size the register takes, 64 KiB first. */
    private long probePageSize(int n) {
        long reg = baserAddress(n);
        for (int i = 0; i < PAGE_SIZES.length; i++) {
            long val = mmio.read64(reg) & ~BASER_PSZ_MASK;
            mmio.write64(reg, val | PAGE_SIZE_CODES[i] << 8);
            if (((mmio.read64(reg) & BASER_PSZ_MASK) >>> 8) == PAGE_SIZE_CODES[i]) {
                return PAGE_SIZES[i];
            }
        }
        throw new IllegalStateException(String.format("ITS@0x%x: GITS_BASER%d takes no page size", base, n));
    }

    /**
     * {@code its_alloc_tables} for one register: page size, {@code its_parse_indirect_baser} for
     * the Device table, then {@code its_setup_baser}.
     */
    private void setupBaser(int n) {
        long reg = baserAddress(n);
        long val = mmio.read64(reg);
        int type = (int) ((val >>> 56) & 7);
        if (type != TYPE_DEVICE && type != TYPE_COLLECTION) {
            return;
        }
        int esz = (int) ((val >>> 48) & 0x1f) + 1;
        long psz = probePageSize(n);
        long bytes = psz; // get_order(psz): one ITS page
        boolean indirect = false;
        if (type == TYPE_DEVICE) {
            int ids = deviceBits;
            int entry = esz;
            // No need for indirection when the flat table takes at most two pages.
            if ((long) esz << ids > psz * 2) {
                mmio.write64(reg, BASER_SHR_INNER | BASER_CACHE_RAWAWB | BASER_INDIRECT);
                indirect = (mmio.read64(reg) & BASER_INDIRECT) != 0;
                if (indirect) {
                    // Level 2 is one ITS page of entries; level 1 covers the rest of the ID bits.
                    ids -= Long.numberOfTrailingZeros(psz / esz);
                    entry = LVL1_ENTRY_SIZE;
                }
            }
            bytes = Math.max(pageOrderBytes((long) entry << ids), pageOrderBytes(psz));
            if (bytes > MAX_TABLE_BYTES) {
                bytes = MAX_TABLE_BYTES;
                log.warn("ITS@0x%x: Devices Table too large, reduce ids %d->%d", base, deviceBits,
                        63 - Long.numberOfLeadingZeros(bytes / entry));
            }
        }
        long alloc = bytes / psz;
        if (alloc > BASER_PAGES_MAX) {
            log.warn("ITS@0x%x: %s too large, reduce ITS pages %d->%d", base, typeName(type), alloc, BASER_PAGES_MAX);
            alloc = BASER_PAGES_MAX;
            bytes = pageOrderBytes(BASER_PAGES_MAX * psz);
        }
        long table = pages.allocate(bytes, Math.max(psz, PageAllocator.PAGE));
        long shr = BASER_SHR_INNER;
        long cache = BASER_CACHE_RAWAWB;
        long back;
        long value;
        for (int attempt = 0;; attempt++) {
            value = BASER_VALID | (indirect ? BASER_INDIRECT : 0) | cache | (val & (0x7L << 56 | 0x1FL << 48))
                    | (table & 0x0000_FFFF_FFFF_F000L) | shr | PAGE_SIZE_CODES[indexOf(psz)] << 8 | (alloc - 1);
            mmio.write64(reg, value);
            back = mmio.read64(reg);
            if (attempt == 0 && ((value ^ back) & BASER_SHR_MASK) != 0) {
                // Shareability did not stick: use what the ITS reports (non-cacheable if none).
                shr = back & BASER_SHR_MASK;
                cache = shr == 0 ? 1L << 59 : cache;
                continue;
            }
            break;
        }
        if (value != back) {
            throw new IllegalStateException(String.format("ITS@0x%x: %s doesn't stick: 0x%x 0x%x", base, typeName(type),
                    value, back));
        }
        log.info("ITS@0x%x: allocated %d %s @0x%x (%s, esz %d, psz %dK, shr %d)", base,
                bytes / (indirect ? LVL1_ENTRY_SIZE : esz), typeName(type), table, indirect ? "indirect" : "flat", esz,
                psz / 1024, shr >>> 10);
        if (type == TYPE_DEVICE) {
            deviceTable = table;
            deviceTableBytes = bytes;
            devicePsz = psz;
            deviceEsz = esz;
            deviceIndirect = indirect;
        }
    }

    private static int indexOf(long psz) {
        for (int i = 0; i < PAGE_SIZES.length; i++) {
            if (PAGE_SIZES[i] == psz) {
                return i;
            }
        }
        throw new IllegalArgumentException("page size " + psz);
    }

    /** {@code PAGE_ORDER_TO_SIZE(get_order(bytes))}: 4 KiB pages, a power of two of them. */
    private static long pageOrderBytes(long bytes) {
        long pagesNeeded = Math.max(1, (bytes + PageAllocator.PAGE - 1) / PageAllocator.PAGE);
        return PageAllocator.PAGE * (Long.bitCount(pagesNeeded) == 1 ? pagesNeeded : Long.highestOneBit(pagesNeeded) << 1);
    }

    private static String typeName(int type) {
        return type == TYPE_DEVICE ? "Devices" : "Interrupt Collections";
    }

    /** The DeviceID of a requester: its {@code msi-map} image for this ITS, or the RID itself without a map. */
    private int deviceId(MsiRequest r) {
        IdMap map = r.host().msiMap();
        if (map == null || map.entries().isEmpty()) {
            return r.rid();
        }
        IdMap.Result res = map.map(r.rid(), node);
        if (!res.translated()) {
            throw new IllegalStateException(String.format("%s: msi-map has no entry for RID 0x%04x towards %s",
                    r.host().path(), r.rid(), node.path()));
        }
        return (int) res.id();
    }

    /**
     * {@code its_alloc_device_table} / {@code its_alloc_table_entry}: whether {@code deviceId} has
     * room in the Device table; in a two-level table the level-2 page holding it is allocated
     * (zeroed, one ITS page) and its level-1 entry made valid on first use.
     */
    private boolean allocTableEntry(int deviceId) {
        long id = Integer.toUnsignedLong(deviceId);
        if (deviceTable < 0) {
            return id >>> deviceBits == 0;
        }
        if (!deviceIndirect) {
            return id < deviceTableBytes / deviceEsz;
        }
        long idx = id >>> Long.numberOfTrailingZeros(devicePsz / deviceEsz);
        if (idx >= deviceTableBytes / LVL1_ENTRY_SIZE) {
            return false;
        }
        long l1 = deviceTable + idx * LVL1_ENTRY_SIZE;
        if (mmio.read64(l1) == 0) {
            long page = pages.allocate(devicePsz, Math.max(devicePsz, PageAllocator.PAGE));
            pages.store(l1, 8, page | BASER_VALID);
            log.info("ITS@0x%x: level-2 Device table page @0x%x for DeviceIDs 0x%x..0x%x", base, page,
                    idx * (devicePsz / deviceEsz), (idx + 1) * (devicePsz / deviceEsz) - 1);
        }
        return true;
    }

    /**
     * Allocates and maps the vectors: {@code its_pci_msi_prepare} (how many events),
     * {@code its_create_device} (table entry, ITT, LPIs, MAPD), then per vector
     * {@code its_irq_domain_alloc}/{@code activate}/{@code unmask}.
     */
    @Override
    public synchronized MsiBlock allocate(MsiRequest r) {
        int deviceId = deviceId(r);
        if (Integer.toUnsignedLong(deviceId) >= 1L << deviceBits) {
            throw new IllegalStateException(String.format("%s: DeviceID 0x%x beyond the ITS's %d bits", r.bdf(), deviceId,
                    deviceBits));
        }
        if (devices.containsKey(deviceId)) {
            throw new IllegalStateException(String.format("%s: DeviceID 0x%x is already mapped for another function",
                    r.bdf(), deviceId));
        }
        int nvec = Math.max(deviceId == 0 ? DEVICE_ID_0_EVENTS : 1, IntidBitmap.roundUpPow2(r.vectors()));
        int nrItes = Math.max(2, nvec);
        if (Integer.numberOfTrailingZeros(nrItes) > eventBits) {
            throw new IllegalStateException(String.format("%s: %d events exceed the ITS's %d EventID bits", r.bdf(),
                    nrItes, eventBits));
        }
        if (!allocTableEntry(deviceId)) {
            throw new IllegalStateException(String.format("%s: DeviceID 0x%x does not fit the ITS's Device table",
                    r.bdf(), deviceId));
        }
        // its_lpi_alloc: the whole request if a range holds it, else half, and so on.
        int nrLpis = nvec;
        int lpiBase = -1;
        while (nrLpis > 0 && (lpiBase = lpis.allocate(nrLpis)) < 0) {
            nrLpis /= 2;
        }
        if (lpiBase < 0) {
            throw new IllegalStateException(r.bdf() + ": no free LPIs");
        }
        ItsDevice dev = new ItsDevice(deviceId, lpiBase, nrLpis);
        long itt = pages.allocate(Math.max(ITT_ALIGN, (long) nrItes * itteSize), ITT_ALIGN);
        try {
            queue.mapd(deviceId, Integer.numberOfTrailingZeros(nrItes) - 1, itt, true);
            log.info("ITS@0x%x: %s: DeviceID 0x%x, ITT %d entries @0x%x, LPIs %d..%d", base, r.bdf(), deviceId, nrItes,
                    itt, lpiBase, lpiBase + nrLpis - 1);
            if (r.vectors() > nrLpis) {
                throw new IllegalStateException(String.format("%s: %d vectors but only %d LPIs could be had", r.bdf(),
                        r.vectors(), nrLpis));
            }
            long address = r.doorbell().applyAsLong(translater());
            List<MsiMessage> messages = new ArrayList<>();
            // EventIDs from 0: MSI-X vectors one by one, multi-MSI as one aligned block from 0.
            for (int event = 0; event < r.vectors(); event++) {
                int lpi = lpiBase + event;
                int cpu = load.select();
                dev.cpuOfEvent[event] = cpu;
                queue.mapti(deviceId, event, lpi, cpu, rdbase[cpu]);
                chip.setLpiConfig(lpi, true);
                queue.inv(deviceId, event, rdbase[cpu]);
                messages.add(new MsiMessage(address, event, lpi));
            }
            MsiBlock b = new MsiBlock(deviceId, lpiBase, nrLpis, messages);
            devices.put(deviceId, dev);
            return b;
        } catch (RuntimeException e) {
            // msi_domain_alloc_irqs failing: what was mapped is torn down as on free, best effort
            // (the queue itself may be what failed).
            try {
                for (int event = 0; event < dev.cpuOfEvent.length; event++) {
                    if (dev.cpuOfEvent[event] >= 0) {
                        chip.setLpiConfig(lpiBase + event, false);
                        queue.discard(deviceId, event, rdbase[dev.cpuOfEvent[event]]);
                    }
                }
                queue.mapd(deviceId, 0, 0, false);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            release(dev);
            throw e;
        }
    }

    private void release(ItsDevice dev) {
        for (int cpu : dev.cpuOfEvent) {
            if (cpu >= 0) {
                load.release(cpu);
            }
        }
        lpis.free(dev.lpiBase, dev.nrLpis);
    }

    @Override
    public synchronized void forget(MsiBlock b) {
        ItsDevice dev = devices.remove(b.deviceId());
        if (dev == null) {
            return;
        }
        try {
            for (MsiMessage m : b.messages()) {
                chip.setLpiConfig(m.intid(), false);
            }
        } finally {
            release(dev);
        }
    }

    /**
     * Per vector {@code its_mask_irq} (configuration byte disabled, INV, SYNC) and
     * {@code its_irq_domain_deactivate} (DISCARD, SYNC); then, the device's last interrupt gone,
     * MAPD with V = 0 and its LPIs back to the ranges ({@code its_irq_domain_free}).
     */
    @Override
    public synchronized void free(MsiBlock b) {
        ItsDevice dev = devices.remove(b.deviceId());
        if (dev == null) {
            return;
        }
        try {
            for (int event = 0; event < b.messages().size(); event++) {
                int cpu = dev.cpuOfEvent[event];
                chip.setLpiConfig(b.messages().get(event).intid(), false);
                queue.inv(b.deviceId(), event, rdbase[cpu]);
                queue.discard(b.deviceId(), event, rdbase[cpu]);
            }
            queue.mapd(b.deviceId(), 0, 0, false);
        } finally {
            release(dev);
        }
    }
}
