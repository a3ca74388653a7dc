package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OneLineTest {
    @Test
    void theInnermostCauseSpeaksWithoutClassNamesOnOneLine() {
        Exception e = new RuntimeException("wrapper", new IllegalStateException("the real reason\n\tat somewhere"));
        assertEquals("the real reason", Main.oneLine(e));
    }

    @Test
    void failuresWithoutAMessageSayWhatKindTheyAre() {
        assertEquals("stack overflow", Main.oneLine(new StackOverflowError()));
        assertEquals("out of memory", Main.oneLine(new OutOfMemoryError()));
        assertEquals("unexpected null pointer exception", Main.oneLine(new NullPointerException()));
    }
}
