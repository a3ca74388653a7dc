package org.trapdoor.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StartLevelsTest {
    @Test
    void loggingComesFirst() {
        assertEquals(StartLevels.LOGGING, StartLevels.of("slf4j.api"));
        assertEquals(StartLevels.LOGGING, StartLevels.of("slf4j.simple"));
        assertEquals(StartLevels.LOGGING, StartLevels.of("org.apache.aries.spifly.dynamic.framework.extension"));
    }

    @Test
    void theSessionIsUpBeforeTheMachine() {
        assertEquals(StartLevels.SERVICES, StartLevels.of("org.apache.felix.scr"));
        assertEquals(StartLevels.SERVICES, StartLevels.of("org.trapdoor.shell"));
        assertEquals(StartLevels.SERVICES, StartLevels.of("org.trapdoor.devicetree"));
        assertEquals(StartLevels.MACHINE, StartLevels.of("org.trapdoor.core"));
        assertEquals(StartLevels.HARDWARE, StartLevels.of("org.trapdoor.hw.pci.ecam"));
        assertEquals(StartLevels.MACHINE, StartLevels.of("org.trapdoor.guest"));
        assertTrue(StartLevels.HARDWARE < StartLevels.MACHINE, "drivers before the machine; on stop, the machine first");
        assertTrue(StartLevels.SERVICES < StartLevels.MACHINE);
    }

    @Test
    void theConsoleComesLast() {
        assertEquals(StartLevels.CONSOLE, StartLevels.of("org.apache.felix.gogo.jline"));
        assertTrue(StartLevels.CONSOLE > StartLevels.MACHINE);
    }
}
