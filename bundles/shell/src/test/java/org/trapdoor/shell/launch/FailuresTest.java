package org.trapdoor.shell.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class FailuresTest {
    @Test
    void theInnermostCauseMessageIsKept() {
        String trace = "java.lang.reflect.InvocationTargetException\n"
                + "\tat java.base/jdk.internal.reflect.NativeConstructorAccessorImpl.newInstance0(Native Method)\n"
                + "Caused by: java.lang.IllegalArgumentException: device 'foo': unknown type\n"
                + "\tat org.trapdoor.core.MachineComponent.<init>(MachineComponent.java:80)\n";
        assertEquals("device 'foo': unknown type", Failures.summary(trace));
    }

    @Test
    void aTraceWithoutCauseGivesItsFirstLine() {
        assertEquals("unknown platform 'vert'",
                Failures.summary("org.trapdoor.api.dt.DeviceTreeException: unknown platform 'vert'\n\tat x.y(Z.java:1)"));
    }

    @Test
    void messagesThatAreNotExceptionNamesStayWhole() {
        assertEquals("board.dts: line 3: expected ';'", Failures.stripClassName("board.dts: line 3: expected ';'"));
        assertNull(Failures.summary(null));
    }
}
