package org.trapdoor.guest.iommu;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The driver's choices from IDR bits, for SMMUs the machine's model is not (it cannot stall, has no ATTR_TYPES_OVR). */
class ArmSmmuv3FeaturesTest {
    @Test
    void s1stalldOnlyWhenTheSmmuCanStall() {
        assertTrue(ArmSmmuv3.stalls(0 << 24), "STALL_MODEL 0b00: stall and terminate");
        assertFalse(ArmSmmuv3.stalls(1 << 24), "0b01: terminate only");
        assertTrue(ArmSmmuv3.stalls(2 << 24), "0b10: stall forced");
        assertEquals(1L << 27, ArmSmmuv3.cdTableSteWord1(true) & 1L << 27);
        assertEquals(0, ArmSmmuv3.cdTableSteWord1(false) & 1L << 27);
        assertEquals(2, ArmSmmuv3.cdTableSteWord1(false) & 3, "S1DSS SSID0");
    }

    @Test
    void bypassShcfgOnlyWithAttributeOverrides() {
        assertEquals(1L << 44, ArmSmmuv3.bypassSteWord1(true));
        assertEquals(0, ArmSmmuv3.bypassSteWord1(false));
    }

    @Test
    void msiPollingNeedsIdr0MsiAndACoherentSmmu() {
        assertTrue(ArmSmmuv3.msiPolling(1 << 13, true));
        assertFalse(ArmSmmuv3.msiPolling(1 << 13, false));
        assertFalse(ArmSmmuv3.msiPolling(0, true));
    }
}
