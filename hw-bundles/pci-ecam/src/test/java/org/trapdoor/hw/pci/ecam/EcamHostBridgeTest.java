package org.trapdoor.hw.pci.ecam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.PciRange;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.pci.PciFunction;
import org.trapdoor.api.pci.PciHierarchy;
import org.trapdoor.api.pci.ecam.EcamLayout;
import org.trapdoor.api.pci.ecam.EcamWindow;

class EcamHostBridgeTest {
    private static final long ECAM = 0x40_1000_0000L;

    /** A function whose config space is 4 KiB of bytes and that logs every access. */
    static final class Fn implements PciFunction {
        final byte[] config = new byte[4096];
        final List<String> log = new ArrayList<>();
        long barBase = -1;

        @Override
        public int configRead(int offset, int size) {
            log.add("R" + Integer.toHexString(offset) + "/" + size);
            int v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = v << 8 | (config[offset + i] & 0xff);
            }
            return v;
        }

        @Override
        public void configWrite(int offset, int size, int value) {
            log.add("W" + Integer.toHexString(offset) + "/" + size);
            for (int i = 0; i < size; i++) {
                config[offset + i] = (byte) (value >>> (8 * i));
            }
        }

        @Override
        public boolean decodeMemory(MemoryTransaction tx) {
            if (barBase < 0 || tx.address < barBase || tx.address >= barBase + 0x1000) {
                return false;
            }
            if (!tx.write) {
                tx.data = tx.address - barBase;
            }
            tx.result = MemResult.OK;
            return true;
        }
    }

    /** A hierarchy as the machine keeps it: functions by requester ID. */
    static final class Functions implements PciHierarchy {
        final PciFunction[] byRid = new PciFunction[1 << 16];

        Functions put(int bus, int devfn, PciFunction f) {
            byRid[bus << 8 | devfn] = f;
            return this;
        }

        @Override
        public PciFunction function(int bus, int devfn) {
            return ((bus | devfn) & ~0xff) != 0 ? null : byRid[bus << 8 | devfn];
        }

        @Override
        public int[] requesterIds() {
            int n = 0;
            int[] out = new int[1 << 16];
            for (int i = 0; i < byRid.length; i++) {
                if (byRid[i] != null) {
                    out[n++] = i;
                }
            }
            return Arrays.copyOf(out, n);
        }
    }

    private final Functions pci = new Functions();

    private EcamHostBridge bridge(int first, int last, long size) {
        return new EcamHostBridge(new EcamWindow("/pcie@10000000", 0, new RegEntry(ECAM, size, null), first, last,
                List.of(new PciRange(PciRange.Space.MEM32, false, 0x1000_0000L, 0x1000_0000L, 0x2eff_0000L, 0x0200_0000L)),
                EcamLayout.ECAM), pci);
    }

    private static long ecamRead(EcamHostBridge b, long offset, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(ECAM + offset, size);
        tx.offset = offset;
        b.region(0).access(tx);
        return tx.data;
    }

    private static MemoryTransaction ecamWrite(EcamHostBridge b, long offset, int size, long value) {
        MemoryTransaction tx = new MemoryTransaction().write(ECAM + offset, size, value);
        tx.offset = offset;
        b.region(0).access(tx);
        return tx;
    }

    private static long ecam(int bus, int dev, int fn, int reg) {
        return (long) bus << 20 | dev << 15 | fn << 12 | reg;
    }

    @Test
    void everyFieldOfTheEcamOffsetSelectsBusDeviceFunctionAndRegister() {
        Fn f = new Fn();
        f.config[0xabc] = 0x5a;
        pci.put(3, 0x1f << 3 | 5, f);
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        assertEquals(0x5a, ecamRead(b, ecam(3, 0x1f, 5, 0xabc), 1));
        assertEquals(List.of("Rabc/1"), f.log);
        // Neighbours in each field miss the function.
        assertEquals(0xff, ecamRead(b, ecam(2, 0x1f, 5, 0xabc), 1));
        assertEquals(0xff, ecamRead(b, ecam(3, 0x1e, 5, 0xabc), 1));
        assertEquals(0xff, ecamRead(b, ecam(3, 0x1f, 4, 0xabc), 1));
        assertEquals(1, f.log.size());
    }

    @Test
    void busNumbersAreRelativeToTheStartOfBusRange() {
        Fn f = new Fn();
        f.config[0] = 0x34;
        pci.put(0x21, 0x08, f);
        EcamHostBridge b = bridge(0x20, 0x2f, 16L << 20);
        assertEquals(0x34, ecamRead(b, ecam(1, 1, 0, 0), 1), "bus 1 of the window is bus 0x21");
        assertEquals(0x34, b.configRead(0x21, 0x08, 0, 1));
        assertEquals(0x20, b.busStart());
        assertEquals(0x2f, b.busEnd());
    }

    @Test
    void busesOutsideBusRangeReadAllOnesAndIgnoreWrites() {
        Fn f = new Fn();
        pci.put(0x05, 0x00, f);
        EcamHostBridge b = bridge(0, 3, 256L << 20);
        assertEquals(0xffff_ffffL, ecamRead(b, ecam(5, 0, 0, 0), 4));
        assertEquals(MemResult.OK, ecamWrite(b, ecam(5, 0, 0, 0), 4, 0x1234).result);
        assertEquals(-1, b.configRead(5, 0, 0, 4));
        assertTrue(f.log.isEmpty());
    }

    @Test
    void aWindowSmallerThanBusRangeDecodesOnlyTheBusesItHolds() {
        EcamHostBridge b = bridge(0, 255, 16L << 20);
        assertEquals(15, b.busEnd());
        assertThrows(IllegalArgumentException.class, () -> bridge(0, 255, 0x8_0000));
    }

    @Test
    void absentFunctionsReadAllOnesOfTheAccessWidth() {
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        assertEquals(0xff, ecamRead(b, ecam(0, 4, 0, 0), 1));
        assertEquals(0xffff, ecamRead(b, ecam(0, 4, 0, 2), 2));
        assertEquals(0xffff_ffffL, ecamRead(b, ecam(0, 4, 0, 0), 4));
        assertEquals(-1L, ecamRead(b, ecam(0, 4, 0, 0), 8));
        assertEquals(0xffff, b.configRead(1, 0, 0, 2));
    }

    @Test
    void theBridgeFunctionAt0000IsAQemuGpexHostBridge() {
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        assertEquals(0x0008_1b36L, ecamRead(b, 0, 4));
        assertEquals(0x0600_0000L, ecamRead(b, 0x08, 4) & 0xffff_ff00L);
        assertEquals(0, ecamRead(b, 0x0e, 1));
        assertEquals(0, ecamRead(b, 0x10, 4), "no BARs");
        ecamWrite(b, 0x04, 2, 0x0006);
        assertEquals(0x0006, ecamRead(b, 0x04, 2));
        ecamWrite(b, 0x00, 4, 0);
        assertEquals(0x1b36, b.configRead(0, 0, 0, 2), "IDs are read-only");
    }

    @Test
    void aDeviceAttachedAt0000HidesTheBridgeFunction() {
        Fn f = new Fn();
        f.config[0] = 0x11;
        pci.put(0, 0, f);
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        assertEquals(0x11, b.configRead(0, 0, 0, 1));
    }

    @Test
    void eightByteAccessesAreSplitIntoTwoFourByteAccesses() {
        Fn f = new Fn();
        pci.put(0, 0x10, f);
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        ecamWrite(b, ecam(0, 2, 0, 0x40), 8, 0x1122_3344_5566_7788L);
        assertEquals(List.of("W40/4", "W44/4"), f.log);
        assertEquals(0x1122_3344_5566_7788L, ecamRead(b, ecam(0, 2, 0, 0x40), 8));
        assertEquals(List.of("W40/4", "W44/4", "R40/4", "R44/4"), f.log);
    }

    @Test
    void misalignedOrOddSizedAccessesGetAllOnesOrAreDroppedAndCounted() {
        Fn f = new Fn();
        pci.put(0, 0x08, f);
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        MemoryTransaction tx = new MemoryTransaction().read(ECAM + ecam(0, 1, 0, 2), 4);
        tx.offset = ecam(0, 1, 0, 2);
        b.region(0).access(tx);
        assertEquals(0xffff_ffffL, tx.data);
        assertEquals(MemResult.ABORT, tx.result);
        assertEquals(MemResult.ABORT, ecamWrite(b, ecam(0, 1, 0, 1), 2, 0).result);
        assertEquals(MemResult.ABORT, ecamWrite(b, ecam(0, 1, 0, 4), 8, 0).result);
        tx.read(ECAM, 3);
        b.region(0).access(tx);
        assertEquals(MemResult.ABORT, tx.result);
        assertEquals(-1, b.configRead(0, 0x08, 0xffe, 4));
        b.configWrite(0, 0x08, 3, 2, 0);
        b.configWrite(0, 0x08, 0, 3, 0);
        assertTrue(f.log.isEmpty(), "no bad access reaches the function");
        assertEquals(7, b.badAccesses());
    }

    @Test
    void configAccessorsByBdfReachTheFunction() {
        Fn f = new Fn();
        pci.put(1, 0x0a, f);
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        b.configWrite(1, 0x0a, 0x3c, 1, 0x7f);
        assertEquals(0x7f, b.configRead(1, 0x0a, 0x3c, 1));
        assertEquals(0x7f, ecamRead(b, ecam(1, 1, 2, 0x3c), 1));
    }

    @Test
    void outboundAccessesGoToTheFunctionWhoseBarClaimsThem() {
        Fn a = new Fn();
        Fn c = new Fn();
        c.barBase = 0x1000_2000L;
        pci.put(0, 0x08, a).put(0, 0x10, c);
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        MemoryTransaction tx = new MemoryTransaction().read(0x1000_2010L, 4);
        b.outbound(tx);
        assertEquals(MemResult.OK, tx.result);
        assertEquals(0x10, tx.data);
        assertEquals(0, b.unsupportedRequests());
    }

    @Test
    void unclaimedOutboundAccessesAreUnsupportedRequestsAndCounted() {
        pci.put(0, 0x08, new Fn());
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        MemoryTransaction tx = new MemoryTransaction().read(0x1000_0000L, 4);
        b.outbound(tx);
        assertEquals(0xffff_ffffL, tx.data);
        assertEquals(MemResult.DECODE_ERROR, tx.result);
        tx.write(0x1000_0000L, 4, 1);
        b.outbound(tx);
        assertEquals(MemResult.DECODE_ERROR, tx.result);
        assertEquals(2, b.unsupportedRequests());
    }

    @Test
    void onlyTheEcamWindowIsServedAndTheSummarySaysWhereItIs() {
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        MmioHandler h = b.region(0);
        assertTrue(h != null);
        assertNull(b.region(1));
        String s = b.summary();
        assertTrue(s.contains("ECAM 0x4010000000") && s.contains("buses 00-ff") && s.contains("mem32 0x10000000+0x2eff0000"), s);
    }

    @Test
    void commandRegisterStateIsHandedToAReplacement() {
        EcamHostBridge a = bridge(0, 255, 256L << 20);
        a.configWrite(0, 0, 0x04, 2, 0x0106);
        EcamHostBridge b = bridge(0, 255, 256L << 20);
        b.restoreState(a.saveState());
        assertEquals(0x0106, b.configRead(0, 0, 0x04, 2));
        b.restoreState("unknown state");
        assertEquals(0x0106, b.configRead(0, 0, 0x04, 2), "unknown state is ignored");
    }
}
