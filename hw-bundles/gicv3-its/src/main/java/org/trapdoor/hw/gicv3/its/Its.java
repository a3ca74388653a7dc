package org.trapdoor.hw.gicv3.its;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.irq.ItsInspectable;
import org.trapdoor.api.irq.ItsInspection;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.api.register.RegisterBlock;
import org.trapdoor.api.trace.Tracing;

/**
 * Arm GICv3 Interrupt Translation Service ({@code arm,gic-v3-its}): a 64 KiB control frame and a
 * 64 KiB translation frame whose GITS_TRANSLATER (+0x10040) is the MSI doorbell.
 *
 * <p>Implementation choices (IMPDEF in the architecture, QEMU-like here):
 * <ul>
 * <li>GITS_TYPER.PTA = 0: collections name redistributors by processor number, so RDbase in
 *     MAPC/SYNC/MOVALL is GICR_TYPER.Processor_Number, not an address.</li>
 * <li>16 DeviceID bits, 16 EventID bits, 16-bit ICIDs (CIL = 0).</li>
 * <li>BASER0 is the Device Table (type 1), BASER1 the Collection Table (type 4); both may be
 *     flat or indirect (two-level), with 4, 16 or 64 KiB pages. BASER2..7 are unimplemented
 *     (type 0, RAZ/WI). CBASER and BASERn are read-only while the ITS is enabled.</li>
 * <li>Table entries, 8 bytes each, little-endian:
 *     DTE {@code [0] Valid, [5:1] EventID bits - 1, [49:6] ITT address[51:8]};
 *     CTE {@code [0] Valid, [16:1] processor number};
 *     ITE {@code [0] Valid, [32:1] pINTID, [48:33] ICID} (GITS_TYPER.ITT_entry_size = 7).</li>
 * <li>Commands execute synchronously on the CWRITER write (and on enable), so SYNC completes
 *     at once and CTLR.Quiescent is set whenever CREADR == CWRITER. CREADR is reset to 0 by a
 *     CBASER write, as the architecture says.</li>
 * <li>Errors: a command with bad parameters is skipped and counted; an unknown opcode is
 *     skipped and counted; a CWRITER beyond the queue is recorded but nothing is processed; a
 *     command or table that is not in RAM sets CREADR.Stalled and processing stops until
 *     software writes CWRITER with Retry set (or rewrites CBASER while disabled).</li>
 * </ul>
 *
 * <p>The translation path (a write to GITS_TRANSLATER) takes no lock and allocates nothing. It
 * looks in a {@link TranslationCache} first and reads the tables in guest memory on a miss; every
 * command that rewrites a table entry invalidates the cache, as the architecture has software
 * change mappings only through commands. A fresh model (after a swap) starts with an empty cache,
 * so it resumes from the tables in memory.
 */
public final class Its implements MsiController, ItsInspectable {
    private static final Logger LOG = LoggerFactory.getLogger(Its.class);

    static final int FRAME_SIZE = 0x20000;
    static final int TRANSLATION_FRAME = 0x10000;
    static final int TRANSLATER = 0x10040;
    static final int IIDR = 0x0000_043B;
    static final int DEVICE_ID_BITS = 16;
    static final int EVENT_ID_BITS = 16;
    static final int ICID_BITS = 16;
    static final int ENTRY_SIZE = 8;
    static final int CMD_SIZE = 32;
    static final long TYPER = 1L // Physical
            | ((long) (ENTRY_SIZE - 1) << 4)
            | ((long) (EVENT_ID_BITS - 1) << 8)
            | ((long) (DEVICE_ID_BITS - 1) << 13);
    static final long BASER_TYPE_DEVICE = 1;
    static final long BASER_TYPE_COLLECTION = 4;

