package org.trapdoor.guest.msi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.IdMap;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.guest.BootLog;
import org.trapdoor.guest.irq.IrqChip;
import org.trapdoor.guest.mem.Mmio;
import org.trapdoor.guest.mem.PageAllocator;

/**
 * The MSI domain of one {@code arm,gic-v3-its} node, following {@code irq-gic-v3-its.c}:
 * <ol>
 * <li>probe: GITS_PIDR2 must say GICv3/v4; GITS_TYPER gives the ITT entry size, DeviceID and
 *     EventID bits, PTA and the collection ID bits; the ITS is quiesced if it was enabled;</li>
 * <li>tables: each implemented GITS_BASERn of type Device or Collection gets zeroed RAM with
 *     64 KiB pages (flat; the Device table goes two-level only if flat it would exceed
 *     {@link #FLAT_LIMIT} and the ITS keeps the Indirect bit);</li>
 * <li>the 64 KiB command queue (GITS_CBASER), then GITS_CTLR.Enabled;</li>
 * <li>per CPU: MAPC(ICID = CPU, RDbase per PTA) and SYNC;</li>
 * <li>per function: DeviceID from the host's {@code msi-map}, an ITT of a power-of-two number of
 *     events (at least two), a chunk of LPIs, MAPD; per vector MAPTI(EventID = vector index, LPI,
 *     the boot CPU's collection), the LPI's configuration byte enabled and INV; then SYNC.</li>
 * </ol>
 * The message of vector {@code i} is address = ITS base + GITS_TRANSLATER, data = {@code i}; behind
 * an IOMMU the address is the translater's IOVA the request's doorbell mapping gives.
 */
public final class ItsMsiDomain implements MsiDomain {
    static final int GITS_CTLR = 0x000;
    static final int GITS_TYPER = 0x008;
    static final int GITS_BASER = 0x100;
    static final int GITS_PIDR2 = 0xFFE8;
    public static final int GITS_TRANSLATER = 0x10040;
    static final long CTLR_QUIESCENT = 1L << 31;
    static final int TYPE_DEVICE = 1;
    static final int TYPE_COLLECTION = 4;
    static final long PAGE_64K = 0x10000;
    /** A flat Device table larger than this is made two-level, if the ITS supports it. */
    static final long FLAT_LIMIT = 1L << 20;
    /** Linux's ITS_ITT_ALIGN. */
    static final int ITT_ALIGN = 256;
    /** LPIs are handed out in chunks of at least this many (Linux's IRQS_PER_CHUNK). */
    static final int LPI_CHUNK = 32;

    private final DtNode node;
    private final IrqChip chip;
    private final Mmio mmio;
    private final PageAllocator pages;
    private final IntidBitmap lpis;
    private final BootLog log;
    private final Map<Integer, MsiBlock> devices = new HashMap<>();
    private long base;
    private ItsCommandQueue queue;
    private int itteSize;
    private int deviceBits;
    private int eventBits;
    private boolean pta;
    private long deviceTable;
    private boolean deviceIndirect;
    private long[] rdbase;

