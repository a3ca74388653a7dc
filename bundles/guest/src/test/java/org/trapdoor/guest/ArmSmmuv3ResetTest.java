package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.PhysicalMemory;
import org.trapdoor.guest.dma.DmaApi.Direction;
import org.trapdoor.guest.iommu.IoPgtableArm;

/**
 * What the guest's SMMUv3 driver leaves in the model's registers and in guest memory after
 * {@code arm_smmu_device_probe}, and the block mappings {@code io-pgtable-arm} makes.
 */
class ArmSmmuv3ResetTest {
    static final long SMMU = 0x0905_0000L;
    static final String DEV1 = "0000:00:01.0";
    static final int CMD_SYNC = 0x46;

    private MachineRig rig;
    private LinuxKernel kernel;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private LinuxKernel boot(String platform) {
        rig = new MachineRig(platform, "testdev,addr=01.0,msi=4,msix=8", "testdev,addr=02.0,msi=4,msix=0");
        kernel = rig.boot();
        return kernel;
    }

    private long reg(int offset, int size) {
        return rig.machine.system().read(SMMU + offset, size);
    }

    /** The command queue's entries up to PROD, as {slot address, dw0, dw1}. */
    private List<long[]> commands() {
        long base = reg(0x90, 8) & 0x000F_FFFF_FFFF_FFE0L;
        int log2 = (int) (reg(0x90, 8) & 0x1F);
        long prod = reg(0x98, 4) & ((1L << log2) - 1);
        PhysicalMemory mem = rig.machine.memory();
        List<long[]> out = new ArrayList<>();
        for (long i = 0; i < prod; i++) {
            long slot = base + 16 * i;
            out.add(new long[] {slot, mem.load64(slot), mem.load64(slot + 8)});
        }
        return out;
    }

    @Test
    void theStreamTableIsTwoLevelAndCoversSidsize() {
        boot("virt");
        long cfg = reg(0x88, 4);
        assertEquals(1, (cfg >>> 16) & 3, "FMT 2-level: IDR0.ST_LVL offers it");
        assertEquals(8, (cfg >>> 6) & 0x1F, "SPLIT 8");
        assertEquals(16, cfg & 0x3F, "LOG2SIZE = SIDSIZE 16, not just the StreamIDs in use");
        long l1 = reg(0x80, 8) & 0x000F_FFFF_FFFF_FFC0L;
        PhysicalMemory mem = rig.machine.memory();
        long desc = mem.load64(l1);
        assertEquals(9, desc & 0x1F, "SPAN 9: StreamIDs 0x00..0xff's level-2 table, allocated when its masters were added");
        for (int i = 1; i < 256; i++) {
            assertEquals(0, mem.load64(l1 + 8L * i), "no master beyond StreamID 0xff yet: level-1 entry " + i);
        }
        long l2 = desc & 0x000F_FFFF_FFFF_FFC0L;
        assertEquals(1, mem.load64(l2 + 64 * 0x18) & 0x1F, "an unattached StreamID's STE: V, Config abort");
    }

    @Test
    void queueSizesAreLinuxsCapsOfTheIdr1Sizes() {
        boot("virt");
        assertEquals(18, reg(0x90, 8) & 0x1F, "min(CMDQS 19, CMDQ_MAX_SZ_SHIFT 18)");
        assertEquals(17, reg(0xA0, 8) & 0x1F, "min(EVTQS 19, EVTQ_MAX_SZ_SHIFT 17)");
        assertTrue(kernel.bootLog().stream().anyMatch(l -> l.contains("allocated 262144 entries for cmdq")),
                String.join("\n", kernel.bootLog()));
        assertTrue(kernel.bootLog().stream().anyMatch(l -> l.contains("allocated 131072 entries for evtq")));
    }

    @Test
    void cmdSyncCompletesByAnMsiWriteOverItsOwnSlotWhenTheSmmuIsCoherent() {
        boot("virt");
        List<long[]> cmds = commands();
        int syncs = 0;
        for (long[] c : cmds) {
            int op = (int) (c[1] & 0xFF);
            assertFalse(op == CMD_SYNC && ((c[1] >>> 12) & 3) == 0, "never CS = NONE");
            if (c[2] == c[0]) {
                // The CMD_SYNC named its own slot as MSI address; the SMMU wrote its data (0) over
                // the first word, which is what the driver polled.
                assertEquals(0, c[1] & 0xFFFF_FFFFL, "the SMMU's MSI write landed");
                syncs++;
            }
        }
        assertTrue(syncs >= 5, "CFGI_ALL, TLBI_EL2_ALL, TLBI_NSNH_ALL and the attaches each end in one: " + syncs);
    }

