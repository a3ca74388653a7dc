package org.trapdoor.guest;

import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MsiControllerListener;

/**
 * How the kernel's CPUs are wired to the machine's interrupt controllers: which model serves an
 * interrupt-controller node now (the CPU interface the handler acknowledges on), and connecting
 * the CPUs' IRQ lines to the guest's handler; and which model serves an MSI-controller node now,
 * with word when that changes.
 */
public interface IrqFabric {
    /** No CPUs wired: MSIs are set up but nobody takes the interrupts (a kernel without a machine). */
    IrqFabric NONE = new IrqFabric() {
        @Override
        public InterruptController interruptController(String node) {
            return null;
        }

        @Override
        public void attach(String node, InterruptSink sink) {
            // nothing to connect to
        }
    };

    /** The model bound to the interrupt-controller node now, or {@code null}. */
    InterruptController interruptController(String node);

    /** Connects the node's CPU lines to {@code sink}. */
    void attach(String node, InterruptSink sink);

    /** The model bound to the MSI-controller node now, or {@code null} (unbound, or no machine to ask). */
    default MsiController msiController(String node) {
        return null;
    }

    /**
     * Reports later changes of the models on MSI-controller nodes to {@code listener}; closing the
     * handle stops it.
     *
     * @throws UnsupportedOperationException when the machine reports no such changes
     */
    default AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        throw new UnsupportedOperationException("no machine reports MSI-controller changes to this kernel");
    }
}
