package org.trapdoor.api.pci;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device that can raise message-signalled interrupts, as a traffic generator or a shell sees
 * it: which function it is and how many vectors its software enabled. Implemented by endpoint
 * models; the machine lists the attached ones.
 */
@ConsumerType
public interface MsiSource {
    /** Where the device sits, e.g. {@code 0000:00:01.0}. */
    String name();

    /** PCI requester ID ({@code bus<<8 | devfn}). */
    int requesterId();

    /**
     * Vectors software enabled now: the MSI-X table size when MSI-X is enabled, 2^MME when MSI
     * is, else 0.
     */
    int vectors();

    /**
     * Raises {@code vector} as the device does on an event. The MSI it becomes (or the refusal)
     * is recorded in the machine's MSI ledger before this returns. No allocation.
     */
    MsiOutcome raise(int vector);
}
