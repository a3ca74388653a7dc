package org.trapdoor.hw.xgene.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.model.ModelRef;
import org.trapdoor.hw.gicv2.Gicv2;

/** The termination block as pci-xgene-msi.c reads it (mustang: 0x79000000, SPIs 16..31 = INTIDs 48..63). */
class XgeneMsiTest {
    static final long BASE = 0x7900_0000L;
    static final int FIRST_SPI = 48;

    final Gicv2 gic = new Gicv2("gic", 256, 1);
    final InterruptCounters ledger = new InterruptCounters();
    final XgeneMsi msi;

    XgeneMsiTest() {
        int[] spis = new int[16];
        for (int n = 0; n < 16; n++) {
            spis[n] = FIRST_SPI + n;
        }
        msi = new XgeneMsi("/soc/msi@79000000", BASE, spis, new ModelRef<InterruptController>() {
            @Override
            public InterruptController get() {
                return gic;
            }

            @Override
            public DtNode node() {
                return null;
            }
        }, ledger);
        gicd(0x000, 4, 1);
        gic.enableCpuInterface(0, 0xff);
        for (int n = 0; n < 16; n++) {
            int spi = FIRST_SPI + n;
            gicd(0x100 + (spi / 32) * 4, 4, 1L << (spi % 32));
            gicd(0x800 + spi, 1, 1);
        }
    }

    private void gicd(int offset, int size, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(0x0800_0000L + offset, size, v);
        tx.offset = offset;
        gic.region(0).access(tx);
    }

    /** xgene_compose_msi_msg: hwirq h -> address offset ((8 * (h % 16) + h / 256) << 16), data (h / 16) % 16. */
    static long offset(int hwirq) {
        return (long) (8 * (hwirq % 16) + hwirq / 256) << 16;
    }

    static int data(int hwirq) {
        return (hwirq / 16) % 16;
    }

    MemoryTransaction send(long offset, int size, long data) {
        MemoryTransaction tx = new MemoryTransaction().write(BASE + offset, size, data);
        tx.offset = offset;
        tx.msi = true;
        msi.region(0).access(tx);
        return tx;
    }

    long read(long offset) {
        MemoryTransaction tx = new MemoryTransaction().read(BASE + offset, 4);
        tx.offset = offset;
        msi.region(0).access(tx);
        return tx.data;
    }

    /** xgene_msi_isr for group n: the hwirqs found, in Linux's order. */
    java.util.List<Integer> isr(int n) {
        java.util.List<Integer> found = new java.util.ArrayList<>();
        long grp = read(XgeneMsi.MSI_INT0 + ((long) n << 16));
        while (grp != 0) {
            int x = Long.numberOfTrailingZeros(grp);
            long val = read(((long) n << 19) + ((long) x << 16));
            while (val != 0) {
                int k = Long.numberOfTrailingZeros(val);
                found.add((x * 16 + k) * 16 + n);
                val &= ~(1L << k);
            }
            grp &= ~(1L << x);
            if (grp == 0) {
                grp = read(XgeneMsi.MSI_INT0 + ((long) n << 16));
            }
        }
        return found;
    }

    @Test
    void everyOneOf2048VectorsComesBackAsItsOwnHwirqOnItsGroupsSpi() {
        for (int h = 0; h < 2048; h++) {
            MemoryTransaction tx = send(offset(h), 4, data(h));
            assertEquals(MemResult.OK, tx.result);
            int n = h % 16;
            assertTrue(gic.isPending(FIRST_SPI + n, 0), "group " + n + "'s SPI for hwirq " + h);
            assertEquals(java.util.List.of(h), isr(n), "hwirq " + h);
            assertFalse(gic.isPending(FIRST_SPI + n, 0), "the line falls once the group is drained");
        }
        assertEquals(2048, ledger.delivered());
        assertEquals(2048, msi.counters().delivered());
        assertEquals(0, ledger.dropped());
    }

    @Test
    void msiIntnShowsWhichIndexRegistersHoldVectorsAndTheReadClears() {
        send(offset(5 * 16 + 3), 4, data(5 * 16 + 3)); // group 3, index 0, data 5
        send(offset(256 * 2 + 3), 4, data(256 * 2 + 3)); // group 3, index 2, data 0
        assertEquals(0b101, read(XgeneMsi.MSI_INT0 + (3L << 16)));
        assertEquals(1 << 5, read(3L << 19));
        assertEquals(0, read(3L << 19), "read-to-clear");
        assertEquals(0b100, read(XgeneMsi.MSI_INT0 + (3L << 16)));
        assertTrue(gic.isPending(FIRST_SPI + 3, 0), "index 2 still waits: the line stays high");
    }

    @Test
    void aSecondMessageForAPendingVectorIsCoalescedAndCountedOnce() {
        send(offset(17), 4, data(17));
        send(offset(17), 4, data(17));
        assertEquals(1, ledger.delivered());
        assertEquals(1, ledger.dropped(DropReason.COALESCED));
        assertEquals(java.util.List.of(17), isr(1));
    }

    @Test
    void dataBeyond15SetsNothingAndIsCountedOutOfRange() {
        MemoryTransaction tx = send(0, 4, 16);
        assertEquals(MemResult.OK, tx.result, "the write completes; nothing is set");
        send(0, 4, 0xffff_ffffL);
        assertEquals(2, ledger.dropped(DropReason.VECTOR_OUT_OF_RANGE));
        assertEquals(0, read(0));
        assertFalse(gic.isPending(FIRST_SPI, 0));
        assertFalse(tx.msi, "recorded once: the mark is cleared");
    }

    @Test
    void writesThatHitNoIndexRegisterOrHaveAnOddSizeAreCountedNotDelivered() {
        send(XgeneMsi.MSI_INT0, 4, 1);
        send(0x10, 4, 1);
        send(0, 1, 1);
        assertEquals(2, ledger.dropped(DropReason.NO_DOORBELL));
        assertEquals(1, ledger.dropped(DropReason.BAD_ACCESS_SIZE));
        assertEquals(0, read(XgeneMsi.MSI_INT0));
        read(0x4);
        assertEquals(1, msi.badCpuAccesses());
    }

    @Test
    void aSixteenBitMessageIsAccepted() {
        send(offset(0), 2, 0);
        assertEquals(java.util.List.of(0), isr(0));
    }

    @Test
    void pendingVectorsSurviveASwapAndRaiseTheirLine() {
        send(offset(40), 4, data(40));
        Object s = msi.saveState();
        int[] spis = new int[16];
        for (int n = 0; n < 16; n++) {
            spis[n] = FIRST_SPI + n;
        }
        XgeneMsi next = new XgeneMsi("/soc/msi@79000000", BASE, spis, new ModelRef<InterruptController>() {
            @Override
            public InterruptController get() {
                return gic;
            }

            @Override
            public DtNode node() {
                return null;
            }
        }, ledger);
        next.restoreState(s);
        assertEquals(1 << data(40), next.pending(40 % 16, 0));
    }
}
