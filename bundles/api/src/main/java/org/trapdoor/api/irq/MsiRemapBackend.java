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
     * The CPU took {@code signal}: reports each vector among {@code claimed} (bit {@code v & 63} of
     * word {@code v >> 6}: the hypervisor's vectors) that fired, acknowledging it at the
     * controller, and keeps what it had to acknowledge of the other vectors (a read-to-clear
     * register, a FIFO) for {@link #hostAccess} to give their own driver. Runs on the interrupt
     * path: no allocation, no lock beyond the controller's own.
     *
     * @return true when vectors not claimed are pending: the signal goes on to the driver that
     *         owns the controller (the hardware domain's)
     */
    default boolean take(int signal, long[] claimed, Fired fired) {
        throw new UnsupportedOperationException(kind() + ": each signal is one vector");
    }

    /**
     * The registers (physical address, size) the controller's own driver in the hardware domain
     * reads to find its vectors, which the hypervisor traps once it claims vectors, or null when
     * nothing needs hiding (a signal per vector).
     */
    default long[] hostWindow() {
        return null;
    }

    /**
     * An access of the hardware domain's driver at {@code tx.offset} inside {@link #hostWindow}:
     * performed so that it sees only vectors not in {@code claimed} (with those {@link #take}
     * kept for it), and any claimed vector its access acknowledged is reported to {@code fired}.
     */
    default void hostAccess(org.trapdoor.api.memory.MemoryTransaction tx, long[] claimed, Fired fired) {
        throw new UnsupportedOperationException(kind() + ": nothing of the host's view is filtered");
    }

    /** Enables or disables {@code vector} at the controller, where it has per-vector enables. */
    default void enable(int vector, boolean on) {
        // a controller without per-vector enables (GICv2m: the SPI's own enable in the GIC)
    }
}
