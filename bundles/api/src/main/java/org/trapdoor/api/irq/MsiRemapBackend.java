package org.trapdoor.api.irq;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * How a hypervisor that cannot hand a controller to a guest uses it for Edgar Iglesias's
 * trap-and-remap (the 2017 Xen thread): it gives a guest's device vectors of its own choosing,
 * programs the device with {@link #doorbell} and {@link #data}, and when {@link #signal} fires
 * finds out which of its vectors arrived the way the controller allows (the SPI itself, a status
 * bitmap, a FIFO) through {@link #take}. Obtained from the bound model with
 * {@link MsiController#remapBackend}, so a vendor's controller model offers its own.
 *
 * <p>Vectors are the controller's own numbering, 0 to {@link #vectors()} - 1: a device's block of
 * {@code n} messages is {@code n} consecutive vectors whose data are consecutive, the first a
 * multiple of {@code n} (the device ORs the message number into the low bits of the data).
 * Everything a backend does to the controller goes through its registers, as a driver's would.
 */
@ConsumerType
public interface MsiRemapBackend {
    /** Receives each vector {@link #take} found fired. */
    @FunctionalInterface
    interface Fired {
        void vector(int vector);
    }

    /** The controller's hardware, in a word ({@code gicv2m}, a vendor's name), for messages. */
    String kind();

    /** How many vectors the controller has. */
    int vectors();

    /** The physical address a device writes {@code vector}'s message to. */
    long doorbell(int vector);

    /** The message data that raises {@code vector}. */
    int data(int vector);

    /** The physical interrupt (an SPI's INTID) that tells the CPU {@code vector} may have fired. */
    int signal(int vector);

    /**
     * True when a signal names exactly one vector (a GICv2m SPI): the hypervisor may route the
     * SPI itself and never calls {@link #take}. False when several vectors share a signal and
     * {@link #take} must be asked.
     */
    boolean signalIdentifiesVector();

    /**
     * The CPU took {@code signal}: reports each vector among {@code claimed} (bit {@code v} of
     * word {@code v >> 6}) that fired, and acknowledges exactly those at the controller (clears
     * their status bits, pops their FIFO words), leaving every other vector's state for its own
     * driver. Runs on the interrupt path: no allocation, no lock beyond the controller's own.
     */
    default void take(int signal, long[] claimed, Fired fired) {
        throw new UnsupportedOperationException(kind() + ": each signal is one vector");
    }

    /** Enables or disables {@code vector} at the controller, where it has per-vector enables. */
    default void enable(int vector, boolean on) {
        // a controller without per-vector enables (GICv2m: the SPI's own enable in the GIC)
    }
}
