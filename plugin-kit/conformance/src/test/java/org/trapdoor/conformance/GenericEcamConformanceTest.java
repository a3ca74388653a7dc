package org.trapdoor.conformance;

import org.trapdoor.api.platform.HardwareDriver;
import org.trapdoor.hw.pci.ecam.EcamDriver;

/** The built-in generic ECAM bridge ({@code pci-host-ecam-generic}) through the shared ECAM suite. */
class GenericEcamConformanceTest extends EcamConformance {
    @Override
    protected HardwareDriver driver() {
        return new EcamDriver();
    }
}
