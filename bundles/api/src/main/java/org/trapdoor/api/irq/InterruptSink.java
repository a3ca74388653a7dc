package org.trapdoor.api.irq;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The IRQ line from an interrupt controller to a CPU: how a delivered interrupt reaches the
 * guest. A guest CPU model implements it and, when signalled, takes the interrupt through
 * {@link InterruptController#acknowledge(int)} and {@link InterruptController#endOfInterrupt(int, int)}.
 *
 * <p>Called on the thread that made the interrupt pending (an MSI write, a register write): it
 * must not block and must not call back into the controller synchronously.
 */
@ConsumerType
@FunctionalInterface
public interface InterruptSink {
    /**
     * CPU {@code cpu} has a pending, enabled interrupt it may take ({@code intid} is the one that
     * just became pending; the CPU acknowledges whatever has the highest priority).
     */
    void interruptPending(int cpu, int intid);
}
