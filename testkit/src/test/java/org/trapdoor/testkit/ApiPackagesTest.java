package org.trapdoor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.model.DeviceModel;

/**
 * The API bundle's packages, checked here because the test kit builds on the API (the API
 * cannot depend on it): each package is versioned on its own, so none may sit in a cycle.
 */
class ApiPackagesTest {
    private final PackageGraph api = PackageGraph.ofModuleOf(DeviceModel.class, "org.trapdoor");

    @Test
    void theApiPackagesHaveNoCycle() {
        assertTrue(api.packages().size() >= 10, "the API's packages were found: " + api.packages());
        api.assertNoCycles();
    }

    @Test
    void theModelBaseImportsNeitherTheBindingContractNorAnyKindOfModel() {
        assertEquals(Set.of("org.trapdoor.api.dt", "org.trapdoor.api.memory"), api.uses("org.trapdoor.api.model"));
    }
}
