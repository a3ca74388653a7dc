package org.trapdoor.core.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;

class SystemBusTest {
    /** Records the offset it was called with and answers the offset as data. */
    static final class Echo implements MmioHandler {
        final List<Long> offsets = new ArrayList<>();

        @Override
        public void access(MemoryTransaction tx) {
            offsets.add(tx.offset);
            if (!tx.write) {
                tx.data = tx.offset;
            }
        }
    }

    @Test
    void dispatchesToTheRegionThatDecodesTheAddressWithTheOffsetSet() {
        SystemBus bus = new SystemBus();
        Echo a = new Echo();
        Echo b = new Echo();
        Echo c = new Echo();
        bus.map(0x9000_0000L, 0x1000, "c", c);
        bus.map(0x1000, 0x1000, "a", a);
        bus.map(0x8000_0000L, 0x100, "b", b);
        assertEquals(0x10, bus.read(0x1010, 4));
        assertEquals(0xff, bus.read(0x8000_00ffL, 1));
        assertEquals(0x0, bus.read(0x9000_0000L, 4));
        assertEquals(List.of(0x10L), a.offsets);
        assertEquals(List.of(0xffL), b.offsets);
        assertEquals(List.of(0L), c.offsets);
        assertEquals(0, bus.unmappedAccesses());
    }

    @Test
    void regionsUpToTheTopOfTheAddressSpaceDecode() {
        SystemBus bus = new SystemBus();
        Echo top = new Echo();
        bus.map(0xffff_ffff_ffff_f000L, 0x1000, "top", top);
        assertEquals(0xfff, bus.read(-1L, 1));
        assertEquals(0xff8, bus.read(0xffff_ffff_ffff_fff8L, 8));
    }

    @Test
    void theSmallerOfTwoOverlappingRegionsDecodesTheSharedAddressesWithItsOwnOffsets() {
        // X-Gene: the PCIe csr (64 KiB) holds the clock node's page at csr + 0xc000.
        SystemBus bus = new SystemBus();
        Echo clock = new Echo();
        Echo csr = new Echo();
        bus.map(0x1f2b_c000L, 0x1000, "pcie0clk", clock);
        bus.map(0x1f2b_0000L, 0x1_0000, "pcie csr", csr);
        assertEquals(0x160, bus.read(0x1f2b_0160L, 4), "csr below the clock page");
        assertEquals(0x8, bus.read(0x1f2b_c008L, 4), "the clock's offset counts from the clock's base");
        assertEquals(0xd000, bus.read(0x1f2b_d000L, 4), "csr above the clock page, with csr's own offset");
        assertEquals(List.of(0x160L, 0xd000L), csr.offsets);
        assertEquals(List.of(0x8L), clock.offsets);
        assertEquals("pcie0clk", bus.regionAt(0x1f2b_cfffL).name());
        assertEquals("pcie csr", bus.regionAt(0x1f2b_bfffL).name());
        assertEquals(2, bus.regions().size(), "both stay mapped");
        assertEquals(0, bus.unmappedAccesses());
    }

    @Test
    void theOrderOfMappingDoesNotChangeWhichOverlappingRegionDecodes() {
        for (boolean smallFirst : new boolean[] {true, false}) {
            SystemBus bus = new SystemBus();
            if (smallFirst) {
                bus.map(0x1800, 0x100, "small", new Echo());
                bus.map(0x1000, 0x1000, "big", new Echo());
            } else {
                bus.map(0x1000, 0x1000, "big", new Echo());
                bus.map(0x1800, 0x100, "small", new Echo());
            }
            assertEquals("small", bus.regionAt(0x1800).name());
            assertEquals("small", bus.regionAt(0x18ff).name());
            assertEquals("big", bus.regionAt(0x17ff).name());
            assertEquals("big", bus.regionAt(0x1900).name());
        }
    }

    @Test
    void ofTwoIdenticalOrEqualSizedOverlappingRegionsTheFirstMappedDecodes() {
        // mustang: sataphy1clk and sata01clk both name 0x1f21c000+0x1000.
        SystemBus bus = new SystemBus();
        Echo first = new Echo();
        Echo second = new Echo();
        bus.map(0x1f21_c000L, 0x1000, "sataphy1clk", first);
        bus.map(0x1f21_c000L, 0x1000, "sata01clk", second);
        bus.read(0x1f21_c004L, 4);
        assertEquals(List.of(4L), first.offsets);
        assertTrue(second.offsets.isEmpty());
        // Partial overlap, equal sizes: the first mapped wins the shared part, each keeps the rest.
        Echo a = new Echo();
        Echo b = new Echo();
        bus.map(0x1000, 0x1000, "a", a);
        bus.map(0x1800, 0x1000, "b", b);
        assertEquals(0x900, bus.read(0x1900, 4));
        assertEquals(0x800, bus.read(0x2000, 4), "b's own part, offset from b's base");
        assertEquals(List.of(0x900L), a.offsets);
        assertEquals(List.of(0x800L), b.offsets);
    }

