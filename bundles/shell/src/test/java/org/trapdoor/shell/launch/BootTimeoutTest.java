package org.trapdoor.shell.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code -Dtrapdoor.boot.timeout=SECONDS}: how long the first command waits for the guests. */
class BootTimeoutTest {
    @Test
    void secondsGiveTheWaitAndAnythingElseKeepsTenSeconds() {
        assertEquals(90_000, LaunchSession.bootTimeoutMs("90"));
        assertEquals(10_000, LaunchSession.bootTimeoutMs(null));
        assertEquals(10_000, LaunchSession.bootTimeoutMs(" "));
        assertEquals(10_000, LaunchSession.bootTimeoutMs("0"));
        assertEquals(10_000, LaunchSession.bootTimeoutMs("soon"));
    }
}
