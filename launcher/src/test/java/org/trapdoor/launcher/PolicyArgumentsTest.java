package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PolicyArgumentsTest {
    @Test
    void policyIsRepeatableInBothSpellingsAndKeepsItsOrder() throws Exception {
        Arguments a = Arguments.parse("--policy", "bridge-owner=xen-init", "--policy=hwdom-config=vpci");
        assertEquals(List.of("bridge-owner=xen-init", "hwdom-config=vpci"), a.policies());
        assertEquals(List.of(), Arguments.parse().policies());
    }

    @Test
    void theChoicesTravelAsOneFrameworkPropertyOnePerLine() throws Exception {
        Map<String, String> p = Main.frameworkProperties(
                Arguments.parse("--policy", "bridge-owner=xen-init", "--policy", "hwdom-config=vpci"), Path.of("/tmp/x"),
                true);
        assertEquals("bridge-owner=xen-init\nhwdom-config=vpci", p.get(Main.POLICY));
        assertFalse(Main.frameworkProperties(Arguments.parse(), Path.of("/tmp/x"), true).containsKey(Main.POLICY));
    }

    @Test
    void aPolicyWithoutKindOrNameTwiceTheSameKindOrWithoutXenIsAUsageError() {
        for (String bad : List.of("xen-init", "=xen-init", "bridge-owner=", "a=b=c")) {
            assertEquals("--policy needs KIND=NAME, e.g. bridge-owner=xen-init, not '" + bad + "'",
                    assertThrows(Arguments.UsageException.class, () -> Arguments.parse("--policy", bad)).getMessage());
        }
        assertEquals("--policy bridge-owner given twice", assertThrows(Arguments.UsageException.class,
                () -> Arguments.parse("--policy", "bridge-owner=xen-init", "--policy", "bridge-owner=dom0-init"))
                .getMessage());
        assertEquals("--policy chooses Xen's policies: it needs a hypervisor, not --hypervisor none",
                assertThrows(Arguments.UsageException.class,
                        () -> Arguments.parse("--hypervisor", "none", "--policy", "bridge-owner=xen-init")).getMessage());
        assertEquals("--policy needs a value", assertThrows(Arguments.UsageException.class,
                () -> Arguments.parse("--policy")).getMessage());
    }

    @Test
    void helpListsPolicy() {
        assertTrue(Arguments.USAGE.contains("--policy KIND=NAME"), Arguments.USAGE);
    }
}
