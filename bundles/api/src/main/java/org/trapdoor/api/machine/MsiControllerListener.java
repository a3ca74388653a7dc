package org.trapdoor.api.machine;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Hears that the model bound to an MSI-controller node changed (see
 * {@link MachineInterrupts#watchMsiControllers}).
 */
@ConsumerType
@FunctionalInterface
public interface MsiControllerListener {
    /**
     * Called once per change, in the order the changes were published, after the new model serves
     * the node and outside the machine's binding lock, on the thread that made the change (a shell
     * command, a driver service coming or going). It must return quickly: work such as a guest's
     * re-probe belongs on the listener's own thread. An exception it throws is logged and ignored.
     */
    void msiControllerChanged(MsiControllerChange change);
}
