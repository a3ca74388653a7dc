package org.trapdoor.api.pci.ecam;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import org.trapdoor.api.trace.TraceEvent;
import org.trapdoor.api.trace.TraceField;
import org.trapdoor.api.trace.TracePoint;
import org.trapdoor.api.trace.Tracing;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;

/**
 * The ECAM mechanism every ECAM host bridge shares (Xen's {@code ecam.c} and
 * {@code pci-host-common.c}, Linux's {@code pci_generic_config_read/write}): the window's decode
 * through its {@link EcamLayout}, the bus-range check, the 8-byte split, the gate, the root
 * function and the outbound windows.
 *
 * <p>Accesses of 1, 2 or 4 bytes must be naturally aligned; an 8-byte access is split into two
 * 4-byte ones, as Xen's vPCI does. Anything else is refused (reads all-ones, writes dropped,
 * result ABORT, counted as a bad access). An absent function or a bus outside the range reads
 * all-ones. An access the {@link ConfigGate} refuses completes (the bridge answers, as a
 * bridge whose link is down does) with all-ones or the write dropped, counted as refused.
 *
 * <p>A vendor bridge with registers of its own holds one of these and serves its other
 * regions itself; a plain one is this class ({@link EcamProbe#probe}).
 */
public class EcamHost implements HostBridge {
    private final EcamWindow window;
    private final EcamLayout layout;
    private final int regIndex;
    private final long size;
    private final int busStart;
    private final int busEnd;
    private final int configSize;
    private final PciHierarchy pci;
    private final PciFunction root;
    private final ConfigGate gate;
    private final MmioHandler ecam = this::ecamAccess;
    private final LongAdder badAccesses = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder unsupportedRequests = new LongAdder();

    /** {@code ecam_config}: a config access through the window (or a hypervisor's accessor). */
    public static final TraceEvent CONFIG = TraceEvent.of("ecam_config", "a config access to a function",
            TraceField.bdf("bdf"), TraceField.hex("reg"), TraceField.dec("size"), TraceField.flag("write"),
            TraceField.hex("value"), TraceField.choice("to", List.of("no function (all-ones)", "function",
                    "refused by the gate")));
    /** {@code ecam_bar_decode}: a CPU access through the bridge's window, and the function whose BAR took it. */
    public static final TraceEvent BAR_DECODE = TraceEvent.of("ecam_bar_decode",
            "an outbound access and the function whose BAR decoded it (none: Unsupported Request)",
            TraceField.hex("addr"), TraceField.dec("size"), TraceField.flag("write"), TraceField.bdf("bdf"),
            TraceField.flag("claimed"));
    private final TracePoint config;
    private final TracePoint barDecode;

    /**
     * @param root the bridge's own function at devfn 0 of its first bus when nothing is plugged
     *             there, or {@code null}
     */
    public EcamHost(EcamWindow window, PciHierarchy pci, PciFunction root, ConfigGate gate) {
        this(window, pci, root, gate, Tracing.OFF);
    }

    /** @param tracing where {@code ecam_config} and {@code ecam_bar_decode} are declared (the machine's registry) */
    public EcamHost(EcamWindow window, PciHierarchy pci, PciFunction root, ConfigGate gate, Tracing tracing) {
        this.config = tracing.point(CONFIG);
        this.barDecode = tracing.point(BAR_DECODE);
        this.window = window;
        this.layout = window.layout();
        this.regIndex = window.regIndex();
        this.size = window.reg().size();
        this.busStart = window.busFirst();
        this.busEnd = window.busLast();
        this.configSize = layout.configSize();
        this.pci = pci;
        this.root = root;
        this.gate = gate;
    }

    public EcamWindow window() {
        return window;
    }

    /** The handler of the config window, for a vendor bridge's {@code region(i)}. */
    public MmioHandler ecam() {
        return ecam;
    }

    @Override
    public MmioHandler region(int index) {
        return index == regIndex ? ecam : null;
    }

    @Override
    public int busStart() {
        return busStart;
    }

    @Override
    public int busEnd() {
        return busEnd;
    }

    /** The function at bus/devfn: a plugged device, else the bridge's own function; no gate. */
    public PciFunction function(int bus, int devfn) {
        if (bus < busStart || bus > busEnd || (devfn & ~0xff) != 0) {
            return null;
        }
        PciFunction f = pci.function(bus, devfn);
        if (f == null && bus == busStart && devfn == 0) {
            return root;
        }
        return f;
    }

