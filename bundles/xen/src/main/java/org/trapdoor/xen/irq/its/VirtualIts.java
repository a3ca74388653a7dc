package org.trapdoor.xen.irq.its;

import java.util.BitSet;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.register.Register;
import org.trapdoor.api.register.RegisterBlock;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.xen.irq.host.HostIts;
import org.trapdoor.xen.irq.host.HostLpis;
import org.trapdoor.xen.irq.vgic.GuestMemory;
import org.trapdoor.xen.irq.vgic.Vgic;

/**
 * The hardware domain's virtual ITS ({@code xen/arch/arm/vgic-v3-its.c}): trapped at the address
 * of the host ITS it stands for, 64 KiB control frame (the translation frame is the real one:
 * devices write the host doorbell through Dom0's IOMMU context).
 *
 * <p>Registers as {@code vgic_v3_its_mmio_read}/{@code _write}: GITS_IIDR {@link #IIDR},
 * GITS_TYPER Physical with an 8-byte ITT entry and the host's DeviceID and EventID widths (PTA 0:
 * collections name vCPUs); GITS_BASER0 the Device table (8-byte entries), GITS_BASER1 the
 * Collection table (2-byte entries), neither indirect, both read-only while enabled; CBASER
 * resets CREADR; enabling needs valid CBASER and both BASERs; CTLR.Quiescent when CREADR equals
 * CWRITER.
 *
 * <p>The guest's tables are in the guest's memory, written by Xen in its own formats: a Device
 * table entry is the ITT address with EventID bits - 1 in [4:0]; a Collection table entry is the
 * vCPU (0xffff unmapped); an ITT entry is the virtual LPI in [31:0] and the collection in
 * [47:32]. Commands are read from the guest's queue and handled at once on the CWRITER write
 * ({@code vgic_its_handle_cmds}); a command that fails is skipped, counted and CREADR moves on,
 * as Xen does; an unknown opcode likewise. MAPD of the hardware domain maps the same DeviceID on
 * the host ITS ({@code gicv3_its_map_guest_device}); MAPTI ties the event's host LPI to the
 * virtual LPI ({@code gicv3_assign_guest_event}); DISCARD and MAPD V=0 undo them.
 */
