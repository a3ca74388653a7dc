package org.trapdoor.conformance;

import org.trapdoor.api.pci.host.BringUpResult;
import org.trapdoor.hw.xlnx.nwl.NwlBringUp;

/**
 * The ZCU102's NWL node as the harness needs it (regions and SPIs of Linux 6.1's
 * {@code zynqmp.dtsi}, no PS-GTR node so the PHY is taken as ready), and its bring-up run
 * through the rig as Dom0's driver runs it.
 */
final class NwlBoard {
    static final long BREG = 0xfd0e0000L, PCIREG = 0xfd480000L, CFG = 0x80_0000_0000L;

    private NwlBoard() {
    }

    static Board board() {
        return new Board("pcie@fd0e0000", "xlnx,nwl-pcie-2.11").reg("breg", BREG, 0x1000).reg("pcireg", PCIREG, 0x1000)
                .reg("cfg", CFG, 16L << 20).busRange(0, 7).spi("msi1", 117).spi("msi0", 118);
    }

    static void bringUp(Rig rig) {
        BringUpResult r = new NwlBringUp().run(rig.node(), "conformance", rig.registers());
        if (!r.ok()) {
            throw new AssertionError("NWL bring-up: " + r);
        }
    }
}
