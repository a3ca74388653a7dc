package org.trapdoor.guest.pci;

import java.util.List;

import org.trapdoor.guest.irqchip.MsiMessage;

/** Programs one function's MSI or MSI-X capability, as {@code drivers/pci/msi} does. */
public interface VectorProgrammer {
    /** {@code true} for MSI-X, {@code false} for MSI. */
    boolean msix();

    /** Vectors the function can have: MSI-X table size, or 2^MMC for MSI. */
    int capable();

    /** Writes the messages (vector order), enables the capability and unmasks every vector. */
    void program(List<MsiMessage> messages);

    /** Masks and disables the capability (before its vectors are freed). */
    void shutdown();

    /** Whether vector {@code i} is masked in the function now. */
    boolean masked(int i);
}
