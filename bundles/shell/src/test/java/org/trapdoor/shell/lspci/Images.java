package org.trapdoor.shell.lspci;

/** Synthetic config images written byte by byte, little-endian. */
final class Images {
    private final byte[] b;

    Images(int size) {
        b = new byte[size];
    }

    Images put(int off, int size, long v) {
        for (int i = 0; i < size; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    ConfigImage at(int segment, int bus, int devfn) {
        return new ConfigImage(segment, bus, devfn, b);
    }

    static Images header(int vendor, int device, int classCode, int rev, int headerType) {
        return new Images(256).put(0, 2, vendor).put(2, 2, device).put(8, 4, (long) classCode << 8 | rev)
                .put(0x0e, 1, headerType);
    }

    /**
     * Like the test endpoint after a Linux boot: BAR0 32-bit 4 KiB at 0x10000000, BAR2 64-bit
     * prefetchable at 0x80_0000_0000 holding the MSI-X table (offset 0) and PBA (0x800); MSI at
     * 0x40 (4 vectors, 64-bit, maskable, enabled with 1), MSI-X at 0x60 (8 entries), PCIe v2
     * endpoint at 0x70, AER at 0x100.
     */
    static Images testdev() {
        Images i = new Images(4096);
        i.put(0, 2, 0x1234).put(2, 2, 0x11e9).put(4, 2, 0x0006).put(6, 2, 0x0010).put(8, 4, 0x00ff0001L)
                .put(0x10, 4, 0x1000_0000L).put(0x18, 4, 0xc).put(0x1c, 4, 0x80)
                .put(0x2c, 2, 0x1af4).put(0x2e, 2, 0x1100).put(0x34, 1, 0x40).put(0x3d, 1, 1);
        i.put(0x40, 1, 0x05).put(0x41, 1, 0x60).put(0x42, 2, 0x0185).put(0x44, 4, 0x0809_0040L).put(0x48, 4, 0)
                .put(0x4c, 2, 0x0021).put(0x50, 4, 0xe).put(0x54, 4, 0x1);
        i.put(0x60, 1, 0x11).put(0x61, 1, 0x70).put(0x62, 2, 0x0007).put(0x64, 4, 0x2).put(0x68, 4, 0x802);
        i.put(0x70, 1, 0x10).put(0x71, 1, 0x00).put(0x72, 2, 0x0002);
        i.put(0x100, 4, 0x0001 | 1 << 16);
        return i;
    }
}
