package ${package};

import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.conformance.EcamConformance;

/** The shared ECAM suite on this plugin's bridge: decode, bus range, 8-byte split, bad sizes, swap under traffic. */
class BridgeConformanceTest extends EcamConformance {
    @Override
    protected HardwareDriver driver() {
        return new BridgeDriver();
    }
}