    // Command opcodes (GIC architecture specification, ITS commands).
    static final int MOVI = 0x01;
    static final int INT = 0x03;
    static final int CLEAR = 0x04;
    static final int SYNC = 0x05;
    static final int MAPD = 0x08;
    static final int MAPC = 0x09;
    static final int MAPTI = 0x0A;
    static final int MAPI = 0x0B;
    static final int INV = 0x0C;
    static final int INVALL = 0x0D;
    static final int MOVALL = 0x0E;
    static final int DISCARD = 0x0F;

    /** Table entries {@link #inspect()} reads at most, so a huge sparse table cannot hang a shell. */
    static final int INSPECT_BUDGET = 1 << 20;

    private final String name;
    private final long base;
    private final PhysicalMemory memory;
    private final ModelRef<InterruptController> gic;

    /** The control frame's register table (ItsRegisters.java); the behaviour of writes is hooked here. */
    private final ItsRegisters regs;
    private final MmioHandler handler = this::access;

    private volatile ItsTable deviceTable = ItsTable.NONE;
    private volatile ItsTable collectionTable = ItsTable.NONE;
    private volatile boolean enabled;
    private final Object commandLock = new Object();

    private final TranslationCache cache = new TranslationCache();
    private final InterruptCounters counters = new InterruptCounters();
    private final InterruptCounters ledger;
    private final ItsTrace trace;
    private final LongAdder commands = new LongAdder();
    private final LongAdder commandErrors = new LongAdder();
    private final LongAdder unknownCommands = new LongAdder();
    private final LongAdder cwriterOutOfRange = new LongAdder();
    private final LongAdder stalls = new LongAdder();

    /**
     * @param base physical address of the ITS frame (for {@link #doorbellAddress})
     * @param gic  the GIC whose redistributors receive the LPIs (the node's parent)
     */
    public Its(String name, long base, PhysicalMemory memory, ModelRef<InterruptController> gic) {
        this(name, base, memory, gic, new InterruptCounters());
    }

    /**
     * @param ledger the machine's MSI ledger: each MSI write to GITS_TRANSLATER is recorded there
     *               once, with the same outcome as in {@link #counters()}
     */
    public Its(String name, long base, PhysicalMemory memory, ModelRef<InterruptController> gic,
            InterruptCounters ledger) {
        this(name, base, memory, gic, ledger, Tracing.OFF);
    }

    /** @param tracing where the {@code its_*} trace points are declared (the machine's registry) */
    public Its(String name, long base, PhysicalMemory memory, ModelRef<InterruptController> gic,
            InterruptCounters ledger, Tracing tracing) {
        this.ledger = ledger;
        this.trace = new ItsTrace(tracing);
        this.name = name;
        this.base = base;
        this.memory = memory;
        this.gic = gic;
        regs = new ItsRegisters(name);
        // What a write does; the registers, their fields and access are in ItsRegisters.
        regs.ctlr.onWrite(this::ctlrWritten).onRead(() -> (enabled ? regs.ctlrEnabled.mask() : 0)
                | (quiescent() ? regs.ctlrQuiescent.mask() : 0));
        regs.cbaser.onWrite(this::cbaserWritten);
        regs.cwriter.onWrite(this::cwriterWritten);
        regs.baser[0].onWrite((p, v) -> baserWritten(0, p, v));
        regs.baser[1].onWrite((p, v) -> baserWritten(1, p, v));
    }

    // ---------------------------------------------------------------- registers

    private boolean quiescent() {
        return regs.cwriter.value() == (regs.creadr.value() & ~1L);
    }

    /**
     * Enabling is where the tables come (back) into use: they are decoded from the BASERs then,
     * and the translation cache starts empty. That one invalidation covers everything that can
     * change while the ITS is disabled (BASER writes, tables rewritten in memory, and a
     * translation that was in flight when software disabled the ITS and filled the cache
     * after): while disabled, nothing reads the cache (translater writes are dropped first and
     * no command runs), so disabling need not invalidate it, nor a BASER write.
     */
    private void ctlrWritten(long previous, long value) {
        boolean en = (value & 1) != 0;
        synchronized (commandLock) {
            if (en && !enabled) {
                decodeTables();
                cache.invalidateAll();
                enabled = true;
                processCommands();
            } else if (!en) {
                enabled = false;
            }
        }
    }

