package org.trapdoor.shell.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

class JlineQuietTest {
    @Test
    void theConsolesInterruptLineIsDroppedInAnyColourAndNothingElse() {
        assertTrue(JlineQuiet.isInterruptLine("java.lang.InterruptedException"));
        assertTrue(JlineQuiet.isInterruptLine("\u001b[31mjava.lang.InterruptedException\u001b[39m"));
        assertTrue(JlineQuiet.isInterruptLine("java.lang.InterruptedException: sleep interrupted"));
        assertFalse(JlineQuiet.isInterruptLine("bind: no node '/x'"));
        assertFalse(JlineQuiet.isInterruptLine("java.lang.IllegalStateException: x"));
        StringWriter out = new StringWriter();
        PrintWriter w = new JlineQuiet.QuietWriter(new PrintWriter(out));
        w.println("\u001b[31mjava.lang.InterruptedException\u001b[39m");
        w.println("kept");
        w.print("prompt> ");
        w.flush();
        assertEquals("kept" + System.lineSeparator() + "prompt> ", out.toString());
    }
}