    private void ecamAccess(MemoryTransaction tx) {
        long off = tx.offset;
        int sz = tx.size;
        if (!MemoryTransaction.validSize(sz) || (off & (sz - 1)) != 0 || off >= size) {
            badAccesses.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        int bus = busStart + layout.busIndex(off);
        int devfn = layout.devfn(off);
        int reg = layout.register(off);
        if (sz == 8) {
            if (tx.write) {
                write(bus, devfn, reg, 4, (int) tx.data);
                write(bus, devfn, reg + 4, 4, (int) (tx.data >>> 32));
            } else {
                long lo = read(bus, devfn, reg, 4) & 0xffff_ffffL;
                long hi = read(bus, devfn, reg + 4, 4) & 0xffff_ffffL;
                tx.data = hi << 32 | lo;
            }
        } else if (tx.write) {
            write(bus, devfn, reg, sz, (int) tx.data);
        } else {
            tx.data = read(bus, devfn, reg, sz) & MemoryTransaction.allOnes(sz);
        }
        tx.result = MemResult.OK;
    }

    private int read(int bus, int devfn, int reg, int sz) {
        // The gate first: a refused access never reaches the bus, present function or not.
        if (!gate.allows(bus, devfn)) {
            refused.increment();
            if (config.on()) {
                config.emit(bus << 8 | devfn, reg, sz, 0, MemoryTransaction.allOnes(sz), 2);
            }
            return (int) MemoryTransaction.allOnes(sz);
        }
        PciFunction f = function(bus, devfn);
        int v = f == null ? (int) MemoryTransaction.allOnes(sz) : f.configRead(reg, sz);
        if (config.on()) {
            config.emit(bus << 8 | devfn, reg, sz, 0, v & MemoryTransaction.allOnes(sz), f == null ? 0 : 1);
        }
        return v;
    }

    private void write(int bus, int devfn, int reg, int sz, int value) {
        if (!gate.allows(bus, devfn)) {
            refused.increment();
            if (config.on()) {
                config.emit(bus << 8 | devfn, reg, sz, 1, value & MemoryTransaction.allOnes(sz), 2);
            }
            return;
        }
        PciFunction f = function(bus, devfn);
        if (config.on()) {
            config.emit(bus << 8 | devfn, reg, sz, 1, value & MemoryTransaction.allOnes(sz), f == null ? 0 : 1);
        }
        if (f != null) {
            f.configWrite(reg, sz, value);
        }
    }

    private boolean validConfig(int offset, int sz) {
        if ((sz != 1 && sz != 2 && sz != 4) || offset < 0 || (offset & (sz - 1)) != 0 || offset + sz > configSize) {
            badAccesses.increment();
            return false;
        }
        return true;
    }

    @Override
    public int configRead(int bus, int devfn, int offset, int sz) {
        if (!validConfig(offset, sz)) {
            return (int) MemoryTransaction.allOnes(sz == 1 || sz == 2 ? sz : 4);
        }
        return read(bus, devfn, offset, sz) & (int) MemoryTransaction.allOnes(sz);
    }

    @Override
    public void configWrite(int bus, int devfn, int offset, int sz, int value) {
        if (validConfig(offset, sz)) {
            write(bus, devfn, offset, sz, value);
        }
    }

    /** Offers the access to each function below; an unclaimed one is an Unsupported Request. */
    @Override
    public void outbound(MemoryTransaction tx) {
        int[] rids = pci.requesterIds();
        for (int rid : rids) {
            int bus = rid >>> 8;
            if (bus < busStart || bus > busEnd) {
                continue;
            }
            PciFunction f = pci.function(bus, rid & 0xff);
            if (f != null && f.decodeMemory(tx)) {
                if (barDecode.on()) {
                    barDecode.emit(tx.address, tx.size, tx.write ? 1 : 0, rid, 1);
                }
                return;
            }
        }
        if (barDecode.on()) {
            barDecode.emit(tx.address, tx.size, tx.write ? 1 : 0, 0, 0);
        }
        unsupportedRequests.increment();
        tx.fail(MemResult.DECODE_ERROR);
    }

    /** Config accesses refused for their size or alignment. */
    public long badAccesses() {
        return badAccesses.sum();
    }

    /** Config accesses the gate refused (before bring-up, link down). */
    public long refusedAccesses() {
        return refused.sum();
    }

    /** Outbound accesses no function claimed. */
    public long unsupportedRequests() {
        return unsupportedRequests.sum();
    }

    @Override
    public String summary() {
        String w = window.ranges().stream().filter(r -> r.space() != PciRange.Space.CONFIG)
                .map(r -> String.format("%s 0x%x+0x%x", r.space().name().toLowerCase(Locale.ROOT),
                        r.cpuAddress(), r.size()))
                .collect(Collectors.joining(", "));
        String s = String.format("ECAM 0x%x (%d MiB), buses %02x-%02x, windows: %s; %d bad config accesses, %d unsupported requests",
                window.reg().address(), size >>> 20, busStart, busEnd, w.isEmpty() ? "none" : w, badAccesses(),
                unsupportedRequests());
        return gate == ConfigGate.OPEN ? s : s + ", " + refusedAccesses() + " refused before bring-up";
    }

    @Override
    public String toString() {
        return "ECAM host bridge " + window.path();
    }
}
