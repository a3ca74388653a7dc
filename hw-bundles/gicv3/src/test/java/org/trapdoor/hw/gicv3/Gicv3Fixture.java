package org.trapdoor.hw.gicv3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.testkit.ArrayRam;

/**
 * What the GICv3 test classes share: a 256-SPI GICv3 with two CPUs over 1 MiB of RAM (LPI
 * property table at {@link #PROP}, pending tables at {@link #PEND} and {@link #PEND1}), every
 * signal to a CPU recorded in {@link #signals}, MMIO accesses that must succeed, and the
 * programming a guest does to enable an SPI or a redistributor's LPIs.
 */
abstract class Gicv3Fixture {
    static final long RAM = 0x4000_0000L;
    static final long PROP = RAM + 0x10000;
    static final long PEND = RAM + 0x20000;
    static final long PEND1 = RAM + 0x30000;
    /** Offset of the SGI/PPI frame in a redistributor. */
    static final long SGI = 0x10000;
    static final int SPURIOUS = InterruptController.SPURIOUS;

    ArrayRam ram;
    Gicv3 gic;
    MmioHandler gicd;
    MmioHandler gicr;
    /** Each signal to a CPU: {cpu, intid}. */
    final List<int[]> signals = new ArrayList<>();

    /** The CPUs' affinities (MPIDR), one redistributor each. */
    long[] affinities() {
        return new long[] {0x0, 0x1};
    }

    @BeforeEach
    void setUpGic() {
        ram = new ArrayRam(RAM, 0x100000);
        gic = new Gicv3("gic", 256, affinities(), ram);
        gicd = gic.region(0);
        gicr = gic.region(1);
        gic.connect((cpu, intid) -> signals.add(new int[] {cpu, intid}));
    }

    long rd(MmioHandler h, long off, int size) {
        MemoryTransaction tx = new MemoryTransaction().read(0, size);
        tx.offset = off;
        h.access(tx);
        assertEquals(MemResult.OK, tx.result, "read 0x" + Long.toHexString(off));
        return tx.data;
    }

    void wr(MmioHandler h, long off, int size, long v) {
        MemoryTransaction tx = new MemoryTransaction().write(0, size, v);
        tx.offset = off;
        h.access(tx);
        assertEquals(MemResult.OK, tx.result, "write 0x" + Long.toHexString(off));
    }

    /** Enables group 1, puts SPI {@code id} in group 1, edge-triggered, at {@code prio}, enabled. */
    void spi(int id, int prio) {
        wr(gicd, 0x0, 4, 0x2);
        wr(gicd, 0x80 + (id / 32) * 4, 4, rd(gicd, 0x80 + (id / 32) * 4, 4) | (1L << (id % 32)));
        wr(gicd, 0xC00 + (id / 16) * 4, 4, rd(gicd, 0xC00 + (id / 16) * 4, 4) | (2L << ((id % 16) * 2)));
        wr(gicd, 0x400 + id, 1, prio);
        wr(gicd, 0x100 + (id / 32) * 4, 4, 1L << (id % 32));
    }

    /** GICR_PROPBASER (IDbits = {@code idBits} - 1), GICR_PENDBASER, then GICR_CTLR.EnableLPIs of {@code cpu}. */
    void enableLpis(int cpu, long pend, int idBits) {
        long rdBase = cpu * 0x20000L;
        wr(gicr, rdBase + 0x70, 8, PROP | (idBits - 1));
        wr(gicr, rdBase + 0x78, 8, pend);
        wr(gicr, rdBase + 0x0, 4, 1);
    }

    /** The INTIDs signalled to {@code cpu} since the last clear. */
    List<Integer> signalled(int cpu) {
        List<Integer> out = new ArrayList<>();
        for (int[] s : signals) {
            if (s[0] == cpu) {
                out.add(s[1]);
            }
        }
        return out;
    }
}
