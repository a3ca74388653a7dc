package org.trapdoor.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.HostBridge;
import org.trapdoor.api.pci.ecam.EcamLayout;
import org.trapdoor.api.platform.HardwareDriver;

/**
 * The ECAM behaviour every host bridge owes Linux's {@code pci_generic_config_read/write} and
 * Xen's vPCI, checked through the bridge's config window as a CPU accesses it: decode of bus,
 * device/function and register; {@code bus-range}; an 8-byte access as two dwords, low first;
 * sizes other than 1, 2, 4, 8 and misaligned accesses refused; an absent function all-ones; and
 * a swap of the model under config traffic that loses no write.
 *
 * <p>A vendor's test extends this and names its driver; a bridge that needs more than a window
 * says how its node looks ({@link #board()}), which {@code reg-names} entry is the window and
 * what software does before config cycles get through ({@link #bringUp}).
 */
public abstract class EcamConformance {
    /** Where the default board puts the window. */
    protected static final long WINDOW = 0x40_1000_0000L;
    /** The endpoint's IDs: an unassigned vendor, so no real driver's quirk applies. */
    protected static final int VENDOR = 0x1e0f, DEVICE = 0xc0f7;
    private static final long IDS = (long) DEVICE << 16 | VENDOR;
    private static final int ENDPOINT_DEVFN = 0x08;
    private static final int ABSENT_DEVFN = 0x10;

    protected Rig rig;
    protected Endpoint endpoint;
    private long window;
    private long windowSize;
    private int busFirst;
    private int busLast;

    /** The driver under test. A new instance is fine: the harness asks once per model. */
    protected abstract HardwareDriver driver();

    /**
     * The node the driver binds: by default the driver's first {@code compatible}, {@code reg}
     * entry 0 a 16 MiB ECAM window (16 buses) at {@link #WINDOW}, {@code bus-range} 0..7, so
     * the window holds buses beyond the range.
     */
    protected Board board() {
        return new Board("pcie@" + Long.toHexString(WINDOW), driver().compatibles().get(0)).reg(null, WINDOW, 16L << 20)
                .busRange(0, 7);
    }

    /** The {@code reg-names} entry of the config window, or null for {@code reg} entry 0. */
    protected String configRegName() {
        return null;
    }

    protected EcamLayout layout() {
        return EcamLayout.ECAM;
    }

    /**
     * What software does before config cycles reach the endpoint (a bring-up sequence, the root
     * port's bus numbers). The default: nothing, as for a generic ECAM bridge.
     */
    protected void bringUp(Rig rig) throws Exception {
    }

    /**
     * The bus the endpoint answers on once brought up; it is attached at the first bus, device 1,
     * as the machine attaches devices. A bridge with a root port moves it to the port's
     * secondary bus.
     */
    protected int endpointBus() {
        return busFirst;
    }

    @BeforeEach
    void bind() throws Exception {
        Board board = board();
        rig = new Rig(board);
        List<RegEntry> reg = board.node().reg();
        RegEntry cfg = reg.get(0);
        if (configRegName() != null) {
            cfg = reg.stream().filter(r -> configRegName().equals(r.name())).findFirst()
                    .orElseThrow(() -> new AssertionError("the board has no reg entry " + configRegName()));
        }
        window = cfg.address();
        windowSize = cfg.size();
        busFirst = board.node().busRange().first();
        busLast = board.node().busRange().last();
        endpoint = new Endpoint(VENDOR, DEVICE);
        rig.functions().attach(busFirst, ENDPOINT_DEVFN, endpoint);
        if (busLast < 255) {
            // Plugged beyond bus-range: a bridge that decoded past the range would reach it.
            rig.functions().attach(busLast + 1, ENDPOINT_DEVFN, new Endpoint(VENDOR, DEVICE));
        }
        rig.create(driver());
        bringUp(rig);
    }

    @AfterEach
    void close() {
        if (rig != null && rig.model() != null) {
            rig.model().close();
        }
    }

