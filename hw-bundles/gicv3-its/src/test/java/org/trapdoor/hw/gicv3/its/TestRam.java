package org.trapdoor.hw.gicv3.its;

import org.trapdoor.api.memory.MemoryAccessException;
import org.trapdoor.api.memory.PhysicalMemory;

/** A RAM bank over a byte array, for tests: anything outside it throws like real non-RAM. */
final class TestRam implements PhysicalMemory {
    final long base;
    final byte[] bytes;

    TestRam(long base, int size) {
        this.base = base;
        this.bytes = new byte[size];
    }

    @Override
    public boolean isRam(long address, long length) {
        return address >= base && length >= 0 && address - base + length <= bytes.length;
    }

    private int at(long address, long length) {
        if (!isRam(address, length)) {
            throw new MemoryAccessException(address, length);
        }
        return (int) (address - base);
    }

    @Override
    public long load(long address, int size) {
        int o = at(address, size);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (bytes[o + i] & 0xff);
        }
        return v;
    }

    @Override
    public void store(long address, int size, long value) {
        int o = at(address, size);
        for (int i = 0; i < size; i++) {
            bytes[o + i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        System.arraycopy(bytes, at(address, length), dst, offset, length);
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        System.arraycopy(src, offset, bytes, at(address, length), length);
    }
}
