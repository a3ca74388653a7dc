package org.trapdoor.core.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class DeviceSpecTest {
    @Test
    void typeAddressAndOptionsAreSeparated() {
        DeviceSpec s = DeviceSpec.parse("testdev,addr=1f.7,msi=4,msix");
        assertEquals("testdev", s.type());
        assertEquals(0x1f << 3 | 7, s.devfn());
        assertNull(s.bridge());
        assertEquals(Map.of("msi", "4", "msix", "on"), s.options());
    }

    @Test
    void addrWithoutFunctionMeansFunctionZeroAndNoAddrMeansFirstFree() {
        assertEquals(0x18, DeviceSpec.parse("image,addr=03,file=x").devfn());
        assertEquals(-1, DeviceSpec.parse("image,file=x").devfn());
    }

    @Test
    void bridgeOrBusPicksTheHostBridge() {
        assertEquals("/pcie@10000000", DeviceSpec.parse("t,bridge=/pcie@10000000").bridge());
        assertEquals("pcie.1", DeviceSpec.parse("t,bus=pcie.1").bridge());
        assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("t,bus=pcie.1,bridge=x"));
    }

    @Test
    void malformedSpecificationsAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse(""));
        assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("addr=01.0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("t,addr=20.0"));
        assertTrue(e.getMessage().contains("addr=20.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("t,addr=01.8"));
        assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("t,addr=zz"));
        assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("t,msi=1,msi=2"));
        assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("t,=3"));
    }
}
