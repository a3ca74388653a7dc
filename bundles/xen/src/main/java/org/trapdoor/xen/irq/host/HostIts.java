package org.trapdoor.xen.irq.host;

import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * Xen's driver for one physical ITS ({@code xen/arch/arm/gic-v3-its.c}), through loads and stores
 * on the system bus and Xen's own memory: flat Device and Collection tables
 * ({@code its_map_baser}), a command queue ({@code gicv3_its_init_single_its}), one collection
 * per physical CPU ({@code gicv3_its_setup_collection}: MAPC, INVALL, SYNC), and the host side of
 * a domain's devices ({@code gicv3_its_map_guest_device}): the DeviceID mapped with Xen's own ITT
 * of a power-of-two number of events, at least {@link HostLpis#BLOCK}, and every event mapped at
 * once to a host LPI of a block Xen allocated (MAPTI to CPU 0's collection, INV, then SYNC), so
 * that no host command is needed while the guest runs.
 *
 * <p>Commands are written to the queue, CWRITER is advanced, and Xen waits for CREADR
 * ({@code gicv3_its_wait_commands}); a stalled queue or one that does not move is an error the
 * caller gets back as an exception with the reason.
 */
public final class HostIts {
    private static final Logger LOG = LoggerFactory.getLogger(HostIts.class);
    static final int GITS_CTLR = 0x000;
    static final int GITS_TYPER = 0x008;
    static final int GITS_CBASER = 0x080;
    static final int GITS_CWRITER = 0x088;
    static final int GITS_CREADR = 0x090;
    static final int GITS_BASER = 0x100;
    static final int GITS_PIDR2 = 0xFFE8;
    public static final int GITS_TRANSLATER = 0x10040;
    static final long QUEUE_SIZE = 0x10000;
    static final long SZ_64K = 0x10000;
    static final int CMD_SIZE = 32;
    static final int POLL_LIMIT = 10_000;
    static final int MAPD = 0x08;
    static final int MAPC = 0x09;
    static final int MAPTI = 0x0A;
    static final int INV = 0x0C;
    static final int INVALL = 0x0D;
    static final int SYNC = 0x05;
    static final int DISCARD = 0x0F;
    static final int INT = 0x03;
    static final long BASER_VALID = 1L << 63;
    static final long BASER_ATTRS = 7L << 59 | 1L << 10;

    /** One device Xen mapped on this ITS for a domain ({@code struct its_device}). */
    public static final class Device {
        final int deviceId;
        final int events;
        final long itt;
        final long ittBytes;
        final int[] lpiBlocks;
        final int domainSlot;

        Device(int deviceId, int events, long itt, long ittBytes, int[] lpiBlocks, int domainSlot) {
            this.deviceId = deviceId;
            this.events = events;
            this.itt = itt;
            this.ittBytes = ittBytes;
            this.lpiBlocks = lpiBlocks;
            this.domainSlot = domainSlot;
        }

        public int deviceId() {
            return deviceId;
        }

        /** Events mapped at the host: a power of two, at least {@link HostLpis#BLOCK}. */
        public int events() {
            return events;
        }

        /** The host LPI of {@code event}. */
        public int hostLpi(int event) {
            return lpiBlocks[event / HostLpis.BLOCK] + event % HostLpis.BLOCK;
        }

        public int domainSlot() {
            return domainSlot;
        }
    }

    private final String name;
    private final long base;
    private final AddressSpace bus;
    private final PhysicalMemory ram;
    private final HostPages pages;
    private final HostGic gic;
    private final HostLpis lpis;
    private final Map<Integer, Device> devices = new HashMap<>();
    private int deviceBits;
    private int eventBits;
    private int itteSize;
    private boolean pta;
    private long queue;
    private long writer;
    private long commands;

    public HostIts(String name, long base, AddressSpace bus, PhysicalMemory ram, HostPages pages, HostGic gic,
            HostLpis lpis) {
        this.name = name;
        this.base = base;
        this.bus = bus;
        this.ram = ram;
        this.pages = pages;
        this.gic = gic;
        this.lpis = lpis;
    }

    public String name() {
        return name;
    }

    /** The ITS frame's physical address: the vITS for Dom0 sits at the same address. */
    public long base() {
        return base;
    }

    public long doorbell() {
        return base + GITS_TRANSLATER;
    }

    public int deviceBits() {
        return deviceBits;
    }

    public int eventBits() {
        return eventBits;
    }

    /** Commands Xen sent to this ITS. */
    public synchronized long commands() {
        return commands;
    }

    /** {@code gicv3_its_init_single_its}: tables, queue, enable, then one collection per CPU. */
    public synchronized void init() {
        int arch = (int) (bus.read(base + GITS_PIDR2, 4) >>> 4) & 0xf;
        if (arch != 3 && arch != 4) {
            throw new IllegalStateException(String.format("%s: no ITS at 0x%x", name, base));
        }
        long typer = bus.read(base + GITS_TYPER, 8);
        itteSize = (int) ((typer >>> 4) & 0xf) + 1;
        eventBits = (int) ((typer >>> 8) & 0x1f) + 1;
        deviceBits = (int) ((typer >>> 13) & 0x1f) + 1;
        pta = (typer & (1L << 19)) != 0;
        bus.write(base + GITS_CTLR, 4, 0);
        for (int n = 0; n < 8; n++) {
            mapBaser(n);
        }
        queue = pages.allocate(QUEUE_SIZE, SZ_64K);
        bus.write(base + GITS_CBASER, 8, BASER_VALID | 7L << 59 | queue | 1L << 10 | (QUEUE_SIZE / 4096 - 1));
        writer = 0;
        bus.write(base + GITS_CWRITER, 8, 0);
        bus.write(base + GITS_CTLR, 4, 1);
        for (int cpu = 0; cpu < gic.cpus(); cpu++) {
            long rd = rdbase(cpu);
            send(MAPC, 0, BASER_VALID | rd | cpu, 0);
            send(INVALL, 0, cpu, 0);
            send(SYNC, 0, rd, 0);
        }
        sync();
        LOG.info("{}: ITS @0x{}: {}-bit DeviceIDs, {}-bit EventIDs", name, Long.toHexString(base), deviceBits, eventBits);
    }

    private long rdbase(int cpu) {
        return pta ? gic.redistributor(cpu) : (long) cpu << 16;
    }

    /** {@code its_map_baser}: a flat table for every ID the ITS has (64 KiB pages, at most 256 of them). */
    private void mapBaser(int n) {
        long reg = base + GITS_BASER + 8L * n;
        long val = bus.read(reg, 8);
        int type = (int) ((val >>> 56) & 7);
        if (type != 1 && type != 4) {
            return;
        }
        int esz = (int) ((val >>> 48) & 0x1f) + 1;
        int ids = type == 1 ? deviceBits : 16;
        long bytes = Math.min((long) esz << ids, 256 * SZ_64K);
        bytes = Math.max(SZ_64K, (bytes + SZ_64K - 1) & -SZ_64K);
        long table = pages.allocate(bytes, SZ_64K);
        long value = BASER_VALID | BASER_ATTRS | (val & (0x7L << 56 | 0x1FL << 48)) | table | 2L << 8
                | (bytes / SZ_64K - 1);
        bus.write(reg, 8, value);
        if (bus.read(reg, 8) != value) {
            throw new IllegalStateException(String.format("%s: GITS_BASER%d did not take 0x%x", name, n, value));
        }
    }

    /**
     * {@code gicv3_its_map_guest_device} with {@code valid}: maps host DeviceID {@code deviceId}
     * for the domain in {@code domainSlot} with {@code requested} events (rounded up to a power of
     * two, at least 32), each to its own host LPI.
     *
     * @throws IllegalArgumentException for a DeviceID or event count beyond the ITS, or a DeviceID
     *                                  already mapped (Xen's -EINVAL, -EBUSY)
     * @throws IllegalStateException    when host LPIs or memory run out, or the queue fails
     */
    public synchronized Device mapDevice(int deviceId, long requested, int domainSlot) {
        if (deviceId < 0 || Integer.toUnsignedLong(deviceId) >= 1L << deviceBits) {
            throw new IllegalArgumentException(String.format("%s: DeviceID 0x%x beyond %d bits", name, deviceId,
                    deviceBits));
        }
        long events = requested <= 1 ? 1 : Long.highestOneBit(requested - 1) << 1;
        events = Math.max(events, HostLpis.BLOCK);
        if (events >= 1L << eventBits) {
            throw new IllegalArgumentException(String.format("%s: %d events for DeviceID 0x%x exceed %d EventID bits",
                    name, events, deviceId, eventBits));
        }
        if (devices.containsKey(deviceId)) {
            throw new IllegalArgumentException(String.format("%s: DeviceID 0x%x is already mapped", name, deviceId));
        }
        long ittBytes = Math.max(events * itteSize, 256);
        long itt = pages.allocate(ittBytes, 256);
        int[] blocks = new int[(int) (events / HostLpis.BLOCK)];
        int done = 0;
        try {
            send(MAPD | (long) deviceId << 32, Long.numberOfTrailingZeros(events) - 1, BASER_VALID | itt, 0);
            for (; done < blocks.length; done++) {
                int first = lpis.allocateBlock(domainSlot);
                if (first < 0) {
                    throw new IllegalStateException(name + ": no free host LPI block");
                }
                blocks[done] = first;
                for (int i = 0; i < HostLpis.BLOCK; i++) {
                    gic.lpiEnabled(first + i, true);
                    int event = done * HostLpis.BLOCK + i;
                    send(MAPTI | (long) deviceId << 32, event & 0xffff_ffffL | (long) (first + i) << 32, 0, 0);
                    send(INV | (long) deviceId << 32, event, 0, 0);
                }
            }
            send(SYNC, 0, rdbase(0), 0);
            sync();
        } catch (RuntimeException e) {
            for (int b = 0; b < done; b++) {
                lpis.freeBlock(blocks[b]);
            }
            pages.free(itt, ittBytes);
            throw e;
        }
        Device d = new Device(deviceId, (int) events, itt, ittBytes, blocks, domainSlot);
        devices.put(deviceId, d);
        return d;
    }

    /** The device Xen mapped for {@code deviceId}, or null. */
    public synchronized Device device(int deviceId) {
        return devices.get(deviceId);
    }

    /**
     * {@code remove_mapped_guest_device}: every event discarded, the host LPIs disabled and given
     * back, the DeviceID unmapped and its ITT freed.
     */
    public synchronized void unmapDevice(int deviceId) {
        Device d = devices.remove(deviceId);
        if (d == null) {
            return;
        }
        try {
            for (int event = 0; event < d.events; event++) {
                gic.lpiEnabled(d.hostLpi(event), false);
                send(DISCARD | (long) deviceId << 32, event, 0, 0);
            }
            send(MAPD | (long) deviceId << 32, 0, 0, 0);
            send(SYNC, 0, rdbase(0), 0);
            sync();
        } finally {
            for (int b : d.lpiBlocks) {
                lpis.freeBlock(b);
            }
            pages.free(d.itt, d.ittBytes);
        }
    }

    /** The DeviceIDs mapped for the domain in {@code domainSlot}. */
    public synchronized java.util.List<Integer> devicesOf(int domainSlot) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (Device d : devices.values()) {
            if (d.domainSlot == domainSlot) {
                out.add(d.deviceId);
            }
        }
        return out;
    }

    /**
     * {@code INT DeviceID, EventID}: the ITS translates the event as if the device had written it
     * and makes its LPI pending. How Xen forwards a device's message it recovered itself.
     *
     * @return false when Xen has not mapped that device with that event here
     */
    public synchronized boolean interrupt(int deviceId, int eventId) {
        Device d = devices.get(deviceId);
        if (d == null || eventId < 0 || eventId >= d.events()) {
            return false;
        }
        send(INT | (long) deviceId << 32, eventId & 0xffff_ffffL, 0, 0);
        send(SYNC, 0, rdbase(0), 0);
        sync();
        return true;
    }

    /** Devices mapped now. */
    public synchronized int mappedDevices() {
        return devices.size();
    }

    /** {@code its_send_command}: one command into the queue, CWRITER advanced. */
    private void send(long dw0, long dw1, long dw2, long dw3) {
        long next = (writer + CMD_SIZE) % QUEUE_SIZE;
        for (int i = 0; (bus.read(base + GITS_CREADR, 8) & 0xF_FFE0L) == next; i++) {
            if (i == POLL_LIMIT) {
                throw new IllegalStateException(name + ": command queue full and not draining");
            }
        }
        long slot = queue + writer;
        ram.store(slot, 8, dw0);
        ram.store(slot + 8, 8, dw1);
        ram.store(slot + 16, 8, dw2);
        ram.store(slot + 24, 8, dw3);
        writer = next;
        bus.write(base + GITS_CWRITER, 8, writer);
        commands++;
    }

    /** {@code gicv3_its_wait_commands}: CREADR must reach CWRITER without a stall. */
    private void sync() {
        for (int i = 0; i < POLL_LIMIT; i++) {
            long rd = bus.read(base + GITS_CREADR, 8);
            if ((rd & 1) != 0) {
                throw new IllegalStateException(String.format("%s: command queue stalled at 0x%x", name, rd & ~1L));
            }
            if ((rd & 0xF_FFE0L) == writer) {
                return;
            }
        }
        throw new IllegalStateException(name + ": ITS commands timed out");
    }
}
