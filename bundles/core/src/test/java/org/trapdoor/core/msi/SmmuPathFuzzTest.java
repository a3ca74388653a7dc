package org.trapdoor.core.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.irq.InterruptCounters;
import org.trapdoor.core.Presets;
import org.trapdoor.core.fuzz.ModelCatalogAccess;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.hw.testdev.DmaResult;
import org.trapdoor.hw.testdev.TestDevice;
import org.trapdoor.testkit.Fuzz;

/**
 * The guest-memory structures the SMMUv3 walks, fuzzed under DMA and MSI traffic: from a working
 * stage-1 set-up for the endpoint (stream table, context descriptor, 4 KiB page tables, the ITS
 * doorbell mapped at Linux's MSI IOVA), a case interleaves raises and DMAs with random stores into
 * the STE, the CD and the page tables, invalidation commands, and the SMMU switched off and on.
 *
 * <p>Invariants: no DMA, raise or register access throws or hangs; a DMA always finishes (the
 * device is never left busy); each raise is one ledger entry by the time it returns, and at the
 * end the device's own counters agree with the ledger's outcomes.
 *
 * <p>CMD_SYNCs complete with every CS, and a SIG_IRQ's MSI may land on the SMMU's own CMDQ_PROD,
 * GERRORN or CR0 (which once recursed without bound, issue 9); device-buffer offsets are now and
 * then far outside the buffer, up to {@code Long.MAX_VALUE} (once an overflow, issue 9).
 */
class SmmuPathFuzzTest {
    private static final int DEVFN = 0x08;
    private static final int SID = 0x08;
    private static final long DOORBELL_IOVA = 0x0800_0000L;
    private static final long IOVA = 0x0010_0000L;
    private static final long PA = Guest.RAM + 0x50_0000;

    @Test
    void randomStreamTableContextAndPageTablesUnderTrafficNeitherThrowNorLoseAnMsi() {
        Fuzz.property("smmu-path", getClass()).seconds(4).run(r -> {
            try (ComposedMachine m = new ComposedMachine(Presets.load(new DeviceTreeService(), "virt"))) {
                ModelCatalogAccess.addEverything(m);
                m.attach("testdev,addr=01.0,msi=4,msix=8");
                TestDevice dev = (TestDevice) m.msiSources().get(0);
                Guest g = new Guest(m);
                m.attachSink(null, g);
                g.gicv3(64);
                g.its();
                g.mapDevice(DEVFN, 0, 0, 1, 2, 3);
                SmmuGuest smmu = new SmmuGuest(m);
                smmu.enable();
                smmu.attach(SID);
                for (int p = 0; p < 4; p++) {
                    smmu.map(IOVA + p * 4096L, PA + p * 4096L);
                }
                smmu.map(DOORBELL_IOVA, Guest.ITS_DOORBELL & ~0xFFFL);
                g.enableDevice(DEVFN);
                for (int v = 0; v < 4; v++) {
                    g.msixEntry(v, DOORBELL_IOVA + (Guest.ITS_DOORBELL & 0xFFF), v, false);
                }
                g.enableMsix(DEVFN);
                InterruptCounters ledger = m.msiLedger();
                long raises = 0;
                long dmaMessages = 0;
                for (int op = 0; op < 150; op++) {
                    int kind = r.nextInt(10);
                    if (kind < 3) {
                        long before = ledger.fired();
                        dev.raise(r.nextInt(6));
                        raises++;
                        assertEquals(before + 1, ledger.fired(), op + ": one ledger entry per raise");
                    } else if (kind < 6) {
                        long before = ledger.fired();
                        boolean towardsDoorbell = dma(r, dev);
                        long added = ledger.fired() - before;
                        // A DMA write that reaches the doorbell is an MSI in the ledger (issue 10); no other DMA is.
                        assertEquals(true, added == 0 || towardsDoorbell,
                                op + ": only a DMA written to the doorbell page is an MSI (" + added + " entries)");
                        dmaMessages += added;
                    } else if (kind < 8) {
                        corrupt(r, m);
                        if (r.nextBoolean()) {
                            invalidate(r, smmu);
                        }
                    } else if (kind < 9) {
                        invalidate(r, smmu);
                    } else {
                        // SMMUEN off or on (CR0), as a guest resetting the SMMU would.
                        m.system().write(SmmuGuest.SMMU + 0x20, 4, r.nextInt(2) == 0 ? 0 : 0xd);
                    }
                }
                assertEquals(raises, dev.raises(), "the device counted every raise");
                // Nothing is unmasked during a case, so every ledger entry is one raise's fate or a DMA to the doorbell.
                assertEquals(ledger.fired(), dev.messagesSent() + dev.raisesPended() + dev.raisesRefused() + dmaMessages,
                        "each ledger entry is one thing the device did: " + ledger.snapshot());
                assertEquals(dev.raisesPended(), ledger.dropped(DropReason.MASKED));
            }
        });
    }