    /** A config access through the window, as a CPU makes it. */
    protected MemoryTransaction config(int bus, int devfn, int register, int size, boolean write, long data) {
        long at = window + layout().offset(bus - busFirst, devfn, register);
        MemoryTransaction tx = new MemoryTransaction();
        return rig.access(write ? tx.write(at, size, data) : tx.read(at, size));
    }

    protected long read(int bus, int devfn, int register, int size) {
        MemoryTransaction tx = config(bus, devfn, register, size, false, 0);
        assertEquals(MemResult.OK, tx.result, () -> "a " + size + "-byte config read at register " + register + " completes");
        return tx.data;
    }

    protected void write(int bus, int devfn, int register, int size, long data) {
        MemoryTransaction tx = config(bus, devfn, register, size, true, data);
        assertEquals(MemResult.OK, tx.result, () -> "a " + size + "-byte config write at register " + register + " completes");
    }

    @Test
    void decodeReachesTheEndpointAtItsBusDeviceFunctionAndRegister() {
        int bus = endpointBus();
        assertEquals(IDS, read(bus, ENDPOINT_DEVFN, 0, 4), "dword 0: device and vendor ID");
        assertEquals(DEVICE, read(bus, ENDPOINT_DEVFN, 2, 2), "word 2: device ID");
        assertEquals(VENDOR >>> 8, read(bus, ENDPOINT_DEVFN, 1, 1), "byte 1: vendor ID's high byte");
        write(bus, ENDPOINT_DEVFN, Endpoint.SCRATCH, 4, 0xcafe_f00dL);
        assertEquals(0xcafe_f00d, endpoint.configRead(Endpoint.SCRATCH, 4), "the write reached the endpoint's register");
        write(bus, ENDPOINT_DEVFN, Endpoint.SCRATCH + 2, 1, 0x5a);
        assertEquals(0xca5a_f00d, endpoint.configRead(Endpoint.SCRATCH, 4), "a byte write changes that byte only");
        HostBridge b = rig.bridge();
        assertEquals(IDS, b.configRead(bus, ENDPOINT_DEVFN, 0, 4) & 0xffff_ffffL, "the BDF accessor agrees with the window");
    }

    @Test
    void anAbsentFunctionReadsAllOnesOfEachSizeAndDropsWrites() {
        int bus = endpointBus();
        assertEquals(0xffff_ffffL, read(bus, ABSENT_DEVFN, 0, 4));
        assertEquals(0xffffL, read(bus, ABSENT_DEVFN, 0, 2));
        assertEquals(0xffL, read(bus, ABSENT_DEVFN, 3, 1));
        write(bus, ABSENT_DEVFN, Endpoint.SCRATCH, 4, 0x1234);
        assertEquals(0, endpoint.configRead(Endpoint.SCRATCH, 4), "a write to no function lands nowhere");
        assertEquals(-1, rig.bridge().configRead(bus, ABSENT_DEVFN, 0, 4), "the BDF accessor: all-ones");
    }

    @Test
    void busesOutsideBusRangeReadAllOnesEvenWithAFunctionPluggedThere() {
        HostBridge b = rig.bridge();
        assertEquals(busFirst, b.busStart(), "busStart is bus-range's first");
        assertTrue(b.busEnd() <= busLast, "busEnd " + b.busEnd() + " within bus-range's last " + busLast);
        Assumptions.assumeTrue(busLast < 255 && layout().buses(windowSize) > busLast - busFirst + 1,
                "the window holds a bus beyond bus-range");
        assertEquals(0xffff_ffffL, read(busLast + 1, ENDPOINT_DEVFN, 0, 4), "bus " + (busLast + 1) + " is beyond bus-range");
        assertEquals(-1, b.configRead(busLast + 1, ENDPOINT_DEVFN, 0, 4));
    }

