package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trapdoor.testkit.Pty;

/**
 * Tab completion in the real console: the launcher on a pseudo-terminal, typed at. Each case
 * types the start of a line, presses Tab, and reads what the console inserted or listed; Ctrl-U
 * then clears the line so that nothing runs.
 */
class CompletionIT {
    private static final String CLEAR_LINE = "\u0015";

    @TempDir
    Path dir;

    private Pty console(String... args) throws IOException {
        Assumptions.assumeTrue(Pty.available(), "util-linux script makes the pseudo-terminal");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = Path.of(System.getProperty("trapdoor.jar", "target/trapdoor.jar")).toAbsolutePath().toString();
        return Pty.open(dir, "exec '" + java + "' -Djava.io.tmpdir='" + dir + "' -Dtrapdoor.plugins='" + dir
                + "/plugins' -jar '" + jar + "' " + String.join(" ", args));
    }

    @Test
    void tabCompletesANodePathThenOffersTheDriversThatHandleIt() throws Exception {
        try (Pty pty = console()) {
            pty.await("trapdoor> ");
            pty.type("bind /pc\t");
            pty.await("ie@10000000");
            pty.type("\t");
            pty.await("pci-ecam");
            pty.type(CLEAR_LINE + "unbind /pcie@10000000 \t");
            pty.type(CLEAR_LINE + "\r");
            pty.await("trapdoor> ");
            pty.type("\u0004");
            assertEquals(0, pty.exitStatus(), pty.plain());
        }
    }

    @Test
    void tabListsThePciFunctionsAfterLspciDashS() throws Exception {
        try (Pty pty = console()) {
            pty.await("trapdoor> ");
            pty.type("lspci -s 00:0\t");
            pty.await("00:01\\.0");
            pty.await("00:02\\.0");
            pty.type(CLEAR_LINE + "lspci -vv\t");
            pty.await("-vvv");
            pty.type(CLEAR_LINE + "\r");
            pty.await("trapdoor> ");
            pty.type("\u0004");
            assertEquals(0, pty.exitStatus(), pty.plain());
        }
    }

    @Test
    void tabOffersPolicyKindsThenTheImplementationsOfTheChosenKindAndDomainNames() throws Exception {
        try (Pty pty = console()) {
            pty.await("trapdoor> ");
            pty.type("policy set guest1 domu-msi \t");
            pty.await("none");
            pty.await("trap-remap");
            pty.await("vits");
            pty.type(CLEAR_LINE + "xl pci-list gue\t");
            pty.await("st1");
            pty.type(CLEAR_LINE + "traf\t");
            pty.await("fic");
            pty.type(CLEAR_LINE + "traffic s\t");
            pty.await("start");
            pty.type(CLEAR_LINE + "\r");
            pty.await("trapdoor> ");
            pty.type("\u0004");
            assertEquals(0, pty.exitStatus(), pty.plain());
        }
    }

    @Test
    void theFirstWordOffersPlainCommandNamesTrapdoorsFirstAndScopedNamesOnlyAfterAColon() throws Exception {
        try (Pty pty = console()) {
            pty.await("trapdoor> ");
            int before = pty.plain().length();
            pty.type("tra\t");
            pty.await("traffic");
            Thread.sleep(300);
            String listed = pty.plain().substring(before);
            assertTrue(listed.contains("trace"), listed);
            assertFalse(listed.contains("trapdoor:"), "no scoped names for a plain word: " + listed);
            assertFalse(listed.contains("possibilities"), listed);
            before = pty.plain().length();
            pty.type(CLEAR_LINE + "st\t");
            pty.await("stop");
            Thread.sleep(300);
            listed = pty.plain().substring(before);
            assertFalse(listed.contains("felix:") || listed.contains("trapdoor:"), listed);
            int stats = listed.indexOf("stats");
            assertTrue(stats >= 0 && stats < listed.indexOf("start") && stats < listed.indexOf("stop"),
                    "Trapdoor's stats listed before Gogo's start and stop: " + listed);
            pty.type(CLEAR_LINE + "trapdoor:tra\t");
            pty.await("trapdoor:trace");
            pty.await("trapdoor:traffic");
            pty.type(CLEAR_LINE + "\r");
            pty.await("trapdoor> ");
            pty.type("\u0004");
            assertEquals(0, pty.exitStatus(), pty.plain());
        }
    }
}
