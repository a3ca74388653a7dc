package org.trapdoor.shell.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;

class CommandScriptTest {
    /** Commands for the tests: one returns a value, one fails, one counts its calls. */
    public static final class Probe {
        int calls;

        public String hello(String who) {
            calls++;
            return "hello " + who;
        }

        public void boom() {
            throw new IllegalArgumentException("boom went the command");
        }
    }

    @Test
    void statementsSplitOnSemicolonsAndNewlinesOnly() {
        assertEquals(List.of("platform", "drivers"), CommandScript.parse("platform; drivers").statements());
        assertEquals(List.of("platform | grep pcie", "bind /a x && platform", "mem read 0x0"),
                CommandScript.parse("platform | grep pcie;\nbind /a x && platform\n\n  mem read 0x0  ").statements());
    }

    @Test
    void closuresAndQuotesStayWhole() {
        assertEquals(List.of("each [1 2] { echo $it; echo x }", "echo 'a; b'"),
                CommandScript.parse("each [1 2] { echo $it; echo x }; echo 'a; b'").statements());
    }

    @Test
    void syntaxErrorsAreReported() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CommandScript.parse("echo }"));
        assertTrue(e.getMessage().startsWith("syntax error:"), e.getMessage());
    }

    @Test
    void eachResultIsPrintedAndAFailureDoesNotStopTheRest() throws Exception {
        CommandProcessorImpl processor = new CommandProcessorImpl(null);
        Probe probe = new Probe();
        processor.addCommand("test", probe, "hello");
        processor.addCommand("test", probe, "boom");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), o, e);

        int status = CommandScript.parse("hello a; boom; nosuch; hello b").run(session, o, e);

        assertEquals(1, status);
        assertEquals(2, probe.calls);
        assertEquals("hello a\nhello b\n", out.toString(StandardCharsets.UTF_8));
        String errors = err.toString(StandardCharsets.UTF_8);
        assertTrue(errors.contains("boom: boom went the command\n"), errors);
        assertTrue(errors.contains("nosuch: Command not found: nosuch"), errors);
        assertTrue(!errors.contains("Exception"), errors);
    }

    @Test
    void aScriptFailureNamesTheFileAndLineAndTheRestStillRuns() throws Exception {
        CommandProcessorImpl processor = new CommandProcessorImpl(null);
        Probe probe = new Probe();
        processor.addCommand("test", probe, "hello");
        processor.addCommand("test", probe, "boom");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), o, e);

        int status = CommandScript.parse("hello a\n\n# a comment\nboom\nhello b; boom\n", "suite.gosh").run(session, o, e);

        assertEquals(1, status);
        assertEquals("hello a\nhello b\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("suite.gosh:4: boom: boom went the command\nsuite.gosh:5: boom: boom went the command\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aMessageThatNamesItsCommandIsNotPrefixedTwice() {
        CommandScript s = CommandScript.parse("bind /pcie x", "t.gosh");
        assertEquals("t.gosh:1: bind: no such driver", s.failure(new CommandScript.Statement("bind /pcie x", 1),
                "bind: no such driver"));
        assertEquals("t.gosh:1: bind /pcie x: no driver named 'x'",
                s.failure(new CommandScript.Statement("bind /pcie x", 1), "no driver named 'x'"));
    }

    @Test
    void allSucceedingGivesStatusZero() throws Exception {
        CommandProcessorImpl processor = new CommandProcessorImpl(null);
        processor.addCommand("test", new Probe(), "hello");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), o, o);
        assertEquals(0, CommandScript.parse("hello x").run(session, o, o));
        assertEquals("hello x\n", out.toString(StandardCharsets.UTF_8));
    }
}
