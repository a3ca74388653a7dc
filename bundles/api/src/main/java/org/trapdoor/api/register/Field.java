package org.trapdoor.api.register;

/** A bit field of a {@link Register}: {@code bits} bits starting at bit {@code lsb}. */
public final class Field {
    private final Register register;
    private final String name;
    private final int lsb;
    private final long mask;

    Field(Register register, String name, int lsb, int bits) {
        if (lsb < 0 || bits <= 0 || lsb + bits > 64) {
            throw new IllegalArgumentException(name + ": bad field [" + (lsb + bits - 1) + ":" + lsb + "]");
        }
        this.register = register;
        this.name = name;
        this.lsb = lsb;
        this.mask = bits == 64 ? -1L : (1L << bits) - 1;
    }

    public String name() {
        return name;
    }

    /** The field's value in the register's current stored value. */
    public long get() {
        return extract(register.value());
    }

    /** The field's value in an arbitrary value of the register (for write hooks). */
    public long extract(long registerValue) {
        return (registerValue >>> lsb) & mask;
    }

    public boolean isSet() {
        return get() != 0;
    }

    /** Sets the field in the stored value (model side). */
    public void set(long v) {
        register.set((register.value() & ~(mask << lsb)) | ((v & mask) << lsb));
    }

    /** {@code v} placed at this field's position, for building register values. */
    public long place(long v) {
        return (v & mask) << lsb;
    }
}
