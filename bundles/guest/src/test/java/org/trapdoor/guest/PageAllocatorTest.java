package org.trapdoor.guest;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.core.machine.ComposedMachine;
import org.trapdoor.devicetree.DeviceTreeService;
import org.trapdoor.guest.mem.PageAllocator;

class PageAllocatorTest {
    static final long RAM = 0x4000_0000L;
    static final long RAM_SIZE = 0x4000_0000L;

    private final MachineRig rig = new MachineRig("virt");

    @AfterEach
    void close() {
        rig.close();
    }

    @Test
    void blocksComeFromTheTreesRamAlignedAndZeroedByCpuStores() {
        PageAllocator p = new PageAllocator(rig.machine.system(), rig.machine.platform());
        long top = RAM + RAM_SIZE;
        for (long a = top - 0x30000; a < top; a += 8) {
            rig.machine.memory().store64(a, 0xdead_beef_dead_beefL);
        }
        long a = p.allocate(0x1000, 0x1000);
        long b = p.allocate(0x10000, 0x10000);
        assertEquals(top - 0x1000, a);
        assertEquals(0, b % 0x10000);
        assertTrue(b + 0x10000 <= a, "blocks do not overlap");
        assertTrue(b >= RAM);
        for (long x = b; x < b + 0x10000; x += 8) {
            assertEquals(0, rig.machine.memory().load64(x), "zeroed at 0x" + Long.toHexString(x));
        }
    }

    @Test
    void exhaustingRamIsAnErrorNotAnOverlap() {
        DeviceTree tiny = new DeviceTreeService().parseDts("/dts-v1/; / { #address-cells = <2>; #size-cells = <2>;"
                + " memory@40000000 { device_type = \"memory\"; reg = <0x0 0x40000000 0x0 0x40000>; }; };", "tiny");
        try (ComposedMachine m = new ComposedMachine(tiny)) {
            PageAllocator p = new PageAllocator(m.system(), tiny);
            assertEquals(0x4003_0000L, p.allocate(0x10000, 0x10000));
            assertEquals(0x4002_0000L, p.allocate(0x1000, 0x10000), "alignment wastes the rest of the 64 KiB");
            p.allocate(0x10000, 0x1000);
            assertThrows(IllegalStateException.class, () -> p.allocate(0x20000, 0x1000));
            assertEquals(0x10000, p.free(), "a failed allocation takes nothing");
            assertEquals(0x4000_0000L, p.allocate(0x10000, 0x10000));
        }
    }

    @Test
    void aTreeWithoutRamHasNoAllocator() {
        DeviceTree none = new DeviceTreeService().parseDts("/dts-v1/; / { #address-cells = <2>; #size-cells = <2>; };",
                "none");
        assertThrows(IllegalStateException.class, () -> new PageAllocator(rig.machine.system(), none));
    }
}
