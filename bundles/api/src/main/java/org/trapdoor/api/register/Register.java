package org.trapdoor.api.register;

import java.util.function.LongSupplier;

/**
 * One named register of a {@link RegisterBlock}, declared the way a manual lists it: offset,
 * width, reset value, which bits software may write, which are write-1-to-clear, and the
 * behaviour hooked to a read or a write.
 *
 * <p>Configuration methods return {@code this} so a model reads as a table:
 * <pre>
 *   ctlr = regs.reg32("GITS_CTLR", 0x000).writable(0x1).onWrite(this::ctlrWritten);
 * </pre>
 */
public final class Register {
    private final String name;
    private final int offset;
    private final int width;
    private final long widthMask;
    private long resetValue;
    private long writeMask;
    private long w1cMask;
    private boolean readable = true;
    private LongSupplier reader;
    private WriteHook writer;
    private volatile long value;

    Register(String name, int offset, int width) {
        this.name = name;
        this.offset = offset;
        this.width = width;
        this.widthMask = width >= 8 ? -1L : (1L << (width * 8)) - 1;
        this.writeMask = widthMask;
    }

    /** Called after a guest write has updated the stored value. */
    @FunctionalInterface
    public interface WriteHook {
        /**
         * @param previous the value before the write
         * @param written  the value after masks were applied (already stored)
         */
        void written(long previous, long written);
    }

    public String name() {
        return name;
    }

    public int offset() {
        return offset;
    }

    /** Width in bytes. */
    public int width() {
        return width;
    }

    /** Value after reset; also sets the current value. */
    public Register reset(long v) {
        resetValue = v & widthMask;
        value = resetValue;
        return this;
    }

    /** Writes from software are ignored. */
    public Register readOnly() {
        writeMask = 0;
        return this;
    }

    /** Reads return zero (write-only registers such as doorbells). */
    public Register writeOnly() {
        readable = false;
        return this;
    }

    /** Only the bits in {@code mask} take the written value; the others keep theirs. */
    public Register writable(long mask) {
        writeMask = mask & widthMask;
        return this;
    }

    /** Writing 1 to a bit of {@code mask} clears it; writing 0 leaves it. */
    public Register w1c(long mask) {
        w1cMask = mask & widthMask;
        writeMask &= ~w1cMask;
        return this;
    }

    /** The value is computed on every read (status registers, counters). */
    public Register onRead(LongSupplier supplier) {
        reader = supplier;
        return this;
    }

    public Register onWrite(WriteHook hook) {
        writer = hook;
        return this;
    }

    /** A named bit field, for models to use instead of shifts and masks. */
    public Field field(String fieldName, int lsb, int bits) {
        return new Field(this, fieldName, lsb, bits);
    }

    /** Current stored value (model side; ignores masks and hooks). */
    public long value() {
        return value;
    }

    /** Sets the stored value (model side; ignores masks and hooks). */
    public void set(long v) {
        value = v & widthMask;
    }

    void resetToDefault() {
        value = resetValue;
    }

    /** Software read of {@code size} bytes starting {@code byteOffset} bytes into the register. */
    long softwareRead(int byteOffset, int size) {
        if (!readable) {
            return 0;
        }
        long v = reader != null ? reader.getAsLong() : value;
        long r = v >>> (byteOffset * 8);
        return size >= 8 ? r : r & ((1L << (size * 8)) - 1);
    }

    /** Software write of {@code size} bytes starting {@code byteOffset} bytes into the register. */
    void softwareWrite(int byteOffset, int size, long data) {
        int shift = byteOffset * 8;
        long lanes = (size >= 8 ? -1L : (1L << (size * 8)) - 1) << shift;
        lanes &= widthMask;
        long incoming = (data << shift) & lanes;
        long previous = value;
        long changeable = writeMask & lanes;
        long next = (previous & ~changeable) | (incoming & changeable);
        next &= ~(incoming & w1cMask);
        value = next;
        if (writer != null) {
            writer.written(previous, next);
        }
    }

    @Override
    public String toString() {
        return String.format("%s@0x%03x=0x%x", name, offset, value);
    }
}
