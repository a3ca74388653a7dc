package org.trapdoor.guest;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.guest.GuestInterrupts;
import org.trapdoor.api.guest.GuestPlatform;
import org.trapdoor.api.guest.Hypercalls;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.irq.InterruptSink;
import org.trapdoor.api.irq.MsiController;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;
import org.trapdoor.api.machine.MsiControllerListener;

/**
 * The kernel on the bare machine: the system address space, the platform tree, the CPUs wired
 * through the machine's interrupt fabric (sinks stay attached across model swaps), no hypervisor.
 */
final class BareMetalPlatform implements GuestPlatform {
    private final String name;
    private final Machine machine;
    private final GuestInterrupts interrupts;

    BareMetalPlatform(String name, Machine machine, MachineInterrupts irq) {
        this.name = name;
        this.machine = machine;
        this.interrupts = irq == null ? null : new GuestInterrupts() {
            @Override
            public InterruptController interruptController(String node) {
                return irq.interruptControllers().get(node);
            }

            @Override
            public void attach(String node, InterruptSink sink) {
                irq.attachSink(node, sink);
            }

            @Override
            public MsiController msiController(String node) {
                return irq.msiControllers().get(node);
            }

            @Override
            public AutoCloseable watchMsiControllers(MsiControllerListener listener) {
                return irq.watchMsiControllers(listener);
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public org.trapdoor.api.memory.AddressSpace memory() {
        return machine.system();
    }

    @Override
    public DeviceTree deviceTree() {
        return machine.platform();
    }

    @Override
    public GuestInterrupts interrupts() {
        return interrupts;
    }

    @Override
    public Hypercalls hypercalls() {
        return null;
    }
}
