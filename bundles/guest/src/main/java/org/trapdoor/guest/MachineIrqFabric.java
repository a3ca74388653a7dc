package org.trapdoor.guest;

import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.MsiControllerListener;

/** The CPUs wired through the machine's interrupt fabric: the sink stays attached across model swaps. */
final class MachineIrqFabric implements IrqFabric {
    private final MachineInterrupts interrupts;

    MachineIrqFabric(MachineInterrupts interrupts) {
        this.interrupts = interrupts;
    }

    @Override
    public InterruptController interruptController(String node) {
        return interrupts.interruptControllers().get(node);
    }

    @Override
    public void attach(String node, InterruptSink sink) {
        interrupts.attachSink(node, sink);
    }

    @Override
    public MsiController msiController(String node) {
        return interrupts.msiControllers().get(node);
    }

    @Override
    public AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        return interrupts.watchMsiControllers(listener);
    }
}
