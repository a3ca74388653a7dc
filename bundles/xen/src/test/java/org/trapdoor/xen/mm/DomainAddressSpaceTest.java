package org.trapdoor.xen.mm;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.testkit.ArrayRam;

/**
 * A domain's IPA space: mapped IPAs reach machine RAM through the P2M, trapped ranges reach Xen's
 * handler, everything else is a stage-2 abort that reads all-ones, drops the write and is counted.
 */
class DomainAddressSpaceTest {
    private static final long RAM = 0x4000_0000L;
    private final ArrayRam ram = new ArrayRam(RAM, 8 << 20);
    private final FrameAllocator heap = new FrameAllocator(ram, RAM + (4 << 20), 4 << 20);
    private final P2m p2m = new P2m(ram, heap, 1, 40);
    private final DomainAddressSpace space = new DomainAddressSpace("d1", p2m, ram.asAddressSpace());

    @Test
    void mappedAccessesReachTheirMachineFrame() {
        p2m.map(0x4000_0000L, RAM + 0x10_0000L, 0x2000, P2mType.RAM_RW);
        assertEquals(MemResult.OK, space.write(0x4000_1008L, 8, 0x1122_3344_5566_7788L));
        assertEquals(0x1122_3344_5566_7788L, ram.load64(RAM + 0x10_1008L));
        assertEquals(0x5566_7788L, space.read(0x4000_1008L, 4));
        assertEquals(0, space.stage2Aborts());
    }

    @Test
    void anUnmappedIpaIsACountedAbortNotAnException() {
        MemoryTransaction tx = new MemoryTransaction().read(0x5000_0000L, 4);
        space.access(tx);
        assertEquals(MemResult.ABORT, tx.result);
        assertEquals(0xffff_ffffL, tx.data, "a stage-2 abort reads all-ones");
        assertEquals(0x5000_0000L, tx.address);
        assertEquals(MemResult.ABORT, space.write(0x5000_0000L, 8, 1));
        assertEquals(MemResult.ABORT, space.write(1L << 45, 8, 1), "beyond the 40-bit IPA space too");
        assertEquals(3, space.stage2Aborts());
    }

    @Test
    void aWriteToReadOnlyRamIsDroppedAndCounted() {
        p2m.map(0x4000_0000L, RAM + 0x10_0000L, 0x1000, P2mType.RAM_RO);
        ram.store32(RAM + 0x10_0000L, 0xcafe);
        assertEquals(MemResult.ABORT, space.write(0x4000_0000L, 4, 0x1234));
        assertEquals(0xcafe, ram.load32(RAM + 0x10_0000L));
        assertEquals(0xcafe, space.read(0x4000_0000L, 4));
        assertEquals(1, space.stage2Aborts());
    }

    @Test
    void unmapTakesEffectDespiteTheTlb() {
        p2m.map(0x4000_0000L, RAM + 0x10_0000L, 0x1000, P2mType.RAM_RW);
        assertEquals(MemResult.OK, space.write(0x4000_0000L, 4, 7));
        p2m.unmap(0x4000_0000L, 0x1000);
        assertEquals(MemResult.ABORT, space.write(0x4000_0000L, 4, 9));
        assertEquals(7, ram.load32(RAM + 0x10_0000L));
        p2m.map(0x4000_0000L, RAM + 0x20_0000L, 0x1000, P2mType.RAM_RW);
        assertEquals(MemResult.OK, space.write(0x4000_0000L, 4, 5));
        assertEquals(5, ram.load32(RAM + 0x20_0000L), "a remap is seen at once");
    }

    @Test
    void trapsTakePrecedenceGetOffsetsAndAreRemovable() {
        long[] seen = new long[2];
        DomainAddressSpace.Trap t = space.addTrap(0x0300_1000L, 0x1_0000L, "vgic-dist", tx -> {
            seen[0] = tx.offset;
            seen[1] = tx.address;
            if (!tx.write) {
                tx.data = 0x43b;
            }
        });
        assertEquals(0x43b, space.read(0x0300_1008L, 4));
        assertArrayEquals(new long[] {8, 0x0300_1008L}, seen);
        assertThrows(IllegalArgumentException.class, () -> space.addTrap(0x0300_0000L, 0x2000, "overlap", tx -> { }));
        assertTrue(space.removeTrap(t));
        assertEquals(0xffff_ffffL, space.read(0x0300_1008L, 4), "once removed, the range aborts");
        assertEquals(1, space.stage2Aborts());
    }

    @Test
    void aTrapThatRefusesIsCountedAsAnInjectedAbort() {
        space.addTrap(0x1000_0000L, 0x1000_0000L, "vpci", tx -> tx.fail(MemResult.ABORT));
        MemoryTransaction tx = new MemoryTransaction().read(0x1000_0003L, 2);
        space.access(tx);
        assertEquals(MemResult.ABORT, tx.result);
        assertEquals(0xffff, tx.data);
        assertEquals(1, space.trapAborts());
        assertEquals(0, space.stage2Aborts());
    }

    @Test
    void anAccessAcrossTwoPagesFollowsEachPagesMapping() {
        p2m.map(0x4000_0000L, RAM + 0x30_0000L, 0x1000, P2mType.RAM_RW);
        p2m.map(0x4000_1000L, RAM + 0x10_0000L, 0x1000, P2mType.RAM_RW);
        assertEquals(MemResult.OK, space.write(0x4000_0ffcL, 8, 0x1122_3344_5566_7788L));
        assertEquals(0x5566_7788L, ram.load32(RAM + 0x30_0ffcL));
        assertEquals(0x1122_3344L, ram.load32(RAM + 0x10_0000L));
        assertEquals(0x1122_3344_5566_7788L, space.read(0x4000_0ffcL, 8));
    }
}
