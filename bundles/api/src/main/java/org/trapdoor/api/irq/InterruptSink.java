package org.trapdoor.api.irq;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The IRQ line from an interrupt controller to a CPU: how a delivered interrupt reaches the
 * guest. A guest CPU model implements it and, when signalled, takes the interrupt through
 * {@link InterruptController#acknowledge(int)} and {@link InterruptController#endOfInterrupt(int, int)}.
 *
 * <p>The contract, as a CPU sees its IRQ line:
 * <ul>
 * <li>The controller calls the sink after it has finished updating its state, on the thread
 * that signalled (an MSI write, a register write), holding no lock of its own.</li>
 * <li>The sink may acknowledge and end the interrupt synchronously, right there, as a CPU takes
 * an IRQ at once; the controller's state is consistent for that.</li>
 * <li>Calls for one CPU are serialised and never nested: an interrupt that becomes pending for a
 * CPU while its sink call is in progress (from the sink's own EOI, or from another thread) is
 * handed to the call in progress, which is signalled again before it returns. So a signal may
 * arrive on the thread of an earlier, still running, signal.</li>
 * <li>The sink must not block.</li>
 * </ul>
 */
@ConsumerType
@FunctionalInterface
public interface InterruptSink {
    /**
     * CPU {@code cpu} has a pending, enabled interrupt it may take ({@code intid} is the one that
     * just became pending, or the highest-priority one; the CPU acknowledges whatever has the
     * highest priority).
     */
    void interruptPending(int cpu, int intid);
}
