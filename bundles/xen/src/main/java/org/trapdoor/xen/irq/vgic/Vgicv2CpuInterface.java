package org.trapdoor.xen.irq.vgic;

import org.trapdoor.api.counter.EventCounter;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.memory.MmioHandler;
import org.trapdoor.api.register.RegisterBlock;

/**
 * A domain's GICv2 CPU interface (GICC, 8 KiB) at the address its tree gives. Xen maps the
 * physical GIC's virtual CPU interface (GICV) there, backed by the list registers (GICH_LR);
 * the model's GICv2 has no GICV frame, so the frame is trapped and served by the same list
 * registers ({@link VirtualCpuInterface}): GICC_IAR acknowledges and GICC_EOIR ends on vCPU 0
 * (the vCPU that runs the guest's accesses in the model), GICC_CTLR and GICC_PMR are stored,
 * GICC_IIDR is the GIC-400's. The guest's acknowledge and EOI through
 * {@link InterruptController} reach the same list registers.
 */
public final class Vgicv2CpuInterface implements MmioHandler {
    public static final int SIZE = 0x2000;
    /** GICC_IIDR of a GIC-400 (GICV reads the same). */
    public static final int IIDR = 0x0202_143b;

    private final RegisterBlock regs;
    private final EventCounter badWidth = new EventCounter();

    public Vgicv2CpuInterface(Vgic vgic, VirtualCpuInterface cpu) {
        regs = new RegisterBlock(vgic.name() + " vGICC", SIZE).allowSizes(4);
        regs.reg32("GICC_CTLR", 0x000).writable(0x201);
        regs.reg32("GICC_PMR", 0x004).writable(0xf8);
        regs.reg32("GICC_BPR", 0x008).writable(0x7).reset(2);
        regs.reg32("GICC_IAR", 0x00C).readOnly().onRead(() -> cpu.acknowledge(0) & 0x3ffL);
        regs.reg32("GICC_EOIR", 0x010).writeOnly().onWrite((p, v) -> cpu.endOfInterrupt(0, (int) v & 0x3ff));
        regs.reg32("GICC_RPR", 0x014).readOnly().reset(0xff);
        regs.reg32("GICC_HPPIR", 0x018).readOnly().reset(InterruptController.SPURIOUS);
        regs.reg32("GICC_IIDR", 0x0FC).readOnly().reset(IIDR);
        regs.reg32("GICC_DIR", 0x1000).writeOnly();
    }

    @Override
    public void access(MemoryTransaction tx) {
        if (tx.size != 4 || (tx.offset & 3) != 0) {
            badWidth.increment();
            tx.fail(MemResult.ABORT);
            return;
        }
        regs.access(tx);
    }

    public long badWidthAccesses() {
        return badWidth.sum();
    }
}
