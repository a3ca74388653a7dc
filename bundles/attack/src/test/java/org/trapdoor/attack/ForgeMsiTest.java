package org.trapdoor.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Verdict;

/**
 * Forging another device's message by reprogramming one's own MSI capability: the ITS takes the
 * DeviceID from the requester (the SMMU's StreamID), so the victim never sees it under any policy;
 * and the attacker's device still delivers its own vectors afterwards.
 */
class ForgeMsiTest {
    AttackRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    void blockedAndTheGuestStillWorks(String mechanism) {
        rig = new AttackRig(mechanism, false);
        AttackResult r = rig.run("forge-msi");
        assertEquals(Verdict.BLOCKED, r.verdict(), r.toString());
        var g = rig.xen.domain("guest1").orElseThrow();
        var vectors = g.kernel().msiVectors();
        if (!vectors.isEmpty()) {
            long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
            long before = vectors.get(0).count();
            g.ipaSpace().write(bar0 + Endpoint.REG_RAISE, 4, 0);
            assertEquals(before + 1, g.kernel().msiVectors().get(0).count(), "its own set-up was written back");
        }
    }

    @Test
    void underVitsTheForgedEventIdLandsOnTheAttackersOwnDeviceId() {
        blockedAndTheGuestStillWorks("vits");
    }

    @Test
    void underTrapRemapXenRefusesTheForgedAddress() {
        blockedAndTheGuestStillWorks("trap-remap");
    }

    @Test
    void underNoneTheCapabilityIsHidden() {
        blockedAndTheGuestStillWorks("none");
    }
}
