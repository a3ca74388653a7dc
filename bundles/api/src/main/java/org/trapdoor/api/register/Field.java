package org.trapdoor.api.register;

/**
 * A bit field of a {@link Register}: {@code bits} bits starting at bit {@code lsb}, with the
 * {@link Access} software has to it when declared with one (QEMU's {@code FIELD()}, Renode's
 * {@code WithValueField}).
 */
public final class Field {
    private final Register register;
    private final String name;
    private final int lsb;
    private final int bits;
    private final long mask;
    private final Access access;

    Field(Register register, String name, int lsb, int bits) {
        this(register, name, lsb, bits, null);
    }

    Field(Register register, String name, int lsb, int bits, Access access) {
        if (lsb < 0 || bits <= 0 || lsb + bits > 64) {
            throw new IllegalArgumentException(name + ": bad field [" + (lsb + bits - 1) + ":" + lsb + "]");
        }
        this.register = register;
        this.name = name;
        this.lsb = lsb;
        this.bits = bits;
        this.mask = bits == 64 ? -1L : (1L << bits) - 1;
        this.access = access;
    }

    public String name() {
        return name;
    }

    /** The lowest bit. */
    public int lsb() {
        return lsb;
    }

    /** The width in bits. */
    public int bits() {
        return bits;
    }

    /** The field's bits in place in the register (for masks built from fields). */
    public long mask() {
        return mask << lsb;
    }

    /** Software's access, or {@code null} for a field declared for the model's use only. */
    public Access access() {
        return access;
    }

    /** The register the field belongs to. */
    public Register register() {
        return register;
    }

    /** True when the field's value in {@code registerValue} is not zero (for write hooks). */
    public boolean isSetIn(long registerValue) {
        return extract(registerValue) != 0;
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

    @Override
    public String toString() {
        String range = bits == 1 ? "[" + lsb + "]" : "[" + (lsb + bits - 1) + ":" + lsb + "]";
        return register.name() + "." + name + range + (access != null ? " " + access : "");
    }
}
