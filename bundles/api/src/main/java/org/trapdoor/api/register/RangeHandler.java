package org.trapdoor.api.register;

/**
 * Behaviour of a run of registers that a model handles as an array (priority bytes, stream
 * match registers, a doorbell page) rather than one {@link Register} each.
 */
public interface RangeHandler {
    /** @param offset offset from the start of the range; {@code size} 1, 2, 4 or 8 */
    long read(int offset, int size);

    void write(int offset, int size, long value);
}
