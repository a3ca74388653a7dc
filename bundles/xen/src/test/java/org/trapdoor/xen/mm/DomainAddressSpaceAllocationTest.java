package org.trapdoor.xen.mm;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.testkit.ArrayRam;

/** A mapped access through a domain's IPA space (TLB hit or refill) and a counted abort allocate nothing. */
class DomainAddressSpaceAllocationTest {
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void mappedAccessesAndAbortsAllocateNothing() {
        long base = 0x4000_0000L;
        ArrayRam ram = new ArrayRam(base, 8 << 20);
        FrameAllocator heap = new FrameAllocator(ram, base + (4 << 20), 4 << 20);
        P2m p2m = new P2m(ram, heap, 1, 40);
        // 1 MiB of pages: 256 of them, so the loop also refills the 256-entry TLB from the tables.
        p2m.map(0x8000_0000L, base, 1 << 20, P2mType.RAM_RW);
        DomainAddressSpace space = new DomainAddressSpace("d1", p2m, ram.asAddressSpace());
        MemoryTransaction tx = new MemoryTransaction();
        long probe = allocated();
        byte[] witness = new byte[4096];
        assertTrue(allocated() - probe >= witness.length, "allocation is measurable on this JVM");
        long used = 0;
        for (int round = 0; round < 3; round++) {
            long before = allocated();
            for (int i = 0; i < 100_000; i++) {
                long ipa = 0x8000_0000L + ((i * 4104L) & ((1 << 21) - 8)); // half mapped, half beyond the map
                space.access(tx.write(ipa, 8, i));
                space.access(tx.read(ipa, 8));
            }
            used = allocated() - before;
        }
        // One allocation per access would be megabytes; JIT and counter cells leave a few bytes.
        assertTrue(used < 16 * 1024, "allocated " + used + " bytes for 200000 accesses");
        assertTrue(space.stage2Aborts() > 0, "the loop did take aborts");
    }
}
