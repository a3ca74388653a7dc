package org.trapdoor.core.bus;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;

/**
 * A handler that guards its own access with the machine's in-flight gate (a node slot's port),
 * and can skip that when its caller already entered the gate for the whole transaction
 * ({@link SystemBus#accessEntered}).
 */
public interface EnteredHandler extends MmioHandler {
    /** {@link #access}, for a caller that is inside the machine's gate. */
    void accessEntered(MemoryTransaction tx);
}