    @Test
    void anEightByteAccessIsTwoDwordsLowFirst() {
        int bus = endpointBus();
        write(bus, ENDPOINT_DEVFN, Endpoint.SCRATCH, 8, 0x1122_3344_5566_7788L);
        assertEquals(0x5566_7788, endpoint.configRead(Endpoint.SCRATCH, 4), "low dword at the address");
        assertEquals(0x1122_3344, endpoint.configRead(Endpoint.SCRATCH + 4, 4), "high dword 4 bytes on");
        assertEquals(0x1122_3344_5566_7788L, read(bus, ENDPOINT_DEVFN, Endpoint.SCRATCH, 8));
        assertEquals(0xffff_ffff_ffff_ffffL, read(bus, ABSENT_DEVFN, 0, 8), "an absent function: all-ones in both halves");
    }

    @Test
    void badSizesAndMisalignedAccessesAreRefusedAndChangeNothing() {
        int bus = endpointBus();
        write(bus, ENDPOINT_DEVFN, Endpoint.SCRATCH, 4, 0x0102_0304L);
        int[][] bad = {{3, 0}, {16, 0}, {0, 0}, {4, 2}, {2, 1}, {8, 4}};
        for (int[] b : bad) {
            int size = b[0];
            int reg = Endpoint.SCRATCH + b[1];
            MemoryTransaction w = config(bus, ENDPOINT_DEVFN, reg, size, true, 0xdead_beef_dead_beefL);
            assertNotEquals(MemResult.OK, w.result, "a " + size + "-byte write at +" + b[1] + " is refused");
            MemoryTransaction r = config(bus, ENDPOINT_DEVFN, reg, size, false, 0);
            assertNotEquals(MemResult.OK, r.result, "a " + size + "-byte read at +" + b[1] + " is refused");
            assertEquals(MemoryTransaction.allOnes(size), r.data, "a refused read returns all-ones");
        }
        assertEquals(0x0102_0304, endpoint.configRead(Endpoint.SCRATCH, 4), "no refused write reached the endpoint");
        assertEquals(0, endpoint.configRead(Endpoint.SCRATCH + 4, 4));
        rig.bridge().configWrite(bus, ENDPOINT_DEVFN, Endpoint.SCRATCH, 3, 0);
        assertEquals(0x0102_0304, endpoint.configRead(Endpoint.SCRATCH, 4), "the BDF accessor refuses size 3 too");
    }

    /**
     * Two CPUs write and read back their own scratch dword while the model is replaced again and
     * again: every read returns what that CPU wrote last, so no swap lost a write, the bridge's
     * set-up (bring-up, bus numbers) or an answer.
     */
    @Test
    void swapUnderConfigTrafficLosesNoWriteAndNoAnswer() throws Exception {
        int bus = endpointBus();
        int rounds = 20_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] cpus = new Thread[2];
        for (int c = 0; c < cpus.length; c++) {
            int reg = Endpoint.SCRATCH + 4 * c;
            cpus[c] = new Thread(() -> {
                try {
                    for (int i = 1; i <= rounds && failure.get() == null; i++) {
                        long v = (long) reg << 24 | i;
                        write(bus, ENDPOINT_DEVFN, reg, 4, v);
                        long back = read(bus, ENDPOINT_DEVFN, reg, 4);
                        if (back != v) {
                            throw new AssertionError("round " + i + ": wrote 0x" + Long.toHexString(v) + ", read 0x"
                                    + Long.toHexString(back));
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "cpu" + c);
            cpus[c].start();
        }
        int swaps = 0;
        while (cpus[0].isAlive() || cpus[1].isAlive()) {
            rig.swap(driver());
            swaps++;
            Thread.onSpinWait();
        }
        for (Thread t : cpus) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("after " + swaps + " swaps: " + failure.get().getMessage(), failure.get());
        }
        assertTrue(swaps > 0, "the model was swapped under traffic");
        assertEquals((long) Endpoint.SCRATCH << 24 | rounds, endpoint.configRead(Endpoint.SCRATCH, 4) & 0xffff_ffffL);
        assertEquals(IDS, read(bus, ENDPOINT_DEVFN, 0, 4), "the last model decodes as the first did");
    }
}
