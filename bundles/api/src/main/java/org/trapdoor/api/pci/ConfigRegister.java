package org.trapdoor.api.pci;

/**
 * A config register that stores its value: the common case of {@link ConfigSpace#register}.
 * Bits in the writable mask take what software writes, RW1C bits are cleared by writing 1, every
 * other bit is read-only. The model reads and sets the value directly ({@link #value()},
 * {@link #set(int)}); a write hook adds behaviour next to the register.
 */
public final class ConfigRegister {
    /** Called after a software write stored its value. */
    @FunctionalInterface
    public interface WriteHook {
        /**
         * @param previous the value before the write
         * @param value    the value now stored; the hook may {@link #set} another (clamping)
         */
        void written(int previous, int value);
    }

    private final int offset;
    private final int size;
    private final int width;
    private final int writable;
    private final int rw1c;
    private final int resetValue;
    private volatile int value;
    private volatile WriteHook hook;

    ConfigRegister(int offset, int size, int reset, int writable, int rw1c) {
        this.offset = offset;
        this.size = size;
        this.width = widthMask(size);
        if ((writable & rw1c) != 0) {
            throw new IllegalArgumentException(String.format(
                    "config register at 0x%03x: bits 0x%x are both writable and RW1C", offset, writable & rw1c));
        }
        this.writable = writable & width;
        this.rw1c = rw1c & width;
        this.value = reset & width;
        this.resetValue = this.value;
    }

    /** The mask of the low {@code size} bytes. */
    static int widthMask(int size) {
        return size >= 4 ? -1 : (1 << (size * 8)) - 1;
    }

    /** Adds behaviour to software writes. */
    public ConfigRegister onWrite(WriteHook h) {
        this.hook = h;
        return this;
    }

    public int offset() {
        return offset;
    }

    public int size() {
        return size;
    }

    /** The stored value (model side). */
    public int value() {
        return value;
    }

    /** Sets the stored value, ignoring masks (model side: status bits, clamping). */
    public void set(int v) {
        value = v & width;
    }

    /** Back to the value it had at construction (a reset of the function; the write hook is not called). */
    public void reset() {
        value = resetValue;
    }

    /** True when every bit of {@code bits} is set. */
    public boolean isSet(int bits) {
        return (value & bits) == bits;
    }

    int read(int registerOffset) {
        return value;
    }

    void write(int registerOffset, int data) {
        int previous = value;
        int next = (previous & ~writable) | (data & writable);
        next &= ~(rw1c & data);
        value = next & width;
        WriteHook h = hook;
        if (h != null) {
            h.written(previous, next & width);
        }
    }

    @Override
    public String toString() {
        return String.format("register 0x%03x/%d=0x%x", offset, size, value);
    }
}
