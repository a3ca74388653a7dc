package org.trapdoor.api.pci;

import org.osgi.annotation.versioning.ConsumerType;
import org.trapdoor.api.memory.MemoryTransaction;

/** One PCI function: its configuration space and the memory its BARs decode. */
@ConsumerType
public interface PciFunction {
    /** Config read of 1, 2 or 4 bytes, naturally aligned, {@code offset} &lt; 4096. */
    int configRead(int offset, int size);

    /** Config write of 1, 2 or 4 bytes, naturally aligned, {@code offset} &lt; 4096. */
    void configWrite(int offset, int size, int value);

    /**
     * Offers a memory access at PCI bus address {@code tx.address}. A function claims it (and
     * performs it, returning {@code true}) only if memory decoding is enabled and one of its
     * memory BARs covers the address.
     */
    boolean decodeMemory(MemoryTransaction tx);
}
