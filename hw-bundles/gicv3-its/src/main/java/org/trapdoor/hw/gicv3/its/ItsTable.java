package org.trapdoor.hw.gicv3.its;

import org.trapdoor.api.memory.PhysicalMemory;

/**
 * One GITS_BASER&lt;n&gt; table as software configured it, decoded once per register write so the
 * translation path reads an immutable value. Flat tables index entries directly; indirect
 * (two-level) tables hold 8-byte level-1 entries (bit 63 Valid, [51:12] address of a page of
 * level-2 entries, aligned to the page size).
 */
final class ItsTable {
    static final ItsTable NONE = new ItsTable(false, false, 0, 4096, 0, 8);

    final boolean valid;
    final boolean indirect;
    final long base;
    final int pageSize;
    final int entrySize;
    /** IDs the table can hold; 0 when not valid. */
    final long maxIds;

    private ItsTable(boolean valid, boolean indirect, long base, int pageSize, long maxIds, int entrySize) {
        this.valid = valid;
        this.indirect = indirect;
        this.base = base;
        this.pageSize = pageSize;
        this.maxIds = maxIds;
        this.entrySize = entrySize;
    }

    /** Decodes a BASER value; {@code idLimit} caps the IDs (2^Devbits or 2^16 ICIDs). */
    static ItsTable of(long baser, int entrySize, long idLimit) {
        if (baser >= 0) { // bit 63 Valid clear
            return NONE;
        }
        int pageSize = switch ((int) (baser >>> 8) & 3) {
            case 0 -> 4096;
            case 1 -> 16384;
            default -> 65536;
        };
        long base = baser & 0x0000_FFFF_FFFF_F000L & ~(pageSize - 1L);
        if (pageSize == 65536) {
            base |= ((baser >>> 12) & 0xf) << 48; // 64 KiB pages carry PA[51:48] in [15:12]
        }
        long bytes = ((baser & 0xff) + 1) * pageSize;
        boolean indirect = (baser & (1L << 62)) != 0;
        long ids = indirect ? (bytes / 8) * (pageSize / entrySize) : bytes / entrySize;
        return new ItsTable(true, indirect, base, pageSize, Math.min(ids, idLimit), entrySize);
    }

    /**
     * The address of entry {@code id} (which must be below {@link #maxIds}), or -1 when its
     * level-1 entry is not valid. Reading a level-1 entry outside RAM throws
     * {@link org.trapdoor.api.memory.MemoryAccessException}.
     */
    long entryAddress(PhysicalMemory memory, long id) {
        if (!indirect) {
            return base + id * entrySize;
        }
        long perPage = pageSize / entrySize;
        long l1 = memory.load64(base + (id / perPage) * 8);
        if (l1 >= 0) {
            return -1;
        }
        long page = l1 & 0x000F_FFFF_FFFF_F000L & ~(pageSize - 1L);
        return page + (id % perPage) * entrySize;
    }
}
