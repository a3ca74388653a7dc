package org.trapdoor.core.bus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * Emulated RAM made of one or more banks (the {@code reg} entries of the tree's memory nodes).
 *
 * <p>Storage is sparse: 64 KiB pages are allocated on the first write that touches them, and
 * untouched pages read as zero, so a 1 GiB guest costs only what it writes. Pages sit in a
 * two-level table (1024 pages, 64 MiB, per leaf) so that even a very large bank needs only a
 * small directory. As an {@link MmioHandler} it decodes {@code tx.address} (absolute), so one
 * instance serves every bank's region in the system address space.
 */
public final class Ram implements PhysicalMemory, MmioHandler {
    static final int PAGE_SHIFT = 16;
    static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_SIZE - 1;
    private static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];
    private static final int LEAF_SHIFT = 10;
    private static final int LEAF_PAGES = 1 << LEAF_SHIFT;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** One contiguous bank with its own page directory. */
    private static final class Bank {
        final long base;
        final long size;
        final AtomicReferenceArray<AtomicReferenceArray<byte[]>> directory;

        Bank(long base, long size) {
            this.base = base;
            this.size = size;
            long pages = (size + PAGE_SIZE - 1) >>> PAGE_SHIFT;
            long leaves = (pages + LEAF_PAGES - 1) >>> LEAF_SHIFT;
            if (leaves > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(String.format("RAM bank 0x%x+0x%x is too large", base, size));
            }
            this.directory = new AtomicReferenceArray<>((int) leaves);
        }

        boolean contains(long address, long length) {
            long off = address - base;
            return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(off, size) < 0
                    && Long.compareUnsigned(length, size - off) <= 0;
        }

        /** The page holding bank offset {@code off}, or null if never written and {@code create} is false. */
        byte[] page(long off, boolean create) {
            long pageNo = off >>> PAGE_SHIFT;
            int leafNo = (int) (pageNo >>> LEAF_SHIFT);
            int slot = (int) (pageNo & (LEAF_PAGES - 1));
            AtomicReferenceArray<byte[]> leaf = directory.get(leafNo);
            if (leaf == null) {
                if (!create) {
                    return null;
                }
                directory.compareAndSet(leafNo, null, new AtomicReferenceArray<>(LEAF_PAGES));
                leaf = directory.get(leafNo);
            }
            byte[] page = leaf.get(slot);
            if (page == null && create) {
                leaf.compareAndSet(slot, null, new byte[PAGE_SIZE]);
                page = leaf.get(slot);
            }
            return page;
        }

        long pagesAllocated() {
            long n = 0;
            for (int i = 0; i < directory.length(); i++) {
                AtomicReferenceArray<byte[]> leaf = directory.get(i);
                if (leaf != null) {
                    for (int j = 0; j < leaf.length(); j++) {
                        if (leaf.get(j) != null) {
                            n++;
                        }
                    }
                }
            }
            return n;
        }
    }

    /**
     * RAM lies below 2^48: the physical address size of an Armv8 CPU without FEAT_LPA
     * (ID_AA64MMFR0_EL1.PARange 0b0101). It also bounds a bank's page directory (at most 2^22
     * leaf references), so that a memory node cannot ask for an array the JVM cannot make.
     */
    public static final long MAX_ADDRESS = 1L << 48;

    private final Bank[] banks;

    /**
     * @param banks {base, size} pairs; they must not overlap
     * @throws IllegalArgumentException for an empty, wrapping or overlapping bank, or one beyond {@link #MAX_ADDRESS}
     */
    public Ram(List<long[]> banks) {
        List<long[]> sorted = new ArrayList<>(banks);
        sorted.sort(Comparator.comparing(b -> b[0], Long::compareUnsigned));
        this.banks = new Bank[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            long base = sorted.get(i)[0];
            long size = sorted.get(i)[1];
            if (size == 0 || Long.compareUnsigned(base + size - 1, base) < 0) {
                throw new IllegalArgumentException(String.format("RAM bank 0x%x+0x%x is empty or wraps", base, size));
            }
            if (Long.compareUnsigned(base + size - 1, MAX_ADDRESS - 1) > 0) {
                throw new IllegalArgumentException(String.format("RAM bank 0x%x+0x%x ends beyond 0x%x", base, size,
                        MAX_ADDRESS));
            }
            if (i > 0 && Long.compareUnsigned(this.banks[i - 1].base + this.banks[i - 1].size - 1, base) >= 0) {
                throw new IllegalArgumentException(String.format("RAM bank 0x%x+0x%x overlaps the bank at 0x%x",
                        base, size, this.banks[i - 1].base));
            }
            this.banks[i] = new Bank(base, size);
        }
    }

    /** The banks as {base, size} pairs, ascending. */
    public List<long[]> banks() {
        List<long[]> out = new ArrayList<>();
        for (Bank b : banks) {
            out.add(new long[] {b.base, b.size});
        }
        return out;
    }

    /** Total bytes of RAM. */
    public long size() {
        long n = 0;
        for (Bank b : banks) {
            n += b.size;
        }
        return n;
    }

    /** Bytes actually allocated for written pages. */
    public long allocatedBytes() {
        long n = 0;
        for (Bank b : banks) {
            n += b.pagesAllocated();
        }
        return n * PAGE_SIZE;
    }

    private Bank bank(long address, long length) {
        for (Bank b : banks) {
            if (b.contains(address, length)) {
                return b;
            }
        }
        return null;
    }

    private Bank require(long address, long length) {
        Bank b = length > 0 ? bank(address, length) : null;
        if (b == null) {
            throw new MemoryAccessException(address, length);
        }
        return b;
    }

    @Override
    public boolean isRam(long address, long length) {
        return length > 0 && bank(address, length) != null;
    }

    @Override
    public long load(long address, int size) {
        checkSize(size);
        Bank b = require(address, size);
        long off = address - b.base;
        int inPage = (int) (off & PAGE_MASK);
        if (inPage + size > PAGE_SIZE) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = (v << 8) | (loadByte(b, off + i) & 0xff);
            }
            return v;
        }
        byte[] page = b.page(off, false);
        if (page == null) {
            return 0;
        }
        switch (size) {
            case 1:
                return page[inPage] & 0xffL;
            case 2:
                return (short) SHORT.get(page, inPage) & 0xffffL;
            case 4:
                return (int) INT.get(page, inPage) & 0xffff_ffffL;
            default:
                return (long) LONG.get(page, inPage);
        }
    }

    @Override
    public void store(long address, int size, long value) {
        checkSize(size);
        Bank b = require(address, size);
        long off = address - b.base;
        int inPage = (int) (off & PAGE_MASK);
        if (inPage + size > PAGE_SIZE) {
            for (int i = 0; i < size; i++) {
                b.page(off + i, true)[(int) ((off + i) & PAGE_MASK)] = (byte) (value >>> (8 * i));
            }
            return;
        }
        byte[] page = b.page(off, true);
        switch (size) {
            case 1:
                page[inPage] = (byte) value;
                break;
            case 2:
                SHORT.set(page, inPage, (short) value);
                break;
            case 4:
                INT.set(page, inPage, (int) value);
                break;
            default:
                LONG.set(page, inPage, value);
                break;
        }
    }

    private static byte loadByte(Bank b, long off) {
        byte[] page = b.page(off, false);
        return page == null ? 0 : page[(int) (off & PAGE_MASK)];
    }

    private static void checkSize(int size) {
        if (!MemoryTransaction.validSize(size)) {
            throw new IllegalArgumentException("RAM access size must be 1, 2, 4 or 8 bytes, not " + size);
        }
    }

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        if (length == 0) {
            return;
        }
        Bank b = require(address, length);
        long off = address - b.base;
        int done = 0;
        while (done < length) {
            long at = off + done;
            int inPage = (int) (at & PAGE_MASK);
            int n = Math.min(length - done, PAGE_SIZE - inPage);
            byte[] page = b.page(at, false);
            if (page == null) {
                Arrays.fill(dst, offset + done, offset + done + n, (byte) 0);
            } else {
                System.arraycopy(page, inPage, dst, offset + done, n);
            }
            done += n;
        }
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        if (length == 0) {
            return;
        }
        Bank b = require(address, length);
        long off = address - b.base;
        int done = 0;
        while (done < length) {
            long at = off + done;
            int inPage = (int) (at & PAGE_MASK);
            int n = Math.min(length - done, PAGE_SIZE - inPage);
            byte[] page = b.page(at, false);
            if (page == null) {
                if (Arrays.mismatch(src, offset + done, offset + done + n, ZERO_PAGE, 0, n) < 0) {
                    // Zeros over a page never written: it reads as zero already, so it stays
                    // unallocated (Xen scrubbing a DomU's memory must not allocate all of it).
                    done += n;
                    continue;
                }
                page = b.page(at, true);
            }
            System.arraycopy(src, offset + done, page, inPage, n);
            done += n;
        }
    }

    /** A bus access: decodes the absolute {@code tx.address}; outside RAM or a bad size is a decode error. */
    @Override
    public void access(MemoryTransaction tx) {
        if (!MemoryTransaction.validSize(tx.size) || bank(tx.address, tx.size) == null) {
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        if (tx.write) {
            store(tx.address, tx.size, tx.data);
        } else {
            tx.data = load(tx.address, tx.size);
        }
        tx.result = MemResult.OK;
    }
}
