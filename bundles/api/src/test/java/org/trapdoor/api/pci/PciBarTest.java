package org.trapdoor.api.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** BAR sizing exactly as Xen's {@code pci_size_mem_bar} does it (pci-config.md §2). */
class PciBarTest {
    /** Xen's sizing protocol; returns the size. */
    static long sizeMemBar(ConfigSpace cs, int index, boolean last) {
        int off = PciConfig.BAR0 + 4 * index;
        int bar = cs.read(off, 4);
        boolean is64 = (bar & PciConfig.BAR_MEM_TYPE_MASK) == PciConfig.BAR_MEM_TYPE_64;
        int hi = is64 ? cs.read(off + 4, 4) : 0;
        cs.write(off, 4, -1);
        if (is64) {
            cs.write(off + 4, 4, -1);
        }
        long size = (cs.read(off, 4) & PciConfig.BAR_MEM_MASK) & 0xffff_ffffL;
        if (is64) {
            size |= (long) cs.read(off + 4, 4) << 32;
        } else if (size != 0) {
            size |= 0xffff_ffff_0000_0000L;
        }
        cs.write(off, 4, bar);
        if (is64) {
            cs.write(off + 4, 4, hi);
        }
        if (is64 && last) {
            return 0;
        }
        return -size;
    }

    @Test
    void memory32BarSizesAndKeepsItsAddress() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        PciBar bar = PciBar.memory32(cs, 0, 0x1000, false);
        cs.write(PciConfig.BAR0, 4, 0x10001000);
        assertEquals(0x1000, sizeMemBar(cs, 0, false));
        assertEquals(0x10001000, cs.read(PciConfig.BAR0, 4));
        assertEquals(0x10001000L, bar.address());
        assertEquals(0x10L, bar.offsetOf(0x10001010L, 4));
        assertEquals(-1L, bar.offsetOf(0x10002000L, 4));
    }

    @Test
    void memory64PrefetchableBarSizesBeyond4GiB() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        PciBar bar = PciBar.memory64(cs, 2, 8L << 30, true);
        assertEquals(PciConfig.BAR_MEM_TYPE_64 | PciConfig.BAR_MEM_PREFETCH, cs.read(PciConfig.BAR0 + 8, 4));
        assertEquals(8L << 30, sizeMemBar(cs, 2, false));
        cs.write(PciConfig.BAR0 + 8, 4, 0x1234_5678);
        cs.write(PciConfig.BAR0 + 12, 4, 0x0000_0046);
        assertEquals(0x46_0000_0000L, bar.address(), "bits below the size are read-only");
    }

    @Test
    void memory64BarInTheLastSlotSizesAsZero() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        PciBar.memory64(cs, 4, 0x4000, false);
        assertEquals(0, sizeMemBar(cs, 4, true));
        assertEquals(0x4000, sizeMemBar(cs, 4, false));
    }

    @Test
    void ioBarKeepsItsSpaceBit() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        PciBar.io(cs, 1, 256);
        cs.write(PciConfig.BAR0 + 4, 4, -1);
        assertEquals(0xffffff01, cs.read(PciConfig.BAR0 + 4, 4));
    }

    @Test
    void badBarsAreRefused() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        assertThrows(IllegalArgumentException.class, () -> PciBar.memory32(cs, 0, 0x1800, false));
        assertThrows(IllegalArgumentException.class, () -> PciBar.memory64(cs, 5, 0x1000, false));
        assertThrows(IllegalArgumentException.class, () -> PciBar.memory32(cs, 0, 0x1000, false, 0x800));
        assertThrows(IllegalArgumentException.class, () -> PciBar.io(cs, 0, 512));
    }
}
