package org.trapdoor.xen.pci;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.trapdoor.xen.vpci.HostConfig;
import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.hypervisor.HostBridgeControl;
import org.trapdoor.api.hypervisor.HostBridgeStatus;
import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemoryTransaction;

/**
 * A host bridge as Xen's {@code pci_host_common_probe} finds it: the config window it maps, the
 * buses it decodes, its segment, and Xen's own config accessors ({@code pci_conf_read*} through
 * {@code pci_generic_ecam_ops}: {@code win + ((bus - busn_start) << 20) + (devfn << 12) + reg}),
 * performed as loads and stores on the machine's system bus, as Xen's {@code readl} on the
 * {@code ioremap}ped window.
 *
 * <p><b>Readiness gate.</b> Xen may touch a bridge's config space only once it knows the bridge is
 * up (the host-bridge ownership policy says when: {@link #markReady}). Before that every config
 * access Xen makes is refused without reaching the bridge, reads all-ones as for an absent device,
 * and is counted ({@link #refusedAccesses()}).
 *
 * <p>Hot path (a DomU's trapped config access reads through to here): no lock, no allocation. The
 * bridge keeps one transaction for its accesses, claimed with one atomic flag; a second thread
 * that finds it taken uses a fresh one (rare: accesses to one function are serialised by vPCI).
 */
public final class XenHostBridge implements HostBridgeControl, HostConfig {
    private static final int BUS_SHIFT = 20;
    private static final int DEVFN_SHIFT = 12;

    private final DtNode node;
    private final String compatible;
    private final int segment;
    private final long cfgBase;
    private final long cfgSize;
    private final int busStart;
    private final int busEnd;
    private final AddressSpace system;
    private final Runnable bringUp;
    private final Consumer<String> console;
    private final LongAdder refused = new LongAdder();
    private final MemoryTransaction tx = new MemoryTransaction();
    private final AtomicBoolean txBusy = new AtomicBoolean();
    private volatile boolean ready;
    private volatile String readyReason = "not yet known to be initialised";
    private volatile String owner = "";

    /**
     * @param cfg     the config window ({@code reg} entry chosen by the driver's {@code cfg_reg_index})
     * @param bringUp the bridge's bring-up sequence run from Xen, or null when it has none
     */
    public XenHostBridge(DtNode node, String compatible, int segment, RegEntry cfg, AddressSpace system,
            Runnable bringUp, Consumer<String> console) {
        this.node = node;
        this.compatible = compatible;
        this.segment = segment;
        this.cfgBase = cfg.address();
        this.cfgSize = cfg.size();
        // init_bus_range: bus-range or 0-0xff, at most 256 buses, and no more than the window holds.
        BusRange range = node.has("bus-range") ? node.busRange() : BusRange.DEFAULT;
        long buses = Math.max(1, cfgSize >>> BUS_SHIFT);
        this.busStart = range.first();
        this.busEnd = (int) Math.min(Math.min(range.last(), range.first() + 255L), range.first() + buses - 1);
        this.system = system;
        this.bringUp = bringUp;
        this.console = console;
    }

    @Override
    public String node() {
        return node.path();
    }

    public DtNode dtNode() {
        return node;
    }

    public String compatible() {
        return compatible;
    }

    @Override
    public int segment() {
        return segment;
    }

    public int busStart() {
        return busStart;
    }

    public int busEnd() {
        return busEnd;
    }

    /** Machine address of the config window. */
    public long cfgBase() {
        return cfgBase;
    }

    public long cfgSize() {
        return cfgSize;
    }

    /** Whether this bridge decodes {@code bus} on {@code seg} ({@code pci_find_host_bridge}). */
    public boolean decodes(int seg, int bus) {
        return seg == segment && bus >= busStart && bus <= busEnd;
    }

    // ---------------------------------------------------------------- ownership policy's view

    @Override
    public boolean needsBringUp() {
        return bringUp != null;
    }

    @Override
    public void bringUp() {
        if (bringUp != null) {
            console.accept(String.format("%s: running the bridge's bring-up sequence", node.path()));
            try {
                bringUp.run();
            } catch (RuntimeException e) {
                // The bridge stays not ready: Xen keeps refusing its config space, and says why.
                readyReason = "Xen's bring-up failed: " + e.getMessage();
                console.accept(String.format("%s: %s", node.path(), readyReason));
                throw e;
            }
        }
    }

