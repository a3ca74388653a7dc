package org.trapdoor.attack;

import org.junit.jupiter.api.Test;
import org.trapdoor.testkit.PackageGraph;

/** This bundle's packages depend one way: a cycle among them fails the build. */
class PackageCyclesTest {
    @Test
    void noCycleAmongThisBundlesPackages() {
        PackageGraph.ofModuleOf(AttackComponent.class, "org.trapdoor").assertNoCycles();
    }
}
