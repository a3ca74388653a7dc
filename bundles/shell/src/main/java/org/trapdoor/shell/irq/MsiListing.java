package org.trapdoor.shell.irq;

import java.util.List;

import org.trapdoor.api.guest.GuestMsiVector;

/**
 * The {@code msi} command's result: every vector the guest kernel programmed, with the count of
 * interrupts it handled on each, read when the command ran.
 *
 * @param kernel the guest kernel's name, or {@code null} when no guest kernel runs
 */
public record MsiListing(String kernel, List<GuestMsiVector> vectors) {
    public MsiListing {
        vectors = List.copyOf(vectors);
    }
}