    /** The Device and Collection tables as BASER0 and BASER1 describe them now. */
    private void decodeTables() {
        deviceTable = ItsTable.of(regs.baser[0].value(), ENTRY_SIZE, 1L << DEVICE_ID_BITS);
        collectionTable = ItsTable.of(regs.baser[1].value(), ENTRY_SIZE, 1L << ICID_BITS);
    }

    private void cbaserWritten(long previous, long value) {
        synchronized (commandLock) {
            if (enabled) {
                regs.cbaser.set(previous); // read-only while enabled
                return;
            }
            regs.creadr.set(0);
            regs.cwriter.set(0);
        }
    }

    /** BASERn is read-only while the ITS is enabled; the value is decoded when it is enabled. */
    private void baserWritten(int n, long previous, long value) {
        synchronized (commandLock) {
            if (enabled) {
                regs.baser[n].set(previous);
            }
        }
    }

    private void cwriterWritten(long previous, long value) {
        synchronized (commandLock) {
            if ((value & 1) != 0) {
                // Retry: restart a stalled queue. The bit itself is not stored.
                regs.cwriter.set(value & ~1L);
                regs.creadr.set(regs.creadr.value() & ~1L);
            }
            processCommands();
        }
    }

    private long queueSize() {
        return ((regs.cbaser.value() & 0xff) + 1) * 4096;
    }

    private long queueBase() {
        return regs.cbaser.value() & 0x000F_FFFF_FFFF_F000L;
    }

    // ---------------------------------------------------------------- command queue

    /** Runs commands from CREADR to CWRITER. Caller holds the command lock. */
    private void processCommands() {
        if (!enabled || regs.cbaser.value() >= 0 || (regs.creadr.value() & 1) != 0) {
            return; // disabled, no valid queue, or stalled
        }
        long size = queueSize();
        long wr = regs.cwriter.value() & 0xF_FFE0L;
        if (wr >= size) {
            cwriterOutOfRange.increment();
            return;
        }
        long rd = regs.creadr.value() & 0xF_FFE0L;
        if (rd >= size) {
            rd = 0; // the queue shrank under a stale CREADR
        }
        long q = queueBase();
        while (rd != wr) {
            try {
                long addr = q + rd;
                long dw0 = memory.load64(addr);
                long dw1 = memory.load64(addr + 8);
                long dw2 = memory.load64(addr + 16);
                long dw3 = memory.load64(addr + 24);
                execute(dw0, dw1, dw2, dw3);
            } catch (MemoryAccessException e) {
                regs.creadr.set(rd | 1);
                stalls.increment();
                LOG.warn("{}: command queue stalled at CREADR 0x{}: {}", name, Long.toHexString(rd), e.getMessage());
                return;
            }
            commands.increment();
            rd = (rd + CMD_SIZE) % size;
            regs.creadr.set(rd);
        }
    }