    @Test
    void anExplicitPriorityDecodesSharedAddressesWhateverItsSize() {
        SystemBus bus = new SystemBus();
        bus.map(0x1800, 0x100, "small", new Echo());
        bus.map(0x1000, 0x1000, "overlay", new Echo(), 1);
        assertEquals("overlay", bus.regionAt(0x1800).name());
    }

    @Test
    void unmappingTheDecoderOfAnOverlapHandsTheAddressesBackToTheOtherRegion() {
        SystemBus bus = new SystemBus();
        Echo big = new Echo();
        bus.map(0x1000, 0x1000, "big", big);
        Region small = bus.map(0x1800, 0x100, "small", new Echo());
        SystemBus.Route route = new SystemBus.Route();
        MemoryTransaction tx = new MemoryTransaction();
        bus.accessEntered(tx.read(0x1810, 4), route);
        bus.unmap(small);
        bus.accessEntered(tx.read(0x1810, 4), route);
        assertEquals(0x810, tx.data, "the route follows the new table: big decodes it now");
        assertEquals(List.of(0x810L), big.offsets);
    }

    @Test
    void nestedOverlapsKeepOneDecoderPerAddressAndAdjacentRegionsStayApart() {
        SystemBus bus = new SystemBus();
        bus.map(0x0, 0x10000, "outer", new Echo());
        bus.map(0x1000, 0x4000, "middle", new Echo());
        bus.map(0x2000, 0x1000, "inner", new Echo());
        bus.map(0x10000, 0x1000, "next", new Echo());
        assertEquals("outer", bus.regionAt(0xfff).name());
        assertEquals("middle", bus.regionAt(0x1000).name());
        assertEquals("inner", bus.regionAt(0x2abc).name());
        assertEquals("middle", bus.regionAt(0x3000).name());
        assertEquals("outer", bus.regionAt(0x5000).name());
        assertEquals("next", bus.regionAt(0x10000).name());
        assertEquals(List.of("middle", "inner"), bus.overlapping(bus.regionAt(0x0)).stream().map(Region::name).toList());
        assertTrue(bus.overlapping(bus.regionAt(0x10000)).isEmpty(), "adjacent is not overlapping");
    }

    @Test
    void emptyOrWrappingRegionIsRefused() {
        SystemBus bus = new SystemBus();
        assertThrows(IllegalArgumentException.class, () -> bus.map(0x1000, 0, "empty", new Echo()));
        assertThrows(IllegalArgumentException.class, () -> bus.map(-0x1000L, 0x2000, "wrap", new Echo()));
    }

    @Test
    void unmappedReadReturnsAllOnesWithDecodeErrorAndIsCounted() {
        SystemBus bus = new SystemBus();
        bus.map(0x1000, 0x1000, "a", new Echo());
        MemoryTransaction tx = new MemoryTransaction().read(0x2000, 2);
        bus.access(tx);
        assertEquals(MemResult.DECODE_ERROR, tx.result);
        assertEquals(0xffff, tx.data);
        bus.access(tx.read(0xfff, 8));
        assertEquals(-1L, tx.data);
        assertEquals(2, bus.unmappedAccesses());
    }

    @Test
    void unmappedWriteIsDroppedWithDecodeErrorAndCounted() {
        SystemBus bus = new SystemBus();
        Echo a = new Echo();
        bus.map(0x1000, 0x1000, "a", a);
        assertEquals(MemResult.DECODE_ERROR, bus.write(0x5000, 4, 0x1234));
        assertTrue(a.offsets.isEmpty());
        assertEquals(1, bus.unmappedAccesses());
    }

    @Test
    void unmapRemovesOnlyThatRegion() {
        SystemBus bus = new SystemBus();
        Region a = bus.map(0x1000, 0x1000, "a", new Echo());
        bus.map(0x2000, 0x1000, "b", new Echo());
        assertTrue(bus.unmap(a));
        assertFalse(bus.unmap(a));
        assertEquals(MemResult.DECODE_ERROR, bus.write(0x1000, 4, 0));
        assertEquals(MemResult.OK, bus.write(0x2000, 4, 0));
        assertNull(bus.regionAt(0x1000));
        assertEquals("b", bus.regionAt(0x2fff).name());
    }