    /**
     * A DMA in a random direction between the device buffer and a bus address near the mappings;
     * true when it writes towards the doorbell's IOVA page.
     */
    private static boolean dma(SplittableRandom r, TestDevice dev) {
        TestDevice.Direction dir = TestDevice.Direction.values()[r.nextInt(3)];
        int len = 1 + r.nextInt(64);
        long bufferOffset = switch (r.nextInt(8)) {
            case 0 -> Long.MAX_VALUE - r.nextInt(128); // a bounds check that adds the length wraps
            case 1 -> r.nextLong();
            default -> r.nextInt(TestDevice.BUFFER_SIZE - len + 1);
        };
        long bus = switch (r.nextInt(4)) {
            case 0 -> IOVA + r.nextInt(4 * 4096);
            case 1 -> DOORBELL_IOVA + r.nextInt(4096);
            case 2 -> r.nextLong() & 0x0000_FFFF_FFFF_FFFFL;
            default -> IOVA + 4 * 4096L - r.nextInt(64);
        };
        DmaResult res = switch (dir) {
            case TO_BUS -> dev.dma(dir, bufferOffset, bus, len);
            case FROM_BUS -> dev.dma(dir, bus, bufferOffset, len);
            default -> dev.dma(dir, bus, IOVA + r.nextInt(4096), len);
        };
        assertNotNull(res);
        assertNotEquals(DmaResult.BUSY, res, "a DMA from one thread never finds the engine busy");
        return dir == TestDevice.Direction.TO_BUS && bus + len > DOORBELL_IOVA && bus < DOORBELL_IOVA + 4096;
    }

    /** A random doubleword into the STE, the CD or the page tables. */
    private static void corrupt(SplittableRandom r, ComposedMachine m) {
        long a = switch (r.nextInt(3)) {
            case 0 -> SmmuGuest.STRTAB + SID * 64L + 8L * r.nextInt(8);
            case 1 -> SmmuGuest.CD + SID * 64L + 8L * r.nextInt(8);
            default -> SmmuGuest.TABLES + 8L * r.nextInt(6 * 512);
        };
        long v = switch (r.nextInt(3)) {
            case 0 -> r.nextLong();
            case 1 -> m.memory().load64(a) ^ (1L << r.nextInt(64));
            default -> 0;
        };
        m.memory().store64(a, v);
    }

    /**
     * CFGI_STE, CFGI_CD, TLBI_NH_ALL or TLBI_NSNH_ALL, then a CMD_SYNC: CS=NONE, SEV, or SIG_IRQ
     * with its MSI to RAM or to one of the SMMU's own registers (CMDQ_PROD, GERRORN, CR0).
     */
    private static void invalidate(SplittableRandom r, SmmuGuest smmu) {
        long[] ops = {0x03 | (long) SID << 32, 0x05 | (long) SID << 32, 0x10, 0x30};
        smmu.command(ops[r.nextInt(ops.length)], r.nextInt(2));
        int cs = r.nextInt(3);
        long msiAddress = switch (r.nextInt(4)) {
            case 0 -> SmmuGuest.SMMU + 0x98;
            case 1 -> SmmuGuest.SMMU + 0x64;
            case 2 -> SmmuGuest.SMMU + 0x20;
            default -> SmmuGuest.TABLES + 6 * 4096;
        };
        long data = r.nextBoolean() ? r.nextInt(1 << 10) : r.nextLong() >>> 32;
        smmu.command(0x46 | (long) cs << 12 | data << 32, cs == 1 ? msiAddress : 0);
    }
}
