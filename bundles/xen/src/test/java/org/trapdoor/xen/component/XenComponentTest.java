package org.trapdoor.xen.component;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class XenComponentTest {
    @Test
    void dom0MemTakesXensSizeSyntax() {
        assertEquals(512L << 20, XenComponent.size("512M"));
        assertEquals(1L << 30, XenComponent.size("1g"));
        assertEquals(4096, XenComponent.size("4K"));
        assertEquals(123, XenComponent.size("123"));
        for (String bad : new String[] {"", "M", "-1M", "0", "12Q", "99999999999999999T"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XenComponent.size(bad), bad);
            assertTrue(e.getMessage().startsWith("dom0_mem"), e.getMessage());
        }
    }
}
