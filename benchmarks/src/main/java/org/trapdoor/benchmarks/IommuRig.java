package org.trapdoor.benchmarks;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.hw.smmuv3.Smmuv3;
import org.trapdoor.testkit.ArrayRam;
import org.trapdoor.testkit.Lpae4kTables;

/**
 * An {@link Smmuv3} enabled over a RAM bank, programmed as Linux's arm-smmu-v3 driver does at
 * probe and attach: command and event queues, a linear stream table, then SMMUEN; StreamID
 * {@link #SID}'s STE selects stage 1 only (Config = 0b101) through one Context Descriptor (48-bit
 * input, 4 KiB granule, so every walk runs levels 0 to 3) whose TTB0 holds {@link #MAPPED} 4 KiB
 * pages from {@link #IOVA}, page i mapped to {@link #PA} + i * 4 KiB: first the {@link #PAGES}
 * pages a miss benchmark cycles over, then {@link #HOT_PAGES} more for a hit benchmark.
 *
 * <p>All registers are written through the SMMU's MMIO handler and all tables through RAM, so the
 * model sees exactly what a guest driver gives it; nothing reaches into the model.
 */
final class IommuRig {
    static final long RAM = 0x4000_0000L;
    static final int RAM_SIZE = 4 << 20;
    static final long CMDQ = RAM + 0x1_0000;
    static final long EVTQ = RAM + 0x2_0000;
    static final long STRTAB = RAM + 0x10_0000;
    static final long CD = RAM + 0x18_0000;
    static final int CMDQ_LOG2 = 8;
    static final int EVTQ_LOG2 = 6;
    /** STRTAB_BASE_CFG: FMT = linear, LOG2SIZE = 8 (256 StreamIDs). */
    static final int STRTAB_LINEAR_256 = 8;

    /** The one translated stream (a requester ID as {@code virt}'s identity iommu-map gives). */
    static final int SID = 8;
    static final int ASID = 1;
    /** First mapped input address: L0 index 0, L1 index 4, so no level is trivially at index 0 only. */
    static final long IOVA = 0x1_0000_0000L;
    /** Output of page 0; pages map linearly. Never accessed: translation only computes it. */
    static final long PA = 0x8_0000_0000L;
    /**
     * Mapped pages: 16 times the IOTLB's 1024 entries, 32 level-3 tables. Cycling over all of
     * them makes every lookup miss (set-up checks it), since a page's slot in the direct-mapped
     * IOTLB is refilled by others long before the cycle comes back to it.
     */
    static final int PAGES = 16384;
    /** Pages a hit benchmark cycles over (a power of two), numbered from {@link #PAGES}. */
    static final int HOT_PAGES = 4;
    static final int MAPPED = PAGES + HOT_PAGES;

    // Register offsets (SMMUv3 spec, page 0 and page 1).
    static final int CR0 = 0x20, CR0ACK = 0x24, IRQ_CTRL = 0x50, STRTAB_BASE = 0x80, STRTAB_BASE_CFG = 0x88,
            CMDQ_BASE = 0x90, CMDQ_PROD = 0x98, CMDQ_CONS = 0x9C, EVTQ_BASE = 0xA0,
            EVTQ_PROD = 0x100A8, EVTQ_CONS = 0x100AC;
    static final int CR0_SMMUEN = 1, CR0_EVTQEN = 4, CR0_CMDQEN = 8;
    static final int IRQ_CTRL_GERROR = 1, IRQ_CTRL_EVTQ = 4;

    final ArrayRam ram = new ArrayRam(RAM, RAM_SIZE);
    final Smmuv3 smmu = new Smmuv3("/smmu@9050000", ram, ram.asAddressSpace());
    private final MemoryTransaction reg = new MemoryTransaction();

    IommuRig() {
        Lpae4kTables pt = new Lpae4kTables(ram);
        for (int i = 0; i < MAPPED; i++) {
            pt.page(IOVA + ((long) i << 12), PA + ((long) i << 12), 0);
        }
        // CD: T0SZ = 16 (48-bit input), TG0 = 4K, EPD0 = 0, V, IPS = 48 bits, AA64, R and A (record
        // and abort on a fault), ASID.
        long cdDw0 = 16 | 0L << 6 | 1L << 31 | 5L << 32 | 1L << 41 | 1L << 45 | 1L << 46 | (long) ASID << 48;
        ram.store64(CD, cdDw0);
        ram.store64(CD + 8, pt.root);
        // STE: V, Config = 0b101 (stage 1 translate, stage 2 bypass), S1ContextPtr, S1CDMax = 0.
        long ste = STRTAB + SID * 64L;
        ram.store64(ste, 1 | 5L << 1 | CD);
        enable();
    }

    private void enable() {
        write(CMDQ_BASE, 8, CMDQ | CMDQ_LOG2);
        write(CMDQ_PROD, 4, 0);
        write(CMDQ_CONS, 4, 0);
        write(EVTQ_BASE, 8, EVTQ | EVTQ_LOG2);
        write(EVTQ_PROD, 4, 0);
        write(EVTQ_CONS, 4, 0);
        write(STRTAB_BASE, 8, STRTAB);
        write(STRTAB_BASE_CFG, 4, STRTAB_LINEAR_256);
        write(IRQ_CTRL, 4, IRQ_CTRL_GERROR | IRQ_CTRL_EVTQ);
        write(CR0, 4, CR0_CMDQEN | CR0_EVTQEN);
        write(CR0, 4, CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN);
        if (read(CR0ACK, 4) != (CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN)) {
            throw new IllegalStateException("SMMU did not acknowledge enable: " + smmu.mode());
        }
    }

    private void write(int offset, int size, long value) {
        reg.write(offset, size, value).offset = offset;
        smmu.region(0).access(reg);
        if (!reg.ok()) {
            throw new IllegalStateException(String.format("SMMU register write 0x%x -> %s", offset, reg.result));
        }
    }

    private long read(int offset, int size) {
        reg.read(offset, size).offset = offset;
        smmu.region(0).access(reg);
        if (!reg.ok()) {
            throw new IllegalStateException(String.format("SMMU register read 0x%x -> %s", offset, reg.result));
        }
        return reg.data;
    }

    /** The input address of byte {@code 0x10} of mapped page {@code page}. */
    static long iova(int page) {
        return IOVA + ((long) page << 12) + 0x10;
    }

    /** What {@link #iova(int)} must translate to. */
    static long expected(int page) {
        return PA + ((long) page << 12) + 0x10;
    }

    /** One 4-byte DMA read of {@code page} from {@link #SID}, through {@code tx}; checks the result. */
    long translateChecked(MemoryTransaction tx, int page) {
        tx.read(iova(page), 4);
        tx.streamId = SID;
        smmu.translate(tx);
        if (tx.result != MemResult.OK || tx.address != expected(page)) {
            throw new IllegalStateException(String.format("page %d: 0x%x -> %s 0x%x (expected 0x%x); %s", page,
                    iova(page), tx.result, tx.address, expected(page), smmu.summary()));
        }
        return tx.address;
    }
}