    @Test
    void withoutDmaCoherentCmdSyncSignalsSevAndTheDriverPollsCons() {
        boot("virt-smmu-noncoherent.dts");
        List<long[]> cmds = commands();
        int syncs = 0;
        for (long[] c : cmds) {
            if ((c[1] & 0xFF) == CMD_SYNC) {
                assertEquals(2, (c[1] >>> 12) & 3, "CS = SEV");
                assertEquals(0, c[2], "no MSI address");
                syncs++;
            }
        }
        assertTrue(syncs >= 5, String.valueOf(syncs));
        assertFalse(kernel.iommuDomains().isEmpty(), "the SMMU works all the same");
    }

    @Test
    void eventQueueAndGlobalErrorInterruptsAreEnabledWired() {
        boot("virt");
        assertEquals(0x5, reg(0x50, 4), "IRQ_CTRL: EVENTQ_IRQEN | GERROR_IRQEN");
        assertEquals(0x5, reg(0x54, 4), "and acknowledged");
        assertEquals(0, reg(0x68, 8), "no MSI address for global errors: wired");
        assertEquals(0, reg(0xB0, 8), "nor for the event queue");
    }

    @Test
    void gbpaIsLeftAloneWhenTheSmmuWasFoundDisabled() {
        boot("virt");
        assertEquals(0, reg(0x44, 4) & 1 << 20, "GBPA.ABORT untouched");
        assertTrue(kernel.bootLog().stream().noneMatch(l -> l.contains("currently enabled")));
    }

    @Test
    void anSmmuFoundEnabledAbortsIncomingTransactionsThroughGbpaBeforeTheReset() {
        rig = new MachineRig("virt", "testdev,addr=01.0,msi=4,msix=8");
        assertEquals(0, rig.machine.system().write(SMMU + 0x20, 4, 1).ordinal(), "firmware left SMMUEN set");
        kernel = rig.boot();
        assertNotEquals(0, reg(0x44, 4) & 1 << 20, "GBPA.ABORT");
        assertTrue(kernel.bootLog().stream().anyMatch(l -> l.contains("SMMU currently enabled! Resetting...")),
                String.join("\n", kernel.bootLog()));
        assertEquals(0xD, reg(0x24, 4), "and then enabled again: CR0ACK = SMMUEN | EVTQEN | CMDQEN");
    }

    @Test
    void dmaMappingsUseTwoMegabyteAndOneGigabyteBlocksWhenAlignmentAllows() {
        boot("virt");
        IoPgtableArm table = kernel.iommu().domain(DEV1).table();
        long small = kernel.dma().map(DEV1, 0x4010_0000L, 0x1000, Direction.FROM_DEVICE);
        assertEquals(3, table.leafLevel(small), "4 KiB: a page");
        long twoMeg = kernel.dma().map(DEV1, 0x4020_0000L, 0x20_0000, Direction.FROM_DEVICE);
        assertEquals(0, twoMeg & 0x1F_FFFF, "a 2 MiB IOVA is size-aligned");
        assertEquals(2, table.leafLevel(twoMeg), "a 2 MiB block at level 2");
        long gig = kernel.dma().map(DEV1, 0x4000_0000L, 0x4000_0000L, Direction.BIDIRECTIONAL);
        assertEquals(0x8000_0000L, gig, "below the 1 GiB that holds the doorbell page");
        assertEquals(1, table.leafLevel(gig), "a 1 GiB block at level 1");
        MemoryTransaction tx = ArmSmmuv3Test.translate(rig.iommu(), 0x08, gig + 0x1234_5678L, true);
        assertTrue(tx.ok(), tx.toString());
        assertEquals(0x5234_5678L, tx.address, "the SMMU's walk takes the block");
        tx = ArmSmmuv3Test.translate(rig.iommu(), 0x08, twoMeg + 0x1_2340L, true);
        assertEquals(0x4021_2340L, tx.address);
        long unaligned = kernel.dma().map(DEV1, 0x4030_1000L, 0x20_0000, Direction.FROM_DEVICE);
        assertEquals(3, table.leafLevel(unaligned), "a physical address off 2 MiB alignment: pages");
        assertThrows(IllegalArgumentException.class, () -> table.unmap(gig, 0x1000), "no cut into a block");
        assertEquals(0x5234_5678L, table.iovaToPhys(gig + 0x1234_5678L), "the refused unmap left the block");
        kernel.dma().unmap(DEV1, gig, 0x4000_0000L, Direction.BIDIRECTIONAL);
        assertEquals(-1, table.leafLevel(gig));
        assertFalse(ArmSmmuv3Test.translate(rig.iommu(), 0x08, gig + 0x1234_5678L, true).ok(),
                "unmapped and invalidated");
    }
}
