package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CreateArgumentsTest {
    @Test
    void createIsRepeatableAndKeepsItsOrder() throws Exception {
        Arguments a = Arguments.parse("--create", "guest1.cfg", "--create=guest2.cfg");
        assertEquals(List.of("guest1.cfg", "guest2.cfg"), a.creates());
        assertEquals(List.of(), Arguments.parse().creates());
    }

    @Test
    void theFilesTravelAsOneFrameworkPropertyOnePerLine() throws Exception {
        Map<String, String> p = Main.frameworkProperties(Arguments.parse("--create", "a.cfg", "--create", "b.cfg"),
                Path.of("/tmp/x"), true);
        assertEquals("a.cfg\nb.cfg", p.get(Main.CREATE));
        assertFalse(Main.frameworkProperties(Arguments.parse(), Path.of("/tmp/x"), true).containsKey(Main.CREATE));
    }

    @Test
    void createWithoutAHypervisorOrAFileIsAUsageError() {
        assertEquals("--create makes Xen domains: it needs a hypervisor, not --hypervisor none",
                assertThrows(Arguments.UsageException.class,
                        () -> Arguments.parse("--hypervisor", "none", "--create", "g.cfg")).getMessage());
        assertEquals("--create needs a value", assertThrows(Arguments.UsageException.class,
                () -> Arguments.parse("--create")).getMessage());
    }
}
