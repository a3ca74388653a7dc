package org.trapdoor.guest;

import org.trapdoor.api.guest.GuestInterrupts;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.MsiControllerListener;

/** The CPUs wired as the platform says: the machine's GIC on bare metal, a domain's vGIC under Xen. */
final class PlatformIrqFabric implements IrqFabric {
    private final GuestInterrupts interrupts;

    PlatformIrqFabric(GuestInterrupts interrupts) {
        this.interrupts = interrupts;
    }

    @Override
    public InterruptController interruptController(String node) {
        return interrupts.interruptController(node);
    }

    @Override
    public void attach(String node, InterruptSink sink) {
        interrupts.attach(node, sink);
    }

    @Override
    public MsiController msiController(String node) {
        return interrupts.msiController(node);
    }

    @Override
    public AutoCloseable watchMsiControllers(MsiControllerListener listener) {
        return interrupts.watchMsiControllers(listener);
    }
}
