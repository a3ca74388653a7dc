package org.trapdoor.api.memory;

/** A model touched physical memory that is not RAM. Models map this to their architected error. */
public class MemoryAccessException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long address;

    public MemoryAccessException(long address, long length) {
        super(String.format("no RAM at 0x%x (+%d)", address, length));
        this.address = address;
    }

    public long address() {
        return address;
    }
}