    private void execute(long dw0, long dw1, long dw2, long dw3) {
        int op = (int) (dw0 & 0xff);
        int deviceId = (int) (dw0 >>> 32);
        int eventId = (int) dw1;
        int icid = (int) (dw2 & 0xffff);
        boolean ok;
        switch (op) {
            case MAPD -> ok = mapd(deviceId, (int) (dw1 & 0x1f), dw2 & 0x000F_FFFF_FFFF_FF00L, dw2 < 0);
            case MAPC -> ok = mapc(icid, rdbase(dw2), dw2 < 0);
            case MAPTI -> ok = mapti(deviceId, eventId, (int) (dw1 >>> 32), icid);
            case MAPI -> ok = mapti(deviceId, eventId, eventId, icid);
            case INT -> {
                counters.record(trigger(deviceId, eventId));
                ok = true;
            }
            case CLEAR -> ok = withIte(deviceId, eventId, op, 0);
            case DISCARD -> ok = withIte(deviceId, eventId, op, 0);
            case INV -> ok = withIte(deviceId, eventId, op, 0);
            case MOVI -> ok = withIte(deviceId, eventId, op, icid);
            case INVALL -> ok = invall(icid);
            case MOVALL -> ok = movall(rdbase(dw2), rdbase(dw3));
            case SYNC -> ok = true; // commands complete synchronously
            default -> {
                unknownCommands.increment();
                ok = true;
            }
        }
        if (!ok) {
            commandErrors.increment();
        }
        if (trace.command.on()) {
            trace.command.emit(op, Integer.toUnsignedLong(deviceId), Integer.toUnsignedLong(eventId), icid, ok ? 1 : 0);
        }
        switch (op) {
            // These rewrite a DTE, CTE or ITE (after the write, so a racing fill is dead on arrival).
            case MAPD, MAPC, MAPTI, MAPI, DISCARD, MOVI -> cache.invalidateAll();
            default -> {
            }
        }
    }

    /** RDbase as a processor number (PTA = 0): bits [51:16]. */
    private static long rdbase(long dw) {
        return (dw >>> 16) & 0xF_FFFF_FFFFL;
    }

    private int cpuCount() {
        InterruptController g = gic.get();
        return g == null ? Integer.MAX_VALUE : g.cpuCount();
    }

    private boolean mapd(int deviceId, int size, long itt, boolean valid) {
        ItsTable dt = deviceTable;
        if (Integer.toUnsignedLong(deviceId) >= dt.maxIds || size >= EVENT_ID_BITS) {
            return false;
        }
        long a = dt.entryAddress(memory, Integer.toUnsignedLong(deviceId));
        if (a < 0) {
            return false; // level-1 entry not valid: nowhere to put the DTE
        }
        memory.store64(a, valid ? 1L | ((long) size << 1) | ((itt >>> 8) << 6) : 0L);
        return true;
    }

    private boolean mapc(int icid, long rd, boolean valid) {
        ItsTable ct = collectionTable;
        if (icid >= ct.maxIds || valid && rd >= cpuCount()) {
            return false;
        }
        long a = ct.entryAddress(memory, icid);
        if (a < 0) {
            return false;
        }
        memory.store64(a, valid ? 1L | (rd << 1) : 0L);
        return true;
    }

    private boolean mapti(int deviceId, int eventId, int pintid, int icid) {
        long dte = readDte(deviceId);
        if (dte == 0 || !eventInRange(dte, eventId) || icid >= collectionTable.maxIds) {
            return false;
        }
        if (!isLpi(pintid)) {
            return false;
        }
        memory.store64(iteAddress(dte, eventId), 1L | (Integer.toUnsignedLong(pintid) << 1) | ((long) icid << 33));
        return true;
    }

    /** CLEAR, DISCARD, INV and MOVI: look up the event's ITE and act on its LPI. */
    private boolean withIte(int deviceId, int eventId, int op, int newIcid) {
        long dte = readDte(deviceId);
        if (dte == 0 || !eventInRange(dte, eventId)) {
            return false;
        }
        long iteAddr = iteAddress(dte, eventId);
        long ite = memory.load64(iteAddr);
        if ((ite & 1) == 0) {
            return false;
        }
        int intid = iteIntid(ite);
        long cte = readCte(iteIcid(ite));
        InterruptController g = gic.get();
        if (cte == 0 || g == null) {
            return false;
        }
        int rd = cteTarget(cte);
        switch (op) {
            case CLEAR -> g.clearLpiPending(intid, rd);
            case DISCARD -> {
                g.clearLpiPending(intid, rd);
                memory.store64(iteAddr, 0);
            }
            case INV -> g.reloadLpiConfig(intid, rd);
            default -> { // MOVI
                long newCte = readCte(newIcid);
                if (newCte == 0) {
                    return false;
                }
                int to = cteTarget(newCte);
                if (to != rd && g.isPending(intid, rd)) {
                    g.clearLpiPending(intid, rd);
                    g.setLpiPending(intid, to);
                }
                memory.store64(iteAddr, (ite & ~(0xffffL << 33)) | ((long) newIcid << 33));
            }
        }
        return true;
    }

