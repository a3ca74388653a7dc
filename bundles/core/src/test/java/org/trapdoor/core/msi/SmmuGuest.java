package org.trapdoor.core.msi;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.core.machine.ComposedMachine;

/**
 * The SMMUv3 half of a minimal guest, programming the {@code virt} preset's SMMU the way Linux's
 * arm-smmu-v3 driver does at probe and attach: command and event queues, a linear stream table,
 * then for one StreamID a stage-1 STE, its context descriptor and 4 KiB-granule page tables, all
 * in RAM and through the SMMU's registers.
 */
final class SmmuGuest {
    static final long SMMU = 0x0905_0000L;
    static final long STRTAB = Guest.RAM + 0x40_0000;
    static final long CMDQ = Guest.RAM + 0x41_0000;
    static final long EVTQ = Guest.RAM + 0x42_0000;
    static final long CD = Guest.RAM + 0x43_0000;
    static final long TABLES = Guest.RAM + 0x44_0000;
    static final int CMDQ_LOG2 = 8;
    static final int EVTQ_LOG2 = 6;
    static final long AF = 1L << 10;

    private final ComposedMachine m;
    private final PhysicalMemory ram;
    private long nextTable = TABLES;
    private long root;
    private int cmdProd;
    private int evtCons;

    SmmuGuest(ComposedMachine m) {
        this.m = m;
        this.ram = m.memory();
    }

    private void wr(int offset, int size, long value) {
        MemResult r = m.system().write(SMMU + offset, size, value);
        if (r != MemResult.OK) {
            throw new AssertionError(String.format("SMMU write 0x%x -> %s", offset, r));
        }
    }

    private long rd(int offset, int size) {
        return m.system().read(SMMU + offset, size);
    }

    /** Queues, a 256-entry linear stream table, interrupts, then CMDQEN | EVTQEN and SMMUEN. */
    void enable() {
        wr(0x90, 8, CMDQ | CMDQ_LOG2);
        wr(0x98, 4, 0);
        wr(0x9C, 4, 0);
        wr(0xA0, 8, EVTQ | EVTQ_LOG2);
        wr(0x100A8, 4, 0);
        wr(0x100AC, 4, 0);
        wr(0x80, 8, STRTAB);
        wr(0x88, 4, 8);
        wr(0x50, 4, 0x5);
        wr(0x20, 4, 0xC);
        wr(0x20, 4, 0xD);
    }

    /**
     * Stream {@code sid}: stage-1 translation through a context descriptor (48-bit input, 4 KiB
     * granule, faults recorded) and a fresh level-0 table; the SMMU is told with CFGI_STE + SYNC.
     */
    void attach(int sid) {
        root = alloc();
        long cd = CD + sid * 64L;
        ram.store64(cd, 16 /* T0SZ */ | 1L << 31 /* V */ | 5L << 32 /* IPS 48 */ | 1L << 41 /* AA64 */
                | 1L << 45 /* R */ | 1L << 46 /* A */ | 1L << 48 /* ASID 1 */);
        ram.store64(cd + 8, root);
        long ste = STRTAB + sid * 64L;
        ram.store64(ste + 8, 0);
        ram.store64(ste + 16, 0);
        ram.store64(ste + 24, 0);
        ram.store64(ste, 1 /* V */ | 5L << 1 /* Config: S1 translate */ | cd);
        command(0x03 | (long) sid << 32, 1); // CFGI_STE, leaf
        command(0x46, 0); // CMD_SYNC
    }

    /** Maps the 4 KiB page at {@code iova} to {@code pa}, read/write. */
    void map(long iova, long pa) {
        long t = root;
        for (int level = 0; level < 3; level++) {
            long slot = t + ((iova >>> (39 - 9 * level)) & 0x1FF) * 8;
            long d = ram.load64(slot);
            if ((d & 3) != 3) {
                long n = alloc();
                ram.store64(slot, n | 3);
                t = n;
            } else {
                t = d & 0x0000_FFFF_FFFF_F000L;
            }
        }
        ram.store64(t + ((iova >>> 12) & 0x1FF) * 8, pa | AF | 3);
    }

    private long alloc() {
        long a = nextTable;
        nextTable += 4096;
        for (int i = 0; i < 4096; i += 8) {
            ram.store64(a + i, 0);
        }
        return a;
    }

    void command(long dw0, long dw1) {
        long slot = CMDQ + (cmdProd & ((1 << CMDQ_LOG2) - 1)) * 16L;
        ram.store64(slot, dw0);
        ram.store64(slot + 8, dw1);
        cmdProd = (cmdProd + 1) & ((2 << CMDQ_LOG2) - 1);
        wr(0x98, 4, cmdProd);
    }

    /** The next event record (four doublewords), consumed; null when the queue is empty. */
    long[] event() {
        long prod = rd(0x100A8, 4) & ((2 << EVTQ_LOG2) - 1);
        if (prod == evtCons) {
            return null;
        }
        long a = EVTQ + (evtCons & ((1 << EVTQ_LOG2) - 1)) * 32L;
        long[] r = {ram.load64(a), ram.load64(a + 8), ram.load64(a + 16), ram.load64(a + 24)};
        evtCons = (evtCons + 1) & ((2 << EVTQ_LOG2) - 1);
        wr(0x100AC, 4, evtCons);
        return r;
    }
}
