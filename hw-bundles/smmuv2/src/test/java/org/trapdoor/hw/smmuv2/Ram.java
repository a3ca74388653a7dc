package org.trapdoor.hw.smmuv2;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.trapdoor.api.memory.AddressSpace;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.PhysicalMemory;

/** Test RAM: one byte array at {@code base}; also a system address space containing only it. */
final class Ram implements PhysicalMemory, AddressSpace {
    final long base;
    private final ByteBuffer buf;
    private long next;

    Ram(long base, int size) {
        this.base = base;
        this.buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        this.next = base + size / 2;
    }

    /** A zeroed, aligned block from the upper half (page tables). */
    long alloc(int size) {
        next = (next + size - 1) & -size;
        long a = next;
        next += size;
        return a;
    }

    @Override
    public boolean isRam(long address, long length) {
        return address >= base && length >= 0 && address + length <= base + buf.capacity();
    }

    private int at(long address, int size) {
        if (!isRam(address, size)) {
            throw new MemoryAccessException(address, size);
        }
        return (int) (address - base);
    }

    @Override
    public long load(long address, int size) {
        int i = at(address, size);
        switch (size) {
            case 1: return buf.get(i) & 0xFFL;
            case 2: return buf.getShort(i) & 0xFFFFL;
            case 4: return buf.getInt(i) & 0xFFFF_FFFFL;
            default: return buf.getLong(i);
        }
    }

    @Override
    public void store(long address, int size, long value) {
        int i = at(address, size);
        switch (size) {
            case 1: buf.put(i, (byte) value); break;
            case 2: buf.putShort(i, (short) value); break;
            case 4: buf.putInt(i, (int) value); break;
            default: buf.putLong(i, value);
        }
    }

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        int i = at(address, length);
        for (int k = 0; k < length; k++) {
            dst[offset + k] = buf.get(i + k);
        }
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        int i = at(address, length);
        for (int k = 0; k < length; k++) {
            buf.put(i + k, src[offset + k]);
        }
    }

    @Override
    public void access(MemoryTransaction tx) {
        if (!isRam(tx.address, tx.size)) {
            tx.fail(MemResult.DECODE_ERROR);
            return;
        }
        if (tx.write) {
            store(tx.address, tx.size, tx.data);
        } else {
            tx.data = load(tx.address, tx.size);
        }
    }
}
