package org.trapdoor.guest.irqchip;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class CpuLpiLoadTest {
    @Test
    void theLeastLoadedCpuIsChosenTheLowestAmongEquals() {
        CpuLpiLoad l = new CpuLpiLoad(3);
        assertEquals(0, l.select());
        assertEquals(1, l.select());
        assertEquals(2, l.select());
        assertEquals(0, l.select());
        l.release(1);
        l.release(2);
        assertEquals(1, l.select(), "CPUs 1 and 2 are least loaded: the lower one");
        assertEquals(2, l.select());
        assertEquals(2, l.load(0));
    }
}
