package org.trapdoor.api.pci;

/**
 * A Base Address Register, installed into a {@link ConfigSpace}. The address bits below
 * log2(size) and the type, prefetch and I/O bits are read-only, so software sizes the BAR the way
 * Xen's {@code pci_size_mem_bar} and Linux do: write all-ones, read back, negate.
 */
public final class PciBar {
    /** What the BAR decodes. */
    public enum Kind {
        MEMORY32, MEMORY64, IO
    }

    private final int index;
    private final Kind kind;
    private final long size;
    private final boolean prefetchable;
    private final ConfigRegister low;
    private final ConfigRegister high;

    private PciBar(ConfigSpace cs, int index, Kind kind, long size, boolean prefetchable, long address) {
        this.index = index;
        this.kind = kind;
        this.size = size;
        this.prefetchable = prefetchable;
        int off = PciConfig.BAR0 + 4 * index;
        long addressMask = ~(size - 1);
        if ((address & (size - 1)) != 0) {
            throw new IllegalArgumentException(String.format("BAR%d: address 0x%x is not aligned to its size 0x%x",
                    index, address, size));
        }
        if (kind == Kind.IO) {
            low = cs.register(off, 4, (int) address | PciConfig.BAR_SPACE_IO,
                    (int) addressMask & PciConfig.BAR_IO_MASK);
            high = null;
        } else {
            int flags = (kind == Kind.MEMORY64 ? PciConfig.BAR_MEM_TYPE_64 : PciConfig.BAR_MEM_TYPE_32)
                    | (prefetchable ? PciConfig.BAR_MEM_PREFETCH : 0);
            low = cs.register(off, 4, ((int) address & PciConfig.BAR_MEM_MASK) | flags,
                    (int) addressMask & PciConfig.BAR_MEM_MASK);
            high = kind == Kind.MEMORY64
                    ? cs.register(off + 4, 4, (int) (address >>> 32), (int) (addressMask >>> 32))
                    : null;
        }
    }

    /** A 32-bit memory BAR of {@code size} bytes (a power of two, 16 bytes to 2 GiB). */
    public static PciBar memory32(ConfigSpace cs, int index, long size, boolean prefetchable) {
        return memory32(cs, index, size, prefetchable, 0);
    }

    /** A 32-bit memory BAR holding {@code address} after reset. */
    public static PciBar memory32(ConfigSpace cs, int index, long size, boolean prefetchable, long address) {
        checkIndex(index, 5);
        checkSize(index, size, 16, 1L << 31);
        return new PciBar(cs, index, Kind.MEMORY32, size, prefetchable, address & 0xffff_ffffL);
    }

    /** A 64-bit memory BAR in slots {@code index} and {@code index+1} (size 16 bytes to 2^63). */
    public static PciBar memory64(ConfigSpace cs, int index, long size, boolean prefetchable) {
        return memory64(cs, index, size, prefetchable, 0);
    }

    public static PciBar memory64(ConfigSpace cs, int index, long size, boolean prefetchable, long address) {
        checkIndex(index, 4);
        checkSize(index, size, 16, 1L << 62);
        return new PciBar(cs, index, Kind.MEMORY64, size, prefetchable, address);
    }

    /** An I/O BAR of {@code size} bytes (4 to 256). */
    public static PciBar io(ConfigSpace cs, int index, int size) {
        return io(cs, index, size, 0);
    }

    public static PciBar io(ConfigSpace cs, int index, int size, long address) {
        checkIndex(index, 5);
        checkSize(index, size, 4, 256);
        return new PciBar(cs, index, Kind.IO, size, false, address & 0xffff_fffcL);
    }

    private static void checkIndex(int index, int max) {
        if (index < 0 || index > max) {
            throw new IllegalArgumentException("BAR index " + index + " is outside 0.." + max);
        }
    }

    private static void checkSize(int index, long size, long min, long max) {
        if (size < min || size > max || Long.bitCount(size) != 1) {
            throw new IllegalArgumentException(String.format(
                    "BAR%d: size 0x%x is not a power of two between 0x%x and 0x%x", index, size, min, max));
        }
    }

    public int index() {
        return index;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isMemory() {
        return kind != Kind.IO;
    }

    public boolean prefetchable() {
        return prefetchable;
    }

    public long size() {
        return size;
    }

    /** The bus address software programmed (flag bits removed). */
    public long address() {
        if (kind == Kind.IO) {
            return low.value() & PciConfig.BAR_IO_MASK & 0xffff_ffffL;
        }
        long a = low.value() & PciConfig.BAR_MEM_MASK & 0xffff_ffffL;
        return high != null ? a | ((long) high.value() << 32) : a;
    }

    /**
     * The offset of [{@code address}, +{@code length}) inside this BAR, or -1 if the access is not
     * entirely inside it. Does not look at the Command register.
     */
    public long offsetOf(long address, int length) {
        long off = address - address();
        return off >= 0 && off + length <= size && off + length > 0 ? off : -1;
    }

    @Override
    public String toString() {
        return String.format("BAR%d %s%s 0x%x @0x%x", index, kind, prefetchable ? " prefetchable" : "", size,
                address());
    }
}
