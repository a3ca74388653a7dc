package org.trapdoor.shell.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LaunchOptionsTest {
    @Test
    void propertiesFromTheLauncherAreRead() {
        LaunchOptions o = LaunchOptions.from(Map.of(
                LaunchOptions.PLATFORM, "board.dts",
                LaunchOptions.DEVICES, "testdev,addr=01.0\ntestdev,addr=02.0,msi=4\n",
                LaunchOptions.HYPERVISOR, "none",
                LaunchOptions.COMMANDS, "platform; drivers",
                LaunchOptions.CONSOLE_START_LEVEL, "4")::get);
        assertEquals("board.dts", o.platform());
        assertEquals(List.of("testdev,addr=01.0", "testdev,addr=02.0,msi=4"), o.devices());
        assertEquals("none", o.hypervisor());
        assertEquals("platform; drivers", o.commands());
        assertNull(o.script());
        assertEquals(4, o.consoleStartLevel());
        assertTrue(o.batch());
    }

    @Test
    void nothingGivenLeavesTheMachineDefaultsAndOpensTheConsole() {
        LaunchOptions o = LaunchOptions.from(Map.<String, String>of()::get);
        assertNull(o.platform());
        assertEquals(List.of(), o.devices());
        assertNull(o.hypervisor());
        assertFalse(o.batch());
        assertEquals(0, o.consoleStartLevel());
    }

    @Test
    void aScriptAloneIsBatch() {
        assertTrue(LaunchOptions.from(Map.of(LaunchOptions.SCRIPT, "setup.gosh")::get).batch());
    }
}
