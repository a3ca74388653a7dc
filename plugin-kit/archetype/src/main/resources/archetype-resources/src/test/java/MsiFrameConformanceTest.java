package ${package};

import java.util.function.IntConsumer;

import org.trapdoor.api.dt.DtProperty;
import org.trapdoor.api.irq.InterruptController;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.conformance.Board;
import org.trapdoor.conformance.MsiConformance;
import org.trapdoor.conformance.Rig;

/**
 * The shared MSI suite on this plugin's frame: every message one counted outcome, handled once
 * as its own vector, independent counts per sender, nothing lost in a swap under traffic.
 */
class MsiFrameConformanceTest extends MsiConformance {
    private static final long FRAME = 0x0802_0000L;
    private static final int BASE_SPI = 96, SPIS = 32;

    @Override
    protected HardwareDriver driver() {
        return new MsiFrameDriver();
    }

    @Override
    protected Board board() {
        return new Board("msi-controller@8020000", MsiFrameDriver.COMPATIBLE).reg(null, FRAME, 0x1000)
                .property(DtProperty.empty("msi-controller"))
                .property(DtProperty.ofCells("arm,msi-base-spi", BASE_SPI))
                .property(DtProperty.ofCells("arm,msi-num-spis", SPIS));
    }

    @Override
    protected int vectors() {
        return SPIS;
    }

    @Override
    protected MemoryTransaction message(int vector) {
        return new MemoryTransaction().write(FRAME + MsiFrame.DOORBELL, 4, vector);
    }

    /** The guest's GIC handler: acknowledge until spurious; each SPI is the frame's base plus the vector. */
    @Override
    protected void service(Rig rig, IntConsumer handled) {
        for (int id = rig.gic().acknowledge(0); id != InterruptController.SPURIOUS; id = rig.gic().acknowledge(0)) {
            handled.accept(id - BASE_SPI);
            rig.gic().endOfInterrupt(0, id);
        }
    }
}
