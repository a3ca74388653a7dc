package org.trapdoor.hw.pci.ecam;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import org.trapdoor.api.dt.BusRange;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;

/**
 * A generic ECAM host bridge ({@code pci-host-ecam-generic}): config space is the ECAM window
 * and nothing needs initialising.
 *
 * <p>ECAM address layout (offset into the window):
 * <pre>
 *   [27:20] bus, relative to the first bus of bus-range
 *   [19:15] device   [14:12] function   (devfn = [19:12])
 *   [11:0]  register
 * </pre>
 * Accesses of 1, 2 or 4 bytes must be naturally aligned; an 8-byte access is split into two
 * 4-byte ones, as Xen's vPCI does. Anything else is refused (reads all-ones, writes dropped,
 * result ABORT, counted). An absent function or a bus outside bus-range reads all-ones.
 */
public final class EcamHostBridge implements HostBridge {
    private static final int BUS_SHIFT = 20;
    private static final int DEVFN_SHIFT = 12;
    private static final int REG_MASK = 0xfff;
    private static final int CONFIG_SIZE = 4096;

    private final String path;
    private final long ecamBase;
    private final long ecamSize;
    private final int busStart;
    private final int busEnd;
    private final List<PciRange> windows;
    private final PciHierarchy pci;
    private final HostBridgeFunction root = new HostBridgeFunction();
    private final MmioHandler ecam = this::ecamAccess;
    private final LongAdder badAccesses = new LongAdder();
    private final LongAdder unsupportedRequests = new LongAdder();

    /**
     * @param ecamWindow the ECAM window (reg entry 0); its size limits the buses decoded
     * @throws IllegalArgumentException if the window is smaller than one bus (1 MiB)
     */
    public EcamHostBridge(String path, RegEntry ecamWindow, BusRange busRange, List<PciRange> windows, PciHierarchy pci) {
        long buses = ecamWindow.size() >>> BUS_SHIFT;
        if (buses == 0) {
            throw new IllegalArgumentException(String.format("%s: ECAM window 0x%x is smaller than one bus (1 MiB)",
                    path, ecamWindow.size()));
        }
        this.path = path;
        this.ecamBase = ecamWindow.address();
        this.ecamSize = ecamWindow.size();
        this.busStart = busRange.first();
        // A window smaller than bus-range says decodes only the buses it has room for.
        this.busEnd = (int) Math.min(busRange.last(), busRange.first() + buses - 1);
        this.windows = List.copyOf(windows);
        this.pci = pci;
    }

    @Override
    public MmioHandler region(int index) {
        return index == 0 ? ecam : null;
    }

    @Override
    public int busStart() {
        return busStart;
    }

    @Override
    public int busEnd() {
        return busEnd;
    }

    /** The function at bus/devfn: a plugged device, else the bridge's own function at 00:00.0. */
    PciFunction function(int bus, int devfn) {
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
        int size = tx.size;
        if (!MemoryTransaction.validSize(size) || (off & (size - 1)) != 0 || off >= ecamSize) {
            badAccesses.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        int bus = busStart + (int) (off >>> BUS_SHIFT);
        int devfn = (int) (off >>> DEVFN_SHIFT) & 0xff;
        int reg = (int) off & REG_MASK;
        if (size == 8) {
            if (tx.write) {
                write(bus, devfn, reg, 4, (int) tx.data);
                write(bus, devfn, reg + 4, 4, (int) (tx.data >>> 32));
            } else {
                long lo = read(bus, devfn, reg, 4) & 0xffff_ffffL;
                long hi = read(bus, devfn, reg + 4, 4) & 0xffff_ffffL;
                tx.data = hi << 32 | lo;
            }
        } else if (tx.write) {
            write(bus, devfn, reg, size, (int) tx.data);
        } else {
            tx.data = read(bus, devfn, reg, size) & MemoryTransaction.allOnes(size);
        }
        tx.result = MemResult.OK;
    }

    private int read(int bus, int devfn, int reg, int size) {
        PciFunction f = function(bus, devfn);
        return f == null ? (int) MemoryTransaction.allOnes(size) : f.configRead(reg, size);
    }

    private void write(int bus, int devfn, int reg, int size, int value) {
        PciFunction f = function(bus, devfn);
        if (f != null) {
            f.configWrite(reg, size, value);
        }
    }

    private boolean validConfig(int offset, int size) {
        if ((size != 1 && size != 2 && size != 4) || offset < 0 || (offset & (size - 1)) != 0
                || offset + size > CONFIG_SIZE) {
            badAccesses.increment();
            return false;
        }
        return true;
    }

    @Override
    public int configRead(int bus, int devfn, int offset, int size) {
        if (!validConfig(offset, size)) {
            return (int) MemoryTransaction.allOnes(size == 1 || size == 2 ? size : 4);
        }
        return read(bus, devfn, offset, size) & (int) MemoryTransaction.allOnes(size);
    }

    @Override
    public void configWrite(int bus, int devfn, int offset, int size, int value) {
        if (validConfig(offset, size)) {
            write(bus, devfn, offset, size, value);
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
                return;
            }
        }
        unsupportedRequests.increment();
        tx.fail(MemResult.DECODE_ERROR);
    }

    /** Config accesses refused for their size or alignment. */
    public long badAccesses() {
        return badAccesses.sum();
    }

    /** Outbound accesses no function claimed. */
    public long unsupportedRequests() {
        return unsupportedRequests.sum();
    }

    @Override
    public Object saveState() {
        return root.saveState();
    }

    @Override
    public void restoreState(Object state) {
        if (state instanceof int[]) {
            root.restoreState((int[]) state);
        }
    }

    @Override
    public String summary() {
        String w = windows.stream().filter(r -> r.space() != PciRange.Space.CONFIG)
                .map(r -> String.format("%s 0x%x+0x%x", r.space().name().toLowerCase(Locale.ROOT),
                        r.cpuAddress(), r.size()))
                .collect(Collectors.joining(", "));
        return String.format("ECAM 0x%x (%d MiB), buses %02x-%02x, windows: %s; %d bad config accesses, %d unsupported requests",
                ecamBase, ecamSize >>> 20, busStart, busEnd, w.isEmpty() ? "none" : w, badAccesses(), unsupportedRequests());
    }

    @Override
    public String toString() {
        return "ECAM host bridge " + path;
    }
}
