package org.trapdoor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.trapdoor.testkit.cyclea.Ping;

class PackageGraphTest {
    private static final String CYCLE = "org.trapdoor.testkit.cycle";

    @Test
    void aCycleThroughAMethodReturnAndAGenericFieldIsFoundAndNamed() {
        PackageGraph g = PackageGraph.ofModuleOf(Ping.class, CYCLE);
        assertEquals(List.of(Set.of("org.trapdoor.testkit.cyclea", "org.trapdoor.testkit.cycleb")), g.cycles());
        AssertionError e = assertThrows(AssertionError.class, g::assertNoCycles);
        assertTrue(e.getMessage().contains("org.trapdoor.testkit.cycleb -> org.trapdoor.testkit.cyclea (Pong -> Ping)"),
                e.getMessage());
    }

    @Test
    void aPackageThatOnlyUsesACycleIsNotInIt() {
        PackageGraph g = PackageGraph.ofModuleOf(Ping.class, "org.trapdoor.testkit");
        assertEquals(Set.of("org.trapdoor.testkit.cyclea"), g.uses("org.trapdoor.testkit.layered"),
                "an array field's element type counts");
        assertEquals(1, g.cycles().size());
        assertTrue(!g.cycles().get(0).contains("org.trapdoor.testkit.layered"));
    }

    @Test
    void theTestKitsOwnClassesHaveNoCycle() {
        PackageGraph.ofModuleOf(PackageGraph.class, "org.trapdoor").assertNoCycles();
    }
}
