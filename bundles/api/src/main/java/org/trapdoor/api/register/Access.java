package org.trapdoor.api.register;

/**
 * How software may access a {@link Field}, as the manuals' register tables say it. A register
 * whose fields are declared with an access type takes its writable, write-1-to-clear,
 * write-1-to-set and readable bits from them; bits in no field are RES0 to software (writes
 * ignored, read as the model stores them).
 */
public enum Access {
    /** Read and written by software. */
    RW,
    /** Read-only: writes leave it. */
    RO,
    /** Write-only: reads return 0, writes store (a doorbell, a command field). */
    WO,
    /** Readable; writing 1 clears the bit, writing 0 leaves it (status flags). */
    RW1C,
    /** Readable; writing 1 sets the bit, writing 0 leaves it. */
    RW1S
}