public final class VirtualIts implements MmioHandler {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualIts.class);
    /** Xen's GITS_IIDR_VALUE. */
    public static final int IIDR = 0x5800_034c;
    public static final int SIZE = 0x10000;
    static final int GITS_CTLR = 0x000;
    static final int GITS_IIDR = 0x004;
    static final int GITS_TYPER = 0x008;
    static final int GITS_CBASER = 0x080;
    static final int GITS_CWRITER = 0x088;
    static final int GITS_CREADR = 0x090;
    static final int GITS_BASER0 = 0x100;
    static final int GITS_BASER1 = 0x108;
    static final int GITS_PIDR2 = 0xFFE8;
    static final long CTLR_ENABLE = 1;
    static final long CTLR_QUIESCENT = 1L << 31;
    static final long VALID = 1L << 63;
    static final long BASER_INDIRECT = 1L << 62;
    /** Valid, InnerCache, OuterCache, Physical_Address[51:12], Shareability, Size. */
    static final long CBASER_WRITABLE = VALID | 7L << 59 | 7L << 53 | 0x000F_FFFF_FFFF_F000L | 3L << 10 | 0xffL;
    static final long BASER_RO = 0x7L << 56 | 0x1FL << 48;
    static final int DEV_ENTRY = 8;
    static final int COLL_ENTRY = 2;
    static final int ITT_ENTRY = 8;
    static final int UNMAPPED_COLLECTION = 0xffff;
    static final int CMD_SIZE = 32;

    // Command opcodes.
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

    private final Vgic vgic;
    private final GuestMemory memory;
    private final HostIts host;
    private final HostLpis lpis;
    private final int domainSlot;
    private final boolean hardwareDomain;
    private final int deviceBits;
    private final int eventBits;
    /** The guest's DeviceID to the host's, -1 when the guest owns no such device. */
    private volatile IntUnaryOperator physical;
    private final RegisterBlock regs;
    private final Object cmdLock = new Object();

    private volatile boolean enabled;
    private volatile long cbaser;
    private volatile long cwriter;
    private volatile long creadr;
    private volatile long baserDev;
    private volatile long baserColl;
    private long maxDevices;
    private long maxCollections;
    /** Virtual LPIs mapped by MAPTI and not yet discarded, for INVALL and teardown. */
    private final BitSet mappedLpis = new BitSet();

    private final EventCounter processed = new EventCounter();
    private final EventCounter errors = new EventCounter();
    private final EventCounter unknown = new EventCounter();
    private final EventCounter overruns = new EventCounter();
    private final EventCounter stalls = new EventCounter();
    private final EventCounter badWidth = new EventCounter();
    private final EventCounter foreignMapds = new EventCounter();

    /**
     * @param vgic           the domain's vGIC (the vLPIs' home)
     * @param memory         the domain's memory by IPA
     * @param host           the host ITS this one stands for (same address, same ID widths)
     * @param lpis           Xen's host LPIs (routes back to the domain)
     * @param domainSlot     the domain's slot in the host LPI routes
     * @param hardwareDomain true for Dom0: MAPD maps the same DeviceID on the host ITS
     */
    public VirtualIts(Vgic vgic, GuestMemory memory, HostIts host, HostLpis lpis, int domainSlot,
            boolean hardwareDomain) {
        this.vgic = vgic;
        this.memory = memory;
        this.host = host;
        this.lpis = lpis;
        this.domainSlot = domainSlot;
        this.hardwareDomain = hardwareDomain;
        this.deviceBits = host.deviceBits();
        this.eventBits = host.eventBits();
        this.physical = hardwareDomain ? id -> id : id -> -1;
        baserDev = 1L << 56 | (long) (DEV_ENTRY - 1) << 48 | 7L << 59 | 1L << 10;
        baserColl = 4L << 56 | (long) (COLL_ENTRY - 1) << 48 | 7L << 59 | 1L << 10;
        regs = new RegisterBlock(vgic.name() + " vITS", SIZE).allowSizes(4, 8);
        Register ctlr = regs.reg32("GITS_CTLR", GITS_CTLR).onRead(this::ctlrValue);
        ctlr.onWrite((p, v) -> ctlrWritten(v));
        regs.reg32("GITS_IIDR", GITS_IIDR).readOnly().reset(IIDR);
        long typer = 1L | (long) (ITT_ENTRY - 1) << 4 | (long) (eventBits - 1) << 8 | (long) (deviceBits - 1) << 13;
        regs.reg64("GITS_TYPER", GITS_TYPER).readOnly().reset(typer);
        regs.reg64("GITS_CBASER", GITS_CBASER).onRead(() -> cbaser).onWrite((p, v) -> cbaserWritten(v));
        regs.reg64("GITS_CWRITER", GITS_CWRITER).onRead(() -> cwriter).onWrite((p, v) -> cwriterWritten(v));
        regs.reg64("GITS_CREADR", GITS_CREADR).onRead(() -> creadr).onWrite((p, v) -> { });
        regs.reg64("GITS_BASER0", GITS_BASER0).onRead(() -> baserDev).onWrite((p, v) -> baserWritten(v, true));
        regs.reg64("GITS_BASER1", GITS_BASER1).onRead(() -> baserColl).onWrite((p, v) -> baserWritten(v, false));
        regs.reg32("GITS_PIDR2", GITS_PIDR2).readOnly().reset(0x30);
    }

    /**
     * Which DeviceIDs belong to devices another domain owns now (assigned by the toolstack): a MAPD
     * of one is refused. Upstream takes any DeviceID Dom0 names ("there is no easy and clean way
     * for Xen to know the ITS device ID"); Xen here knows the owners from its PCI subsystem, and a
     * Dom0 that maps a DomU's device would take its MSIs. Dom0's DeviceIDs are the host's.
     */
    public void foreignDevices(IntPredicate p) {
        physical = id -> p.test(id) ? -1 : id;
    }

    /**
     * A DomU's map from the virtual DeviceIDs its tree's {@code msi-map} gives its devices to the
     * host DeviceIDs of the functions assigned to it; -1 for any other: a MAPD naming it is a
     * command error and maps nothing.
     */
    public void deviceMap(IntUnaryOperator virtualToPhysical) {
        physical = virtualToPhysical;
    }

    /** MAPDs refused because another domain owns the device. */
    public long foreignMapds() {
        return foreignMapds.sum();
    }

    /** The guest address of the frame: the host ITS's. */
    public long base() {
        return host.base();
    }

    // ---------------------------------------------------------------- registers

    private long ctlrValue() {
        return (enabled ? CTLR_ENABLE : 0) | (cwriter == creadr ? CTLR_QUIESCENT : 0);
    }

    private void ctlrWritten(long v) {
        synchronized (cmdLock) {
            boolean on = (v & CTLR_ENABLE) != 0;
            if (on == enabled) {
                return;
            }
            if (on && ((cbaser & VALID) == 0 || (baserDev & VALID) == 0 || (baserColl & VALID) == 0)) {
                LOG.warn("{}: tried to enable the ITS without having the tables configured", vgic.name());
                return; // vgic_v3_verify_its_status
            }
            enabled = on;
            if (on) {
                handleCommands();
            }
        }
    }

    private void cbaserWritten(long v) {
        synchronized (cmdLock) {
            if (enabled) {
                LOG.warn("{}: tried to change CBASER with the ITS enabled", vgic.name());
                return;
            }
            cbaser = sanitize(v & CBASER_WRITABLE);
            creadr = 0;
        }
    }

    private void cwriterWritten(long v) {
        synchronized (cmdLock) {
            cwriter = v & 0xF_FFE0L;
            if (enabled) {
                handleCommands();
            }
        }
    }

    private void baserWritten(long v, boolean devices) {
        synchronized (cmdLock) {
            if (enabled) {
                LOG.warn("{}: tried to change BASER with the ITS enabled", vgic.name());
                return;
            }
            long reg = v & ~(BASER_RO | BASER_INDIRECT);
            reg |= devices ? 1L << 56 | (long) (DEV_ENTRY - 1) << 48 : 4L << 56 | (long) (COLL_ENTRY - 1) << 48;
            reg = sanitize(reg);
            if (devices) {
                maxDevices = (reg & VALID) != 0 ? Math.min(tableBytes(reg) / DEV_ENTRY, 1L << deviceBits) : 0;
                baserDev = reg;
            } else {
                maxCollections = (reg & VALID) != 0 ? tableBytes(reg) / COLL_ENTRY : 0;
                baserColl = reg;
            }
        }
    }

    /** {@code sanitize_its_base_reg}: no outer-shareable, no inner non-cacheable, outer only nC or same-as-inner. */
    static long sanitize(long r) {
        if (((r >>> 10) & 3) == 2) {
            r = r & ~(3L << 10) | 1L << 10;
        }
        long inner = (r >>> 59) & 7;
        if (inner == 0 || inner == 1) {
            r = r & ~(7L << 59) | 5L << 59; // RaWb
        }
        long outer = (r >>> 53) & 7;
        if (outer != 0 && outer != 1) {
            r = r & ~(7L << 53) | 1L << 53;
        }
        return r;
    }

    /** Page size x pages ({@code its_baser_table_size}). */
    static long tableBytes(long baser) {
        long[] psz = {0x1000, 0x4000, 0x10000, 0x10000};
        return psz[(int) ((baser >>> 8) & 3)] * ((baser & 0xff) + 1);
    }

    /** {@code get_baser_phys_addr}: with 64 KiB pages bits [15:12] hold PA[51:48]. */
    static long tableAddress(long baser) {
        if ((baser & (1L << 9)) != 0) {
            return baser & 0x0000_FFFF_FFFF_0000L | (baser & 0xF000L) << 36;
        }
        return baser & 0x0000_FFFF_FFFF_F000L;
    }

    // ---------------------------------------------------------------- commands

    /** {@code vgic_its_handle_cmds}; caller holds {@link #cmdLock}. */
    private void handleCommands() {
        long size = ((cbaser & 0xff) + 1) * 4096;
        long addr = cbaser & 0x000F_FFFF_FFFF_F000L;
        if (cwriter >= size) {
            overruns.increment();
            return;
        }
        while (creadr != cwriter) {
            long at = addr + creadr;
            if (!memory.isRam(at, CMD_SIZE)) {
                stalls.increment(); // the command is not in the guest's RAM: stop, as Xen does
                return;
            }
            long[] cmd = {memory.load(at, 8), memory.load(at + 8, 8), memory.load(at + 16, 8), memory.load(at + 24, 8)};
            boolean ok = execute(cmd);
            if (trace.on()) {
                trace.emitText(vgic.name(), cmd[0] & 0xff, deviceId(cmd) & 0xffff_ffffL, eventId(cmd) & 0xffff_ffffL,
                        ok ? 1 : 0, 0, 0);
            }
            creadr = (creadr + CMD_SIZE) % size;
            processed.increment();
            if (!ok) {
                errors.increment();
                LOG.debug("{}: ITS command error, opcode 0x{}", vgic.name(), Long.toHexString(cmd[0] & 0xff));
            }
        }
    }

    /** {@code xen_vits_command}; set before the guest runs. */
    private TracePoint trace = TracePoint.NEVER;

    /** Traces every command executed on {@code point} (an {@code xen_vits_command} point) while it is on. */
    public void trace(TracePoint point) {
        trace = point;
    }

    private boolean execute(long[] cmd) {
        int opcode = (int) (cmd[0] & 0xff);
        switch (opcode) {
            case CLEAR:
                return clear(cmd);
            case DISCARD:
                return discard(cmd);
            case INT:
                return interrupt(cmd);
            case INV:
                return inv(cmd);
            case INVALL:
                return invall(cmd);
            case MAPC:
                return mapc(cmd);
            case MAPD:
                return mapd(cmd);
            case MAPI:
            case MAPTI:
                return mapti(cmd, opcode == MAPI);
            case MOVALL:
                return true; // Xen ignores MOVALL
            case MOVI:
                return movi(cmd);
            case SYNC:
                return true; // commands are handled synchronously
            default:
                unknown.increment();
                LOG.warn("{}: vGITS: unhandled ITS command 0x{}", vgic.name(), Integer.toHexString(opcode));
                return true;
        }
    }

    private static int deviceId(long[] c) {
        return (int) (c[0] >>> 32);
    }

    private static int eventId(long[] c) {
        return (int) c[1];
    }

    private static int collection(long[] c) {
        return (int) (c[2] & 0xffff);
    }

    // -- the guest's tables (in its memory, Xen's formats)

    private long deviceEntryAddress(int devid) {
        if (Integer.toUnsignedLong(devid) >= maxDevices) {
            return -1;
        }
        return tableAddress(baserDev) + (long) devid * DEV_ENTRY;
    }

    /** The device's ITT address and EventID count, or null when unmapped or unreadable. */
    private long[] readDevice(int devid) {
        long a = deviceEntryAddress(devid);
        if (a < 0 || !memory.isRam(a, DEV_ENTRY)) {
            return null;
        }
        long e = memory.load(a, 8);
        long itt = e & 0x000F_FFFF_FFFF_FF00L;
        if (itt == 0) {
            return null;
        }
        return new long[] {itt, 1L << ((e & 0x1f) + 1)};
    }

    private boolean writeDevice(int devid, long itt, int bits) {
        long a = deviceEntryAddress(devid);
        if (a < 0 || !memory.isRam(a, DEV_ENTRY)) {
            return false;
        }
        memory.store(a, 8, itt == 0 ? 0 : itt & 0x000F_FFFF_FFFF_FF00L | (bits - 1) & 0x1f);
        return true;
    }

    private long itteAddress(int devid, int event) {
        long[] dev = readDevice(devid);
        if (dev == null || Integer.toUnsignedLong(event) >= dev[1]) {
            return -1;
        }
        long a = dev[0] + (long) event * ITT_ENTRY;
        return memory.isRam(a, ITT_ENTRY) ? a : -1;
    }

    /** {@code read_itte}: {vLPI, vCPU} or null (no device, event out of range, unmapped). */
    private int[] readItte(int devid, int event) {
        long a = itteAddress(devid, event);
        if (a < 0) {
            return null;
        }
        long e = memory.load(a, 8);
        int vlpi = (int) e;
        int coll = (int) (e >>> 32) & 0xffff;
        int vcpu = vcpuOfCollection(coll);
        if (vlpi == HostLpis.NO_VIRQ || vcpu < 0) {
            return null;
        }
        return new int[] {vlpi, vcpu, coll};
    }

    private boolean writeItte(int devid, int event, int coll, int vlpi) {
        long a = itteAddress(devid, event);
        if (a < 0) {
            return false;
        }
        memory.store(a, 8, (long) (coll & 0xffff) << 32 | (vlpi & 0xffff_ffffL));
        return true;
    }

    private int vcpuOfCollection(int coll) {
        if (coll >= maxCollections) {
            return -1;
        }
        long a = tableAddress(baserColl) + (long) coll * COLL_ENTRY;
        if (!memory.isRam(a, COLL_ENTRY)) {
            return -1;
        }
        int v = (int) memory.load(a, 2) & 0xffff;
        return v == UNMAPPED_COLLECTION || v >= vgic.vcpuCount() ? -1 : v;
    }

    // -- the commands

    /** {@code its_handle_mapc}: collection to vCPU (RDbase is a processor number: PTA 0). */
    private boolean mapc(long[] c) {
        int coll = collection(c);
        boolean valid = c[2] < 0;
        if (coll >= maxCollections) {
            return false;
        }
        int vcpu = (int) ((c[2] >>> 16) & 0xffff_ffffL);
        if (valid && vcpu >= vgic.vcpuCount()) {
            return false;
        }
        long a = tableAddress(baserColl) + (long) coll * COLL_ENTRY;
        if (!memory.isRam(a, COLL_ENTRY)) {
            return false;
        }
        memory.store(a, 2, valid ? vcpu : UNMAPPED_COLLECTION);
        return true;
    }

    /** {@code its_handle_mapd}. */
    private boolean mapd(long[] c) {
        int devid = deviceId(c);
        int bits = (int) (c[1] & 0x1f) + 1;
        boolean valid = c[2] < 0;
        long itt = c[2] & 0x000F_FFFF_FFFF_FF00L;
        if (valid && bits > eventBits) {
            return false;
        }
        if (deviceEntryAddress(devid) < 0) {
            return false;
        }
        if (!valid) {
            unmapDevice(devid);
        }
        int pdev = physical.applyAsInt(devid);
        if (pdev < 0) {
            if (valid) {
                foreignMapds.increment();
                LOG.warn("{}: MAPD 0x{}: not a device of this domain", vgic.name(), Integer.toHexString(devid));
                return false;
            }
        } else {
            try {
                if (valid) {
                    if (host.device(pdev) != null) {
                        LOG.warn("{}: tried to remap ITS device 0x{}", vgic.name(), Integer.toHexString(devid));
                        return false; // -EBUSY
                    }
                    host.mapDevice(pdev, 1L << bits, domainSlot);
                } else if (host.device(pdev) != null && host.device(pdev).domainSlot() == domainSlot) {
                    host.unmapDevice(pdev);
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: MAPD 0x{}: {}", vgic.name(), Integer.toHexString(devid), e.getMessage());
                if (valid) {
                    return false;
                }
            }
        }
        return writeDevice(devid, valid ? itt : 0, valid ? bits : 1);
    }

    /** Discards every event of a device Dom0 unmaps ({@code its_unmap_device}). */
    private void unmapDevice(int devid) {
        long[] dev = readDevice(devid);
        if (dev == null) {
            return;
        }
        for (int e = 0; e < dev[1]; e++) {
            int[] itte = readItte(devid, e);
            if (itte != null) {
                forgetVirq(itte[0]);
            }
        }
    }

    /** {@code its_handle_mapti}: the ITTE, then the host LPI of the same event routed to the vLPI. */
    private boolean mapti(long[] c, boolean mapi) {
        int devid = deviceId(c);
        int event = eventId(c);
        int vlpi = mapi ? event : (int) (c[1] >>> 32);
        int coll = collection(c);
        long a = itteAddress(devid, event);
        if (a < 0) {
            return false;
        }
        if ((int) memory.load(a, 8) != HostLpis.NO_VIRQ) {
            return false; // an existing mapping: UNPREDICTABLE, Xen ignores the command
        }
        int vcpu = vcpuOfCollection(coll);
        if (vcpu < 0 || vlpi < InterruptController.FIRST_LPI || vlpi >= vgic.lpiLimit()) {
            return false;
        }
        HostIts.Device dev = hostDevice(devid);
        if (dev == null || Integer.toUnsignedLong(event) >= dev.events() || mappedLpis.get(vlpi)) {
            return false; // no host LPI behind the event, or the vLPI is mapped already
        }
        if (!writeItte(devid, event, coll, vlpi)) {
            return false;
        }
        if (!vgic.updateLpiProperty(vlpi)) {
            writeItte(devid, event, UNMAPPED_COLLECTION, HostLpis.NO_VIRQ);
            return false;
        }
        mappedLpis.set(vlpi);
        lpis.setRoute(dev.hostLpi(event), HostLpis.route(domainSlot, vcpu, vlpi));
        return true;
    }

    /** The host device behind the guest's DeviceID, if this domain mapped it. */
    private HostIts.Device hostDevice(int devid) {
        int pdev = physical.applyAsInt(devid);
        HostIts.Device d = pdev < 0 ? null : host.device(pdev);
        return d != null && d.domainSlot() == domainSlot ? d : null;
    }

    /** {@code its_handle_inv}: re-read the LPI's property byte. */
    private boolean inv(long[] c) {
        if (!vgic.rdistsEnabled()) {
            return true; // no redistributor has LPIs enabled yet: nothing to read
        }
        int[] itte = readItte(deviceId(c), eventId(c));
        return itte != null && vgic.updateLpiProperty(itte[0]);
    }

    /** {@code its_handle_invall}: every LPI mapped to the collection's vCPU. */
    private boolean invall(long[] c) {
        int vcpu = vcpuOfCollection(collection(c));
        if (vcpu < 0) {
            return false;
        }
        if (!vgic.rdistsEnabled()) {
            return true;
        }
        for (int v = mappedLpis.nextSetBit(0); v >= 0; v = mappedLpis.nextSetBit(v + 1)) {
            vgic.updateLpiProperty(v);
        }
        return true;
    }

    /** {@code its_handle_int}: the event's vLPI made pending. */
    private boolean interrupt(long[] c) {
        int[] itte = readItte(deviceId(c), eventId(c));
        if (itte == null) {
            return false;
        }
        vgic.inject(itte[1], itte[0]);
        return true;
    }

    /** {@code its_handle_clear}: the event's vLPI no longer pending. */
    private boolean clear(long[] c) {
        int[] itte = readItte(deviceId(c), eventId(c));
        if (itte == null) {
            return false;
        }
        vgic.clearPending(itte[1], itte[0]);
        return true;
    }

    /** {@code its_handle_discard}: pending state, host route and ITTE gone. */
    private boolean discard(long[] c) {
        int devid = deviceId(c);
        int event = eventId(c);
        int[] itte = readItte(devid, event);
        if (itte == null) {
            return false;
        }
        HostIts.Device dev = hostDevice(devid);
        if (dev != null && Integer.toUnsignedLong(event) < dev.events()) {
            lpis.setRoute(dev.hostLpi(event), HostLpis.route(domainSlot, 0, HostLpis.NO_VIRQ));
        }
        forgetVirq(itte[0]);
        return writeItte(devid, event, UNMAPPED_COLLECTION, HostLpis.NO_VIRQ);
    }

    private void forgetVirq(int vlpi) {
        vgic.forgetLpi(vlpi);
        mappedLpis.clear(vlpi);
    }

    /** {@code its_handle_movi}: the event to another collection; a pending vLPI follows. */
    private boolean movi(long[] c) {
        int devid = deviceId(c);
        int event = eventId(c);
        int[] itte = readItte(devid, event);
        int to = vcpuOfCollection(collection(c));
        if (itte == null || to < 0) {
            return false;
        }
        if (!writeItte(devid, event, collection(c), itte[0])) {
            return false;
        }
        HostIts.Device dev = hostDevice(devid);
        if (dev != null && Integer.toUnsignedLong(event) < dev.events()) {
            lpis.setRoute(dev.hostLpi(event), HostLpis.route(domainSlot, to, itte[0]));
        }
        vgic.moveLpi(itte[0], itte[1], to);
        return true;
    }

    // ---------------------------------------------------------------- MMIO

    /** Widths Xen takes: 32 bits for CTLR, IIDR, PIDR2; 32 or 64 for the 64-bit registers. */
    static boolean widthAllowed(long offset, int size) {
        if (offset >= GITS_TYPER && offset < 0x140) {
            return size == 4 || size == 8;
        }
        return size == 4;
    }

    @Override
    public void access(MemoryTransaction tx) {
        if (tx.offset < 0 || tx.offset >= SIZE || !widthAllowed(tx.offset, tx.size) || (tx.offset & (tx.size - 1)) != 0) {
            badWidth.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        regs.access(tx);
    }

    /** Domain teardown: every device it mapped unmapped on the host, routes gone. */
    public void destroy() {
        synchronized (cmdLock) {
            enabled = false;
            for (int pdev : host.devicesOf(domainSlot)) {
                host.unmapDevice(pdev);
            }
            mappedLpis.clear();
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** Commands executed (well-formed or not). */
    public long commandsProcessed() {
        return processed.sum();
    }

    /** Commands skipped for bad parameters (Xen's "ITS command error"). */
    public long commandErrors() {
        return errors.sum();
    }

    /** Commands with an opcode Xen does not handle (skipped). */
    public long unknownCommands() {
        return unknown.sum();
    }

    /** CWRITER writes beyond the queue (nothing processed). */
    public long overruns() {
        return overruns.sum();
    }

    /** Times processing stopped on a command outside the guest's RAM. */
    public long stalls() {
        return stalls.sum();
    }

    /** Accesses refused for their width (data aborts). */
    public long badWidthAccesses() {
        return badWidth.sum();
    }

    @Override
    public String toString() {
        return String.format("vITS %s @0x%x: %s, %d commands (%d errors, %d unknown)", vgic.name(), host.base(),
                enabled ? "enabled" : "disabled", processed.sum(), errors.sum(), unknown.sum());
    }
}