    private boolean invall(int icid) {
        long cte = readCte(icid);
        InterruptController g = gic.get();
        if (cte == 0 || g == null) {
            return false;
        }
        g.reloadLpiConfig(cteTarget(cte));
        return true;
    }

    private boolean movall(long from, long to) {
        InterruptController g = gic.get();
        int cpus = cpuCount();
        if (g == null || from >= cpus || to >= cpus) {
            return false;
        }
        g.moveLpis((int) from, (int) to);
        return true;
    }

    // ---------------------------------------------------------------- table walks

    /** The valid DTE of {@code deviceId}, or 0 (also for a DeviceID beyond the table). */
    private long readDte(int deviceId) {
        ItsTable dt = deviceTable;
        long id = Integer.toUnsignedLong(deviceId);
        if (id >= dt.maxIds) {
            return 0;
        }
        long a = dt.entryAddress(memory, id);
        if (a < 0) {
            return 0;
        }
        long dte = memory.load64(a);
        return (dte & 1) != 0 ? dte : 0;
    }

    /** The valid CTE of {@code icid}, or 0. */
    private long readCte(int icid) {
        ItsTable ct = collectionTable;
        if (icid < 0 || icid >= ct.maxIds) {
            return 0;
        }
        long a = ct.entryAddress(memory, icid);
        if (a < 0) {
            return 0;
        }
        long cte = memory.load64(a);
        return (cte & 1) != 0 ? cte : 0;
    }

    /**
     * An LPI this ITS can name: 8192 up to its 16 ID bits (GITS_TYPER.ID_bits). MAPTI and MAPI
     * refuse any other pINTID (1023 is VMAPTI's "no doorbell", not a physical INTID), and the
     * translation path drops an ITE that names one (only a table written behind the ITS's back
     * holds it), so a cached translation always holds a 16-bit LPI.
     */
    private static boolean isLpi(int intid) {
        return intid >= InterruptController.FIRST_LPI && intid < 1 << ICID_BITS;
    }

    private static boolean eventInRange(long dte, int eventId) {
        int bits = (int) ((dte >>> 1) & 0x1f) + 1;
        return Integer.toUnsignedLong(eventId) < 1L << bits;
    }

    private static long iteAddress(long dte, int eventId) {
        long itt = ((dte >>> 6) & 0xFFF_FFFF_FFFFL) << 8;
        return itt + Integer.toUnsignedLong(eventId) * ENTRY_SIZE;
    }

    private static int iteIntid(long ite) {
        return (int) (ite >>> 1);
    }

    private static int iteIcid(long ite) {
        return (int) ((ite >>> 33) & 0xffff);
    }

    private static int cteTarget(long cte) {
        return (int) ((cte >>> 1) & 0xffff);
    }

