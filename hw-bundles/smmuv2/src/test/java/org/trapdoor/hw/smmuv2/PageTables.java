package org.trapdoor.hw.smmuv2;

/** Builds VMSAv8-64 4 KiB-granule tables in {@link Ram}, the way a driver's io-pgtable would. */
final class PageTables {
    static final long VALID_TABLE = 3;
    static final long AF = 1L << 10;
    /** Stage-1 AP[2]: read-only. */
    static final long S1_RO = 1L << 7;
    /** Stage-2 S2AP: read (bit 6), write (bit 7). */
    static final long S2_R = 1L << 6;
    static final long S2_W = 1L << 7;

    private final Ram ram;
    final long root;
    /** Added to every table address written into a descriptor (nested: tables seen at IPAs). */
    long tableAddressOffset;

    PageTables(Ram ram) {
        this.ram = ram;
        this.root = ram.alloc(4096);
    }

    /** The level-{@code level} table covering {@code va}, creating tables from level 0 down. */
    long table(long va, int level) {
        long t = root;
        for (int l = 0; l < level; l++) {
            long slot = t + ((va >>> (39 - 9 * l)) & 0x1FF) * 8;
            long d = ram.load64(slot);
            if ((d & 3) != 3) {
                long n = ram.alloc(4096);
                ram.store64(slot, (n + tableAddressOffset) | VALID_TABLE);
                t = n;
            } else {
                t = (d & 0x0000_FFFF_FFFF_F000L) - tableAddressOffset;
            }
        }
        return t;
    }

    /** Maps a 4 KiB page with {@code attrs} (AF and the type bits are added unless {@code raw}). */
    void page(long va, long pa, long attrs) {
        ram.store64(slot(va, 3), pa | attrs | AF | 3);
    }

    /** Maps a block at level 1 (1 GiB) or 2 (2 MiB). */
    void block(long va, long pa, int level, long attrs) {
        ram.store64(slot(va, level), pa | attrs | AF | 1);
    }

    /** The descriptor slot for {@code va} at {@code level}. */
    long slot(long va, int level) {
        return table(va, level) + ((va >>> (39 - 9 * level)) & 0x1FF) * 8;
    }

    void raw(long va, int level, long descriptor) {
        ram.store64(slot(va, level), descriptor);
    }
}
