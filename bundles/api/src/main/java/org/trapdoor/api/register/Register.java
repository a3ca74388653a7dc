package org.trapdoor.api.register;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
 *
 * <p>Or the register's fields are declared by name with their access, as the manual's table
 * lists them, and its masks follow from them (bits in no field are RES0):
 * <pre>
 *   cr0 = regs.reg32("CR0", 0x20);
 *   Field smmuEn = cr0.field("SMMUEN", 0, 1, Access.RW);
 *   Field vmw = cr0.field("VMW", 6, 3, Access.RW);
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
    private long w1sMask;
    private long readMask;
    private boolean readable = true;
    private final List<Field> fields = new ArrayList<>();
    private boolean declaredByField;
    private LongSupplier reader;
    private WriteHook writer;
    private volatile long value;

    Register(String name, int offset, int width) {
        this.name = name;
        this.offset = offset;
        this.width = width;
        this.widthMask = width >= 8 ? -1L : (1L << (width * 8)) - 1;
        this.writeMask = widthMask;
        this.readMask = widthMask;
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

    /** A named bit field, for models to use instead of shifts and masks; software access unchanged. */
    public Field field(String fieldName, int lsb, int bits) {
        Field f = new Field(this, fieldName, lsb, bits);
        fields.add(f);
        return f;
    }

    /**
     * Declares field {@code fieldName}, {@code bits} bits at {@code lsb}, with software access
     * {@code access}. The first such field makes the register's masks come from its fields alone:
     * writable = RW and WO fields, write-1-to-clear = RW1C, write-1-to-set = RW1S, read as 0 = WO;
     * every other bit is RES0 (writes ignored). Fields may not overlap.
     */
    public Field field(String fieldName, int lsb, int bits, Access access) {
        if (access == null) {
            throw new IllegalArgumentException(name + "." + fieldName + ": no access type");
        }
        Field f = new Field(this, fieldName, lsb, bits, access);
        if ((f.mask() & ~widthMask) != 0) {
            throw new IllegalArgumentException(name + "." + fieldName + ": beyond the " + width + "-byte register");
        }
        for (Field o : fields) {
            if (o.access() != null && (o.mask() & f.mask()) != 0) {
                throw new IllegalArgumentException(name + "." + fieldName + " overlaps " + o.name());
            }
        }
        if (!declaredByField) {
            declaredByField = true;
            writeMask = 0;
            w1cMask = 0;
            w1sMask = 0;
            readMask = widthMask;
        }
        fields.add(f);
        switch (access) {
            case RW -> writeMask |= f.mask();
            case WO -> {
                writeMask |= f.mask();
                readMask &= ~f.mask();
            }
            case RW1C -> w1cMask |= f.mask();
            case RW1S -> w1sMask |= f.mask();
            case RO -> {
            }
        }
        return f;
    }

    /** A one-bit field (a flag) with software access {@code access}. */
    public Field flag(String fieldName, int bit, Access access) {
        return field(fieldName, bit, 1, access);
    }

    /** The fields declared, in declaration order. */
    public List<Field> fields() {
        return Collections.unmodifiableList(fields);
    }

    /** The declared field called {@code fieldName}. */
    public Field field(String fieldName) {
        for (Field f : fields) {
            if (f.name().equals(fieldName)) {
                return f;
            }
        }
        throw new IllegalArgumentException(name + " has no field " + fieldName);
    }

    /** The bits software writes store (RW and WO fields, or {@link #writable}'s mask). */
    public long writableMask() {
        return writeMask;
    }

    /** The bits a software write of 1 clears. */
    public long w1cMask() {
        return w1cMask;
    }

    /** The reset value. */
    public long resetValue() {
        return resetValue;
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
        long v = (reader != null ? reader.getAsLong() : value) & readMask;
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
        next |= incoming & w1sMask;
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