    @Test
    void aRouteRemembersItsRegionAndFollowsEveryMapAndUnmap() {
        SystemBus bus = new SystemBus();
        Echo a = new Echo();
        Echo b = new Echo();
        Region ra = bus.map(0x1000, 0x1000, "a", a);
        bus.map(0x8000, 0x1000, "b", b);
        SystemBus.Route route = new SystemBus.Route();
        MemoryTransaction tx = new MemoryTransaction();
        bus.accessEntered(tx.read(0x1010, 4), route);
        bus.accessEntered(tx.read(0x1ffc, 4), route); // a hit: same region
        assertEquals(List.of(0x10L, 0xffcL), a.offsets);
        bus.accessEntered(tx.read(0x2000, 4), route); // one past the end: a miss, and unmapped
        assertEquals(MemResult.DECODE_ERROR, tx.result);
        assertEquals(1, bus.unmappedAccesses());
        bus.accessEntered(tx.read(0x8004, 4), route);
        assertEquals(4, tx.data);
        assertEquals(List.of(4L), b.offsets);
        // Remapping the address to another handler: the route must not keep the old one.
        bus.unmap(ra);
        bus.accessEntered(tx.read(0x1010, 4), route);
        assertEquals(MemResult.DECODE_ERROR, tx.result, "unmapped now");
        Echo a2 = new Echo();
        bus.map(0x1000, 0x1000, "a2", a2);
        bus.accessEntered(tx.read(0x1010, 4), route);
        bus.accessEntered(tx.read(0x1010, 4), route);
        assertEquals(List.of(0x10L, 0x10L), a2.offsets);
        assertEquals(List.of(0x10L, 0xffcL), a.offsets, "the unmapped handler was not called again");
    }

    @Test
    void aRouteHitAtTheTopOfTheAddressSpaceChecksTheEndUnsigned() {
        SystemBus bus = new SystemBus();
        Echo top = new Echo();
        bus.map(0xffff_ffff_ffff_f000L, 0x1000, "top", top);
        SystemBus.Route route = new SystemBus.Route();
        MemoryTransaction tx = new MemoryTransaction();
        bus.accessEntered(tx.read(0xffff_ffff_ffff_fff8L, 8), route);
        assertEquals(0xff8, tx.data);
        bus.accessEntered(tx.read(0x10, 4), route); // below the cached base: a miss
        assertEquals(MemResult.DECODE_ERROR, tx.result);
        assertEquals(List.of(0xff8L), top.offsets);
    }

    @Test
    void aRegionPortCalledByARoutedInitiatorIsNotEnteredTwice() {
        SystemBus bus = new SystemBus();
        List<String> calls = new ArrayList<>();
        EnteredHandler port = new EnteredHandler() {
            @Override
            public void access(MemoryTransaction tx) {
                calls.add("access");
            }

            @Override
            public void accessEntered(MemoryTransaction tx) {
                calls.add("entered");
            }
        };
        bus.map(0x1000, 0x1000, "port", port);
        MemoryTransaction tx = new MemoryTransaction();
        bus.access(tx.read(0x1000, 4));
        bus.accessEntered(tx.read(0x1000, 4), new SystemBus.Route());
        assertEquals(List.of("access", "entered"), calls);
    }

    @Test
    void cpuAccessesFollowARemapAndAlternateBetweenRegionsCorrectly() {
        SystemBus bus = new SystemBus();
        Echo a = new Echo();
        Echo b = new Echo();
        Region ra = bus.map(0x1000, 0x1000, "a", a);
        bus.map(0x3000, 0x1000, "b", b);
        for (int i = 0; i < 3; i++) {
            assertEquals(0x20, bus.read(0x1020, 4));
            assertEquals(0x30, bus.read(0x3030, 4));
        }
        assertEquals(MemResult.DECODE_ERROR, bus.write(0x2000, 4, 0), "the gap between them");
        bus.unmap(ra);
        Echo a2 = new Echo();
        bus.map(0x1000, 0x800, "a2", a2);
        assertEquals(0x20, bus.read(0x1020, 4));
        assertEquals(MemResult.DECODE_ERROR, bus.write(0x1800, 4, 0), "beyond the smaller new region");
        assertEquals(3, a.offsets.size(), "the old handler is never called after its unmap");
        assertEquals(List.of(0x20L), a2.offsets);
    }
}