    /**
     * Translates (DeviceID, EventID) and makes the LPI pending: the path of a translater write
     * and of INT. Returns {@code null} when the GIC accepted the LPI, otherwise why it was
     * dropped. No lock, no allocation.
     */
    DropReason trigger(int deviceId, int eventId) {
        long hit = cache.lookup(deviceId, eventId);
        if (hit != TranslationCache.MISS) {
            InterruptController g = gic.get();
            if (g == null) {
                return DropReason.NO_INTERRUPT_CONTROLLER;
            }
            int rd = TranslationCache.redistributor(hit);
            if (rd >= g.cpuCount()) {
                return DropReason.REDISTRIBUTOR_OUT_OF_RANGE;
            }
            if (trace.translate.on()) {
                trace.translate.emit(Integer.toUnsignedLong(deviceId), Integer.toUnsignedLong(eventId),
                        TranslationCache.intid(hit), rd, 1);
            }
            return g.setLpiPending(TranslationCache.intid(hit), rd);
        }
        int gen = cache.generation();
        try {
            ItsTable dt = deviceTable;
            long id = Integer.toUnsignedLong(deviceId);
            if (id >= dt.maxIds) {
                return DropReason.DEVICE_ID_OUT_OF_RANGE;
            }
            long dteAddr = dt.entryAddress(memory, id);
            if (dteAddr < 0) {
                return DropReason.UNMAPPED_DEVICE_ID;
            }
            long dte = memory.load64(dteAddr);
            if ((dte & 1) == 0) {
                return DropReason.UNMAPPED_DEVICE_ID;
            }
            if (!eventInRange(dte, eventId)) {
                return DropReason.EVENT_ID_OUT_OF_RANGE;
            }
            long ite = memory.load64(iteAddress(dte, eventId));
            if ((ite & 1) == 0) {
                return DropReason.UNMAPPED_EVENT_ID;
            }
            if (!isLpi(iteIntid(ite))) {
                return DropReason.LPI_OUT_OF_RANGE;
            }
            ItsTable ct = collectionTable;
            int icid = iteIcid(ite);
            if (icid >= ct.maxIds) {
                return DropReason.COLLECTION_OUT_OF_RANGE;
            }
            long cteAddr = ct.entryAddress(memory, icid);
            if (cteAddr < 0) {
                return DropReason.COLLECTION_UNMAPPED;
            }
            long cte = memory.load64(cteAddr);
            if ((cte & 1) == 0) {
                return DropReason.COLLECTION_UNMAPPED;
            }
            InterruptController g = gic.get();
            if (g == null) {
                return DropReason.NO_INTERRUPT_CONTROLLER;
            }
            int rd = cteTarget(cte);
            if (rd >= g.cpuCount()) {
                return DropReason.REDISTRIBUTOR_OUT_OF_RANGE;
            }
            cache.fill(deviceId, eventId, gen, iteIntid(ite), rd);
            if (trace.translate.on()) {
                trace.translate.emit(Integer.toUnsignedLong(deviceId), Integer.toUnsignedLong(eventId), iteIntid(ite), rd, 0);
            }
            return g.setLpiPending(iteIntid(ite), rd);
        } catch (MemoryAccessException e) {
            return DropReason.TABLE_MEMORY_ERROR;
        }
    }

    // ---------------------------------------------------------------- MMIO

    private void access(MemoryTransaction tx) {
        if (tx.offset < TRANSLATION_FRAME) {
            regs.block.access(tx);
            return;
        }
        if (!tx.write) {
            tx.data = 0; // the translation frame has only a write-only register: RAZ
            return;
        }
        if (tx.offset != TRANSLATER) {
            return; // WI
        }
        DropReason r = translate(tx);
        counters.record(r);
        if (trace.msi.on()) {
            trace.msi.emit(tx.deviceId, tx.data & 0xffff_ffffL, r == null ? 0 : 1 + r.ordinal());
        }
        if (tx.msi) {
            // This is where the MSI's fate is decided: account for it once, machine-wide.
            tx.msi = false;
            ledger.record(r);
        }
    }

    /** A write to GITS_TRANSLATER: EventID is the data, DeviceID comes from the bus, never the data. */
    private DropReason translate(MemoryTransaction tx) {
        if (tx.size != 2 && tx.size != 4) {
            return DropReason.BAD_ACCESS_SIZE;
        }
        if (!enabled) {
            return DropReason.ITS_DISABLED;
        }
        if (tx.deviceId < 0) {
            return DropReason.NO_DEVICE_ID;
        }
        int eventId = (int) (tx.data & MemoryTransaction.allOnes(tx.size));
        return trigger(tx.deviceId, eventId);
    }