    @Override
    public void markReady(String how) {
        if (!ready) {
            readyReason = how;
            ready = true;
            console.accept(String.format("%s: segment %04x ready for config access: %s", node.path(), segment, how));
        }
    }

    @Override
    public boolean ready() {
        return ready;
    }

    /** The ownership policy in force, for {@code xen} and {@code xl}-like status. */
    public void owner(String policyName) {
        this.owner = policyName == null ? "" : policyName;
    }

    /** Config accesses refused because the bridge was not known to be ready. */
    public long refusedAccesses() {
        return refused.sum();
    }

    public HostBridgeStatus status() {
        return new HostBridgeStatus(node.path(), compatible, segment, busStart, busEnd, owner, ready, readyReason,
                refusedAccesses());
    }

    // ---------------------------------------------------------------- pci_conf_read / write

    /**
     * Config read of 1, 2 or 4 bytes by Xen; all-ones for a bus the bridge does not decode, a bad
     * size or alignment, or while the bridge is not ready (refused and counted).
     */
    public int read(int bus, int devfn, int reg, int size) {
        return load(address(bus, devfn, reg, size), size);
    }

    /** Config write of 1, 2 or 4 bytes by Xen; dropped where {@link #read} would read all-ones. */
    public void write(int bus, int devfn, int reg, int size, int value) {
        store(address(bus, devfn, reg, size), size, value);
    }

    /**
     * A config read the hardware domain made that Xen's trap passes on to the device (hwdom vPCI's
     * {@code vpci_read_hw}). Not gated: under {@code dom0-init} these are the accesses of the one who
     * initialises the bridge, and Dom0 must be able to enumerate before it reports anything.
     */
    public int forwardRead(int bus, int devfn, int reg, int size) {
        return load(ecamAddress(bus, devfn, reg, size), size);
    }

    /** The write side of {@link #forwardRead}. */
    public void forwardWrite(int bus, int devfn, int reg, int size, int value) {
        store(ecamAddress(bus, devfn, reg, size), size, value);
    }

    /** A load from Xen's mapping of the window at {@code addr}; all-ones when {@code addr} is -1 (refused). */
    private int load(long addr, int size) {
        if (addr < 0) {
            return (int) MemoryTransaction.allOnes(size == 1 || size == 2 ? size : 4);
        }
        MemoryTransaction t = claim();
        t.read(addr, size);
        system.access(t);
        int v = (int) t.data;
        release(t);
        return v;
    }

    /** The store side of {@link #load}: nothing goes out when {@code addr} is -1. */
    private void store(long addr, int size, int value) {
        if (addr < 0) {
            return;
        }
        MemoryTransaction t = claim();
        t.write(addr, size, value & MemoryTransaction.allOnes(size));
        system.access(t);
        release(t);
    }

    /** The ECAM address of the access, or -1 when it must not go out (counted if refused for readiness). */
    private long address(int bus, int devfn, int reg, int size) {
        if (!ready) {
            refused.increment();
            return -1;
        }
        return ecamAddress(bus, devfn, reg, size);
    }

    private long ecamAddress(int bus, int devfn, int reg, int size) {
        if (bus < busStart || bus > busEnd || (devfn & ~0xff) != 0 || (size != 1 && size != 2 && size != 4)
                || reg < 0 || (reg & (size - 1)) != 0 || reg + size > 4096) {
            return -1;
        }
        return cfgBase + ((long) (bus - busStart) << BUS_SHIFT) + ((long) devfn << DEVFN_SHIFT) + reg;
    }

    private MemoryTransaction claim() {
        return txBusy.compareAndSet(false, true) ? tx : new MemoryTransaction();
    }

    private void release(MemoryTransaction t) {
        if (t == tx) {
            txBusy.set(false);
        }
    }

    @Override
    public String toString() {
        return String.format("%s (segment %04x, buses %02x-%02x)", node.path(), segment, busStart, busEnd);
    }
}
