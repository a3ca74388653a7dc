package org.trapdoor.testkit;

import java.util.function.IntToLongFunction;

import org.trapdoor.api.memory.PhysicalMemory;

/**
 * One VMSAv8-64 translation table tree with the 4 KiB granule and 48-bit input addresses
 * (four levels, 0 to 3, 512 eight-byte descriptors per table), written into emulated RAM the
 * way a driver's io-pgtable code would. Usable for stage 1 (AP bits) and stage 2 (S2AP bits).
 *
 * <p>Descriptors: bits [1:0] = 0b11 is a table (levels 0-2) or a page (level 3), 0b01 a block
 * (levels 1 and 2 only); AF is bit 10; the output address sits in bits [47:12].
 */
public final class Lpae4kTables {
    /** Bits [1:0] of a table descriptor (and of a page descriptor at level 3). */
    public static final long VALID_TABLE = 3;
    /** Bits [1:0] of a level-3 page descriptor. */
    public static final long PAGE = 3;
    /** Bits [1:0] of a level-1 or level-2 block descriptor. */
    public static final long BLOCK = 1;
    /** Access flag, bit 10: without it a walk takes an Access flag fault. */
    public static final long AF = 1L << 10;
    /** Stage-1 AP[2] (bit 7): read-only. */
    public static final long S1_RO = 1L << 7;
    /** Stage-1 AP[1] (bit 6): accessible at EL0. */
    public static final long S1_EL0 = 1L << 6;
    /** Stage-2 S2AP[0] (bit 6): readable. */
    public static final long S2_R = 1L << 6;
    /** Stage-2 S2AP[1] (bit 7): writable. */
    public static final long S2_W = 1L << 7;
    /** Bits [47:12]: the next-level table or output address in a descriptor. */
    public static final long ADDRESS_MASK = 0x0000_FFFF_FFFF_F000L;

    private static final int GRANULE = 4096;

    private final PhysicalMemory memory;
    private final IntToLongFunction allocator;
    private final long tableAddressOffset;
    /** Physical address of the level-0 table (what goes into a TTBR or VTTBR). */
    public final long root;

    /** Tables allocated from {@code ram}'s upper half, at the physical addresses they occupy. */
    public Lpae4kTables(ArrayRam ram) {
        this(ram, ram::alloc, 0);
    }

    /**
     * Tables allocated from {@code ram}'s upper half whose next-level table addresses are written
     * as {@code physical + tableAddressOffset}: for nested translation, where stage-1 tables are
     * addressed by IPA and the offset is {@code ipa - pa}.
     */
    public Lpae4kTables(ArrayRam ram, long tableAddressOffset) {
        this(ram, ram::alloc, tableAddressOffset);
    }

    /**
     * Tables in {@code memory}, each new one taken from {@code allocator} (given the size, it
     * returns the physical address of a zeroed, size-aligned block).
     */
    public Lpae4kTables(PhysicalMemory memory, IntToLongFunction allocator, long tableAddressOffset) {
        this.memory = memory;
        this.allocator = allocator;
        this.tableAddressOffset = tableAddressOffset;
        this.root = allocator.applyAsLong(GRANULE);
    }

    /** The index of {@code va} in a level-{@code level} table: VA[47-9l:39-9l]. */
    public static int index(long va, int level) {
        checkLevel(level);
        return (int) ((va >>> (39 - 9 * level)) & 0x1FF);
    }

    /**
     * The physical address of the level-{@code level} table covering {@code va}, creating the
     * tables from level 0 down that are missing.
     */
    public long table(long va, int level) {
        checkLevel(level);
        long t = root;
        for (int l = 0; l < level; l++) {
            long slot = t + index(va, l) * 8L;
            long d = memory.load64(slot);
            if ((d & 3) != VALID_TABLE) {
                long n = allocator.applyAsLong(GRANULE);
                memory.store64(slot, (n + tableAddressOffset) | VALID_TABLE);
                t = n;
            } else {
                t = (d & ADDRESS_MASK) - tableAddressOffset;
            }
        }
        return t;
    }

    /** Maps the 4 KiB page at {@code va} to {@code pa} with {@code attrs} (AP or S2AP bits); adds AF. */
    public void page(long va, long pa, long attrs) {
        memory.store64(slot(va, 3), pa | attrs | AF | PAGE);
    }

    /** Maps a block at level 1 (1 GiB) or 2 (2 MiB) with {@code attrs}; adds AF. */
    public void block(long va, long pa, int level, long attrs) {
        if (level != 1 && level != 2) {
            throw new IllegalArgumentException("4 KiB granule blocks are at level 1 or 2, not " + level);
        }
        memory.store64(slot(va, level), pa | attrs | AF | BLOCK);
    }

    /** The physical address of the descriptor for {@code va} at {@code level}. */
    public long slot(long va, int level) {
        return table(va, level) + index(va, level) * 8L;
    }

    /** Writes {@code descriptor} as it is (no AF, no type bits): for malformed-table tests. */
    public void raw(long va, int level, long descriptor) {
        memory.store64(slot(va, level), descriptor);
    }

    private static void checkLevel(int level) {
        if (level < 0 || level > 3) {
            throw new IllegalArgumentException("4 KiB granule levels are 0 to 3, not " + level);
        }
    }
}
