package org.trapdoor.guest.iommu;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The driver's choices from IDR bits, for SMMUs the machine's model is not (it cannot stall, has no ATTR_TYPES_OVR). */
class Smmuv3DriverFeaturesTest {
    @Test
    void s1stalldOnlyWhenTheSmmuCanStall() {
        assertTrue(Smmuv3Driver.stalls(0 << 24), "STALL_MODEL 0b00: stall and terminate");
        assertFalse(Smmuv3Driver.stalls(1 << 24), "0b01: terminate only");
        assertTrue(Smmuv3Driver.stalls(2 << 24), "0b10: stall forced");
        assertEquals(1L << 27, Smmuv3Driver.cdTableSteWord1(true) & 1L << 27);
        assertEquals(0, Smmuv3Driver.cdTableSteWord1(false) & 1L << 27);
        assertEquals(2, Smmuv3Driver.cdTableSteWord1(false) & 3, "S1DSS SSID0");
    }

    @Test
    void bypassShcfgOnlyWithAttributeOverrides() {
        assertEquals(1L << 44, Smmuv3Driver.bypassSteWord1(true));
        assertEquals(0, Smmuv3Driver.bypassSteWord1(false));
    }

    @Test
    void msiPollingNeedsIdr0MsiAndACoherentSmmu() {
        assertTrue(Smmuv3Driver.msiPolling(1 << 13, true));
        assertFalse(Smmuv3Driver.msiPolling(1 << 13, false));
        assertFalse(Smmuv3Driver.msiPolling(0, true));
    }
}
