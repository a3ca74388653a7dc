package org.trapdoor.testkit;

import java.util.Arrays;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.memory.PhysicalMemory;

/**
 * A bank of emulated RAM over a byte array at {@code [base, base + size)}, for unit tests.
 *
 * <p>As {@link PhysicalMemory} it is what a model walks its in-memory tables through: any access
 * that is not wholly inside the bank throws {@link MemoryAccessException}, as non-RAM does in a
 * machine, so tests see the model's architected error path. As an {@link MmioHandler} it is the
 * region a machine would map at {@code base} ({@link MemoryTransaction#offset} relative to it).
 * {@link #asAddressSpace()} gives a system address space in which only this bank decodes, for
 * models that master transactions (an SMMU's DMA, its queues).
 *
 * <p>{@link #alloc} hands out aligned, zeroed blocks from the upper half of the bank (for page
 * tables and the like), so the lower half stays free for the fixed addresses a test chooses.
 */
public final class ArrayRam implements PhysicalMemory, MmioHandler {
    private final long base;
    private final byte[] bytes;
    private final AddressSpace system = this::accessAbsolute;
    private long next;

    /** A zeroed bank of {@code size} bytes at physical address {@code base} (non-negative). */
    public ArrayRam(long base, int size) {
        if (base < 0 || size < 0 || base + size < 0) {
            throw new IllegalArgumentException(String.format("bad RAM bank 0x%x (+%d)", base, size));
        }
        this.base = base;
        this.bytes = new byte[size];
        this.next = base + size / 2;
    }

    /** The physical address of the first byte. */
    public long base() {
        return base;
    }

    /** The bank's size in bytes. */
    public int size() {
        return bytes.length;
    }

    /**
     * A zeroed block of {@code size} bytes (a power of two) aligned to its size, from the upper
     * half of the bank; blocks are never reused.
     *
     * @throws IllegalArgumentException if {@code size} is not a power of two
     * @throws IllegalStateException when the upper half has no room left
     */
    public long alloc(int size) {
        if (size <= 0 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("block size must be a power of two: " + size);
        }
        long at = (next + size - 1) & -size;
        if (!isRam(at, size)) {
            throw new IllegalStateException(String.format("RAM bank full: no %d bytes at 0x%x", size, at));
        }
        next = at + size;
        Arrays.fill(bytes, index(at, size), index(at, size) + size, (byte) 0);
        return at;
    }

    /** This bank seen as a whole system address space: addresses outside it get DECODE_ERROR. */
    public AddressSpace asAddressSpace() {
        return system;
    }

    @Override
    public boolean isRam(long address, long length) {
        // Written so that no sum can overflow, whatever address a model computes.
        return address >= base && length >= 0 && length <= bytes.length
                && address - base <= bytes.length - length;
    }

    private int index(long address, long length) {
        if (!isRam(address, length)) {
            throw new MemoryAccessException(address, length);
        }
        return (int) (address - base);
    }

    @Override
    public long load(long address, int size) {
        checkSize(size);
        int o = index(address, size);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (bytes[o + i] & 0xff);
        }
        return v;
    }

    @Override
    public void store(long address, int size, long value) {
        checkSize(size);
        int o = index(address, size);
        for (int i = 0; i < size; i++) {
            bytes[o + i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        System.arraycopy(bytes, index(address, length), dst, offset, length);
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        System.arraycopy(src, offset, bytes, index(address, length), length);
    }

    /** As a mapped region: {@link MemoryTransaction#offset} is relative to {@link #base()}. */
    @Override
    public void access(MemoryTransaction tx) {
        complete(tx, tx.offset >= 0 && tx.offset <= Long.MAX_VALUE - base ? base + tx.offset : -1);
    }

    private void accessAbsolute(MemoryTransaction tx) {
        complete(tx, tx.address);
    }

    /** Reads or writes RAM at {@code address}: DECODE_ERROR outside the bank, ABORT for odd sizes. */
    private void complete(MemoryTransaction tx, long address) {
        if (!MemoryTransaction.validSize(tx.size)) {
            tx.fail(MemResult.ABORT); // RAM answers only whole 1/2/4/8-byte beats
        } else if (!isRam(address, tx.size)) {
            tx.fail(MemResult.DECODE_ERROR);
        } else if (tx.write) {
            store(address, tx.size, tx.data);
        } else {
            tx.data = load(address, tx.size);
        }
    }

    private static void checkSize(int size) {
        if (!MemoryTransaction.validSize(size)) {
            throw new IllegalArgumentException("access size must be 1, 2, 4 or 8: " + size);
        }
    }

    @Override
    public String toString() {
        return String.format("ArrayRam[0x%x..0x%x]", base, base + bytes.length - 1);
    }
}