    // ---------------------------------------------------------------- DeviceModel / MsiController

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? handler : null;
    }

    /** Translations served from the cache, and those that read the tables. */
    public long cacheHits() {
        return cache.hits();
    }

    public long cacheMisses() {
        return cache.misses();
    }

    /** The control frame's register block (tests, shell). */
    public RegisterBlock controlFrame() {
        return regs.block;
    }

    @Override
    public long doorbellAddress(int deviceId) {
        return base + TRANSLATER;
    }

    @Override
    public boolean needsDeviceId() {
        return true;
    }

    @Override
    public String description() {
        return "GICv3 ITS: data = EventID, DeviceID from msi-map, LPIs via Device/Collection tables and ITTs";
    }

    @Override
    public InterruptCounters counters() {
        return counters;
    }

    /** Commands executed (including skipped ones). */
    public long commandsProcessed() {
        return commands.sum();
    }

    /** Commands skipped for bad parameters. */
    public long commandErrors() {
        return commandErrors.sum();
    }

    /** Commands skipped for an unknown opcode. */
    public long unknownCommands() {
        return unknownCommands.sum();
    }

    /** CWRITER writes beyond the queue size (nothing processed). */
    public long cwriterOutOfRange() {
        return cwriterOutOfRange.sum();
    }

    /** Times the queue stalled on a memory error. */
    public long stalls() {
        return stalls.sum();
    }

    // ---------------------------------------------------------------- inspection (shell)

    /**
     * Reads the registers and walks the tables as they are in memory now, under the command lock
     * so that no command rewrites them half-way. Writes nothing; a table outside RAM is reported
     * as a problem.
     */
    @Override
    public ItsInspection inspect() {
        synchronized (commandLock) {
            long cb = regs.cbaser.value();
            long rdv = regs.creadr.value();
            ItsInspection.CommandQueue queue = new ItsInspection.CommandQueue(cb, cb < 0, queueBase(), queueSize(),
                    regs.cwriter.value() & 0xF_FFE0L, rdv & 0xF_FFE0L, (rdv & 1) != 0, commands.sum(),
                    commandErrors.sum(), unknownCommands.sum(), cwriterOutOfRange.sum(), stalls.sum());
            // The tables the BASERs name: those in use while enabled (BASERs are read-only
            // then), those the ITS will use once enabled otherwise.
            ItsTable dt = ItsTable.of(regs.baser[0].value(), ENTRY_SIZE, 1L << DEVICE_ID_BITS);
            ItsTable ct = ItsTable.of(regs.baser[1].value(), ENTRY_SIZE, 1L << ICID_BITS);
            List<ItsInspection.Table> tables = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long v = regs.baser[i].value();
                ItsTable t = i == 0 ? dt : i == 1 ? ct : ItsTable.NONE;
                tables.add(new ItsInspection.Table(i, v, (int) (v >>> 56) & 7, v < 0, (v & (1L << 62)) != 0,
                        t.valid ? t.base : 0, t.valid ? t.pageSize : 0, (v & 0xff) + 1,
                        (int) ((v >>> 48) & 0x1f) + 1, t.maxIds));
            }
            Walk walk = new Walk();
            List<ItsInspection.DeviceEntry> devices = new ArrayList<>();
            for (long id = 0; id < dt.maxIds && walk.more(); id++) {
                long dte = walk.entry(dt, id, "Device Table");
                if ((dte & 1) == 0) {
                    continue;
                }
                int bits = (int) ((dte >>> 1) & 0x1f) + 1;
                long itt = ((dte >>> 6) & 0xFFF_FFFF_FFFFL) << 8;
                List<ItsInspection.EventEntry> events = new ArrayList<>();
                for (long ev = 0; ev < 1L << bits && walk.more(); ev++) {
                    long ite = walk.load(iteAddress(dte, (int) ev), "ITT of DeviceID " + id);
                    if (walk.failed) {
                        break; // the ITT is not in RAM: reported once
                    }
                    if ((ite & 1) != 0) {
                        events.add(new ItsInspection.EventEntry((int) ev, iteIntid(ite), iteIcid(ite)));
                    }
                }
                devices.add(new ItsInspection.DeviceEntry((int) id, bits, itt, events));
            }
            List<ItsInspection.CollectionEntry> collections = new ArrayList<>();
            for (long icid = 0; icid < ct.maxIds && walk.more(); icid++) {
                long cte = walk.entry(ct, icid, "Collection Table");
                if ((cte & 1) != 0) {
                    collections.add(new ItsInspection.CollectionEntry((int) icid, cteTarget(cte)));
                }
            }
            return new ItsInspection(name, enabled, quiescent(), TYPER, queue, tables, devices, collections,
                    !walk.more(), walk.problems);
        }
    }

    /**
     * A read-only table walk with a budget of {@link #INSPECT_BUDGET} entry loads (a level-1
     * entry read on the way is not counted); remembers the first failure of each table.
     */
    private final class Walk {
        static final long FAILED = 0; // reads as an invalid entry
        final List<String> problems = new ArrayList<>();
        /** The last read failed. */
        boolean failed;
        private int reads;
        private String failedTable;

        boolean more() {
            return reads < INSPECT_BUDGET;
        }

        /** Entry {@code id} of {@code t}, or 0 when it or its level-1 entry is invalid or unreadable. */
        long entry(ItsTable t, long id, String what) {
            if (what.equals(failedTable)) {
                return FAILED;
            }
            try {
                long a = t.entryAddress(memory, id);
                return a < 0 ? FAILED : load(a, what);
            } catch (MemoryAccessException e) {
                fail(what, e);
                return FAILED;
            }
        }

        long load(long address, String what) {
            try {
                reads++;
                failed = false;
                return memory.load64(address);
            } catch (MemoryAccessException e) {
                fail(what, e);
                return FAILED;
            }
        }

        private void fail(String what, MemoryAccessException e) {
            failed = true;
            failedTable = what;
            problems.add(what + ": " + e.getMessage());
        }
    }

    @Override
    public Object saveState() {
        synchronized (commandLock) {
            long[] b = new long[8];
            for (int i = 0; i < 8; i++) {
                b[i] = regs.baser[i].value();
            }
            return new ItsState(enabled ? 1 : 0, regs.cbaser.value(), regs.cwriter.value(), regs.creadr.value(), b);
        }
    }

    @Override
    public void restoreState(Object state) {
        if (!(state instanceof ItsState s)) {
            return;
        }
        synchronized (commandLock) {
            regs.cbaser.set(s.cbaser());
            regs.cwriter.set(s.cwriter());
            regs.creadr.set(s.creadr());
            long[] b = s.baser();
            restoreBaser(0, b[0]);
            restoreBaser(1, b[1]);
            decodeTables();
            // GITS_CTLR reads from this flag (its stored value is never read).
            enabled = (s.ctlr() & 1) != 0;
            // A swap restores again into a model that served meanwhile: its translations may
            // come from tables the restored BASERs no longer name.
            cache.invalidateAll();
        }
    }

    /** Type and entry size are this model's, whatever the saved value says. */
    private void restoreBaser(int n, long saved) {
        long writable = regs.baser[n].writableMask();
        regs.baser[n].set((saved & writable) | (regs.baser[n].value() & ~writable));
    }

    @Override
    public String summary() {
        return String.format(
                "ITS %s, CREADR 0x%x%s CWRITER 0x%x, %d commands (%d bad, %d unknown), translation cache %d hits %d misses; %s",
                enabled ? "enabled" : "disabled", regs.creadr.value() & ~1L, (regs.creadr.value() & 1) != 0 ? " STALLED" : "",
                regs.cwriter.value(), commands.sum(), commandErrors.sum(), unknownCommands.sum(), cache.hits(),
                cache.misses(), counters.snapshot());
    }
}
