package org.trapdoor.conformance;

import java.util.function.IntConsumer;

import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.host.RegisterAccess;
import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.hw.xlnx.nwl.NwlDriver;

/**
 * The NWL bridge's MSI block through the shared MSI suite: a message is a write of the vector
 * to pcireg's base (where the bring-up points I_MSII_BASE); the handler is Linux's
 * {@code nwl_pcie_handle_msi_irq}: read MSGF_MSI_STATUS_LO/HI, write each set bit back to clear
 * it, dispatch it.
 */
class NwlMsiConformanceTest extends MsiConformance {
    private static final long STATUS_LO = NwlBoard.BREG + 0x440;

    @Override
    protected HardwareDriver driver() {
        return new NwlDriver();
    }

    @Override
    protected Board board() {
        return NwlBoard.board();
    }

    @Override
    protected void bringUp(Rig rig) {
        // MSIs come from a device behind the link: one plugged, as on the board.
        rig.functions().attach(0, 0x08, new Endpoint(0x1e0f, 0xc0f7));
        NwlBoard.bringUp(rig);
    }

    @Override
    protected int vectors() {
        return 64;
    }

    @Override
    protected MemoryTransaction message(int vector) {
        return new MemoryTransaction().write(NwlBoard.PCIREG, 4, vector);
    }

    @Override
    protected void service(Rig rig, IntConsumer handled) {
        RegisterAccess io = rig.registers();
        for (int half = 0; half < 2; half++) {
            long status = STATUS_LO + 4L * half;
            int bits = io.read32(status);
            while (bits != 0) {
                int bit = Integer.numberOfTrailingZeros(bits);
                io.write32(status, 1 << bit);
                handled.accept(32 * half + bit);
                bits &= bits - 1;
            }
        }
    }
}
