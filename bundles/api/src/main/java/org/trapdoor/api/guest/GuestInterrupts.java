package org.trapdoor.api.guest;

import org.osgi.annotation.versioning.ConsumerType;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MsiControllerListener;

/**
 * How a guest's CPUs are wired to the interrupt controllers of its tree: on bare metal the
 * machine's models, under a hypervisor the domain's virtual GIC (whose CPU interface the guest
 * acknowledges and EOIs on, as it would on list registers).
 */
@ConsumerType
public interface GuestInterrupts {
    /** The CPU interface serving the interrupt-controller node now, or null. */
    InterruptController interruptController(String node);

    /** Connects the node's CPU lines to {@code sink}. */
    void attach(String node, InterruptSink sink);

    /** The MSI controller serving the node now, or null. */
    default MsiController msiController(String node) {
        return null;
    }

    /**
     * Reports later changes of the models on MSI-controller nodes; closing the handle stops it.
     *
     * @throws UnsupportedOperationException when nobody reports such changes
     */
    default AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        throw new UnsupportedOperationException("no MSI-controller changes are reported to this guest");
    }
}
