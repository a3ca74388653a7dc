package org.trapdoor.api.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfigSpaceTest {
    @Test
    void gapsReadZeroUnderTheZeroPolicy() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        cs.constant(0, 2, 0x1234);
        assertEquals(0x1234, cs.read(0, 4));
        assertEquals(0, cs.read(0x100, 4));
    }

    @Test
    void gapsGoToTheHardwareAccessorWithThreeByteGapsSplitAligned() {
        StringBuilder log = new StringBuilder();
        ConfigAccessor hw = new ConfigAccessor() {
            @Override
            public int read(int offset, int size) {
                log.append("r").append(offset).append('/').append(size).append(' ');
                return size == 1 ? 0x11 : 0x2222;
            }

            @Override
            public void write(int offset, int size, int value) {
                log.append("w").append(offset).append('/').append(size).append('=')
                        .append(Integer.toHexString(value)).append(' ');
            }
        };
        ConfigSpace cs = new ConfigSpace(hw);
        cs.constant(7, 1, 0xaa);
        assertEquals(0xaa112222, cs.read(4, 4));
        cs.write(4, 4, 0x00332211);
        assertEquals("r4/2 r6/1 w4/2=2211 w6/1=33 ", log.toString());
    }

    @Test
    void badAccessesReadAllOnesAndAreCounted() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        cs.register(0, 4, 0x12345678, -1);
        assertEquals(0xffffffff, cs.read(2, 4));
        assertEquals(0xffff, cs.read(1, 2));
        assertEquals(0xff, cs.read(4096, 1));
        cs.write(1, 2, 0);
        cs.write(0, 3, 0);
        assertEquals(0x12345678, cs.read(0, 4));
        assertEquals(5, cs.badAccesses());
    }

    @Test
    void registrationPastTheEndOrNegativeIsRefused() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cs.constant(4096, 1, 0));
        assertTrue(e.getMessage().contains("0x1000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cs.constant(-4, 4, 0));
    }

    @Test
    void storedRegisterHonoursWritableAndRw1cAndCallsItsHook() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        int[] seen = new int[2];
        ConfigRegister status = cs.register(6, 2, 0xf810, 0x0001, 0xf800)
                .onWrite((prev, now) -> {
                    seen[0] = prev;
                    seen[1] = now;
                });
        cs.write(6, 2, 0x0801);
        assertEquals(0xf011, status.value());
        assertEquals(0xf810, seen[0]);
        assertEquals(0xf011, seen[1]);
        // A byte write to the low half must not clear the RW1C bits of the high half.
        cs.write(6, 1, 0x00);
        assertEquals(0xf010, status.value());
    }

    @Test
    void partialWriteOfAnRw1cRegisterDoesNotClearTheUntouchedBytes() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        ConfigRegister r = cs.register(0x40, 4, 0xff00ff00, 0x000000ff, 0xff00ff00);
        cs.write(0x41, 1, 0x0f);
        assertEquals(0xff00f000, r.value());
    }

    @Test
    void removedRangeBecomesAGapAndCanBeRegisteredAgain() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ALL_ONES);
        cs.constant(0x40, 4, 0x1234);
        assertEquals(1, cs.remove(0x40, 4));
        assertEquals(0xffffffff, cs.read(0x40, 4));
        cs.constant(0x40, 2, 0x55);
        assertEquals(0xffff0055, cs.read(0x40, 4));
    }

    @Test
    void overlapMessageNamesBothRegisters() {
        ConfigSpace cs = new ConfigSpace(ConfigAccessor.ZERO);
        cs.constant(0x10, 4, 0);
        RegisterOverlapException e = assertThrows(RegisterOverlapException.class, () -> cs.constant(0x12, 2, 0));
        assertTrue(e.getMessage().contains("0x012") && e.getMessage().contains("0x010"), e.getMessage());
    }
}