    /** @param lpis the kernel's LPI allocator, shared by every ITS */
    public ItsMsiDomain(DtNode node, IrqChip chip, Mmio mmio, PageAllocator pages, IntidBitmap lpis, BootLog log) {
        this.node = node;
        this.chip = chip;
        this.mmio = mmio;
        this.pages = pages;
        this.lpis = lpis;
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
        rdbase = new long[rds.size()];
        for (IrqChip.Redistributor r : rds) {
            rdbase[r.cpu()] = pta ? r.frame() : (long) r.processorNumber() << 16;
            queue.mapc(r.cpu(), rdbase[r.cpu()], true);
            queue.sync(rdbase[r.cpu()]);
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

    /** {@code its_setup_baser}: RAM for one table, 64 KiB pages, read back to see what stuck. */
    private void setupBaser(int n) {
        long reg = base + GITS_BASER + 8L * n;
        long val = mmio.read64(reg);
        int type = (int) ((val >>> 56) & 7);
        if (type != TYPE_DEVICE && type != TYPE_COLLECTION) {
            return;
        }
        int esz = (int) ((val >>> 48) & 0x1f) + 1;
        long bytes;
        boolean indirect = false;
        if (type == TYPE_DEVICE) {
            bytes = (long) esz << deviceBits;
            if (bytes > FLAT_LIMIT) {
                indirect = true;
                long perPage = PAGE_64K / esz;
                bytes = Math.max(8, ((1L << deviceBits) + perPage - 1) / perPage * 8);
            }
        } else {
            bytes = PAGE_64K; // one page of collections, as Linux allocates
        }
        long size = Math.max(PAGE_64K, (bytes + PAGE_64K - 1) & -PAGE_64K);
        if (size / PAGE_64K > 256) {
            size = 256 * PAGE_64K; // the Size field's limit; IDs beyond it are refused at MAPD time
        }
        long table = pages.allocate(size, PAGE_64K);
        long value = 1L << 63 | (indirect ? 1L << 62 : 0) | 7L << 59 | (val & (0x7L << 56 | 0x1FL << 48))
                | (table & 0x0000_FFFF_FFFF_0000L) | ((table >>> 48) & 0xf) << 12 | 1L << 10 | 2L << 8
                | (size / PAGE_64K - 1);
        mmio.write64(reg, value);
        long back = mmio.read64(reg);
        if (indirect && (back & (1L << 62)) == 0) {
            throw new IllegalStateException(String.format(
                    "ITS@0x%x: Device table would need 0x%x bytes flat and the ITS has no two-level tables", base,
                    (long) esz << deviceBits));
        }
        if (back >= 0 || ((back >>> 8) & 3) < 2) {
            throw new IllegalStateException(String.format("ITS@0x%x: GITS_BASER%d did not take 0x%x (reads 0x%x)",
                    base, n, value, back));
        }
        log.info("ITS@0x%x: allocated %d %s entries of %d bytes @0x%x (%s, 64K pages)", base,
                indirect ? size / 8 : size / esz, type == TYPE_DEVICE ? "Devices" : "Interrupt Collections",
                indirect ? 8 : esz, table, indirect ? "indirect" : "flat");
        if (type == TYPE_DEVICE) {
            deviceTable = table;
            deviceIndirect = indirect;
        }
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

    /** Two-level Device table: the level-2 page holding {@code deviceId}, allocated on first use. */
    private void ensureDeviceEntry(int deviceId) {
        if (!deviceIndirect) {
            return;
        }
        long perPage = PAGE_64K / 8;
        long l1 = deviceTable + (deviceId / perPage) * 8;
        if (mmio.read64(l1) >= 0) {
            long page = pages.allocate(PAGE_64K, PAGE_64K);
            pages.store(l1, 8, 1L << 63 | page);
        }
    }

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
        int events = Math.max(2, IntidBitmap.roundUpPow2(r.vectors()));
        if (Integer.numberOfTrailingZeros(events) > eventBits) {
            throw new IllegalStateException(String.format("%s: %d events exceed the ITS's %d EventID bits", r.bdf(),
                    events, eventBits));
        }
        int chunk = Math.max(LPI_CHUNK, events);
        int first = lpis.allocate(chunk);
        if (first < 0) {
            throw new IllegalStateException(r.bdf() + ": no free LPIs for " + r.vectors() + " vectors");
        }
        try {
            // its_msi_prepare: the doorbell is mapped through the function's IOMMU domain first.
            long address = r.doorbell().applyAsLong(translater());
            ensureDeviceEntry(deviceId);
            long itt = pages.allocate(Math.max(ITT_ALIGN, (long) events * itteSize), ITT_ALIGN);
            queue.mapd(deviceId, Integer.numberOfTrailingZeros(events) - 1, itt, true);
            List<MsiMessage> messages = new ArrayList<>();
            for (int event = 0; event < r.vectors(); event++) {
                int lpi = first + event;
                queue.mapti(deviceId, event, lpi, 0);
                chip.setLpiConfig(lpi, true);
                queue.inv(deviceId, event);
                messages.add(new MsiMessage(address, event, lpi));
            }
            queue.sync(rdbase[0]);
            log.info("ITS@0x%x: %s: DeviceID 0x%x, ITT %d entries @0x%x, LPIs %d..%d", base, r.bdf(), deviceId, events,
                    itt, first, first + r.vectors() - 1);
            MsiBlock b = new MsiBlock(deviceId, first, chunk, messages);
            devices.put(deviceId, b);
            return b;
        } catch (RuntimeException e) {
            lpis.free(first, chunk);
            throw e;
        }
    }

    @Override
    public synchronized void forget(MsiBlock b) {
        if (devices.remove(b.deviceId()) == null) {
            return;
        }
        try {
            for (MsiMessage m : b.messages()) {
                chip.setLpiConfig(m.intid(), false);
            }
        } finally {
            lpis.free(b.first(), b.reserved());
        }
    }

    @Override
    public synchronized void free(MsiBlock b) {
        if (devices.remove(b.deviceId()) == null) {
            return;
        }
        try {
            for (int event = 0; event < b.messages().size(); event++) {
                chip.setLpiConfig(b.messages().get(event).intid(), false);
                queue.discard(b.deviceId(), event);
            }
            queue.mapd(b.deviceId(), 0, 0, false);
            queue.sync(rdbase[0]);
        } finally {
            lpis.free(b.first(), b.reserved());
        }
    }
}
