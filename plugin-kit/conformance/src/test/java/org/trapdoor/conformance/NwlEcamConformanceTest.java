package org.trapdoor.conformance;

import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.hw.xlnx.nwl.NwlDriver;

/**
 * The ZynqMP NWL vendor bridge through the shared ECAM suite: after its bring-up (which also
 * gives its root port secondary bus 1), the endpoint plugged at the root bus answers on bus 1.
 */
class NwlEcamConformanceTest extends EcamConformance {
    @Override
    protected HardwareDriver driver() {
        return new NwlDriver();
    }

    @Override
    protected Board board() {
        return NwlBoard.board();
    }

    @Override
    protected String configRegName() {
        return "cfg";
    }

    @Override
    protected void bringUp(Rig rig) {
        NwlBoard.bringUp(rig);
    }

    @Override
    protected int endpointBus() {
        return 1;
    }
}
