package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ArgumentsTest {
    @Test
    void noArgumentsMeansDefaultsAndTheConsole() throws Exception {
        Arguments a = Arguments.parse();
        assertNull(a.platform());
        assertEquals(List.of(), a.devices());
        assertNull(a.commands());
        assertFalse(a.help());
        assertEquals("xen", a.hypervisor(), "Xen is the default hypervisor");
    }

    @Test
    void everyOptionIsRead() throws Exception {
        Arguments a = Arguments.parse("--platform", "board.dtb", "--device", "testdev,addr=01.0", "--device=testdev,addr=02.0",
                "-c", "platform; drivers", "--hypervisor=none");
        assertEquals("board.dtb", a.platform());
        assertEquals(List.of("testdev,addr=01.0", "testdev,addr=02.0"), a.devices());
        assertEquals("platform; drivers", a.commands());
        assertEquals("none", a.hypervisor());
        assertTrue(Arguments.parse("--script", "s.gosh").script().equals("s.gosh"));
        assertTrue(Arguments.parse("--help").help());
    }

    @Test
    void mistakesAreUsageErrors() {
        assertEquals("unknown option --platfrom",
                assertThrows(Arguments.UsageException.class, () -> Arguments.parse("--platfrom", "virt")).getMessage());
        assertEquals("--platform needs a value",
                assertThrows(Arguments.UsageException.class, () -> Arguments.parse("--platform")).getMessage());
        assertEquals("--platform needs a value, not the option --device",
                assertThrows(Arguments.UsageException.class, () -> Arguments.parse("--platform", "--device", "x"))
                        .getMessage());
        assertEquals("unexpected argument 'virt'",
                assertThrows(Arguments.UsageException.class, () -> Arguments.parse("virt")).getMessage());
        assertEquals("--platform given twice",
                assertThrows(Arguments.UsageException.class,
                        () -> Arguments.parse("--platform", "a", "--platform", "b")).getMessage());
        assertEquals("give either -c or --script, not both",
                assertThrows(Arguments.UsageException.class, () -> Arguments.parse("-c", "x", "--script", "y"))
                        .getMessage());
        assertEquals("--device needs a non-empty value",
                assertThrows(Arguments.UsageException.class, () -> Arguments.parse("--device=")).getMessage());
        assertEquals("-c needs a non-empty value",
                assertThrows(Arguments.UsageException.class, () -> Arguments.parse("-c", " ")).getMessage());
    }

    @Test
    void badArgumentsExitWithTwoAndHelpWithZero() {
        java.io.PrintStream out = System.out;
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream e = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(o, true));
            System.setErr(new java.io.PrintStream(e, true));
            assertEquals(2, Main.run(new String[] {"--bogus"}));
            assertEquals(0, Main.run(new String[] {"--help"}));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertTrue(e.toString().startsWith("trapdoor: unknown option --bogus"), e.toString());
        assertTrue(e.toString().contains("Usage: trapdoor"), e.toString());
        assertTrue(o.toString().startsWith("Usage: trapdoor"), o.toString());
    }

    @Test
    void argumentsBecomeFrameworkProperties() throws Exception {
        Map<String, String> p = Main.frameworkProperties(
                Arguments.parse("--platform", "virt", "--device", "a,addr=01.0", "--device", "b", "-c", "platform"),
                Path.of("/tmp/x"), true);
        assertEquals("virt", p.get(Main.PLATFORM));
        assertEquals("a,addr=01.0\nb", p.get(Main.DEVICES));
        assertEquals("platform", p.get(Main.COMMANDS));
        assertNull(p.get(Main.SCRIPT));
        assertEquals(Integer.toString(StartLevels.MACHINE), p.get("org.osgi.framework.startlevel.beginning"));
        assertEquals(Integer.toString(StartLevels.CONSOLE), p.get(Main.CONSOLE_START_LEVEL));
    }

    @Test
    void withoutCommandsAndWithoutATerminalTheCommandsComeFromStandardInput() throws Exception {
        assertEquals("-", Main.frameworkProperties(Arguments.parse(), Path.of("/tmp/x"), false).get(Main.SCRIPT));
        assertNull(Main.frameworkProperties(Arguments.parse(), Path.of("/tmp/x"), true).get(Main.SCRIPT));
        assertNull(Main.frameworkProperties(Arguments.parse("-c", "drivers"), Path.of("/tmp/x"), false).get(Main.SCRIPT));
    }
}
