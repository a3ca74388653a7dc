package org.trapdoor.shell;

import org.junit.jupiter.api.Test;
import org.trapdoor.testkit.PackageGraph;

/** This bundle's packages depend one way: a cycle among them fails the build (issue 8). */
class PackageCyclesTest {
    @Test
    void noCycleAmongThisBundlesPackages() {
        PackageGraph.ofModuleOf(MachineCommands.class, "org.trapdoor").assertNoCycles();
    }
}
