package org.trapdoor.hw.xgene.pcie;

import org.junit.jupiter.api.Test;
import org.trapdoor.testkit.PackageGraph;

/** This bundle's packages depend one way: a cycle among them fails the build (issue 8). */
class PackageCyclesTest {
    @Test
    void noCycleAmongThisBundlesPackages() {
        PackageGraph.ofModuleOf(XgenePcieDriver.class, "org.trapdoor").assertNoCycles();
    }
}
