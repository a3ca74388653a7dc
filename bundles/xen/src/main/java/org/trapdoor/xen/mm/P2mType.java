package org.trapdoor.xen.mm;

/**
 * What a P2M entry maps, as Xen's {@code p2m_type_t} says (kept in the descriptor's software bits
 * [58:55] as Xen keeps it): it decides the stage-2 access permissions and memory attributes.
 */
public enum P2mType {
    /** Unused (the encoding of an invalid entry's type). */
    INVALID(0, false, false, false),
    /** {@code p2m_ram_rw}: normal RAM, read-write. */
    RAM_RW(1, true, true, false),
    /** {@code p2m_ram_ro}: normal RAM, writes fault. */
    RAM_RO(2, true, false, false),
    /** {@code p2m_mmio_direct_dev}: a device's registers mapped through, Device-nGnRE, never executable. */
    MMIO_DIRECT_DEV(3, true, true, true),
    /**
     * {@code p2m_iommu_map_rw}: what {@code iommu_map} adds to a P2M shared with the SMMU (e.g. the
     * ITS doorbell page for Dom0's devices), read-write, never executable.
     */
    IOMMU_MAP_RW(4, true, true, false);

    /** Value in the descriptor's software bits. */
    final int code;
    final boolean read;
    final boolean write;
    final boolean device;

    P2mType(int code, boolean read, boolean write, boolean device) {
        this.code = code;
        this.read = read;
        this.write = write;
        this.device = device;
    }

    static P2mType ofCode(int code) {
        for (P2mType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return INVALID;
    }
}
