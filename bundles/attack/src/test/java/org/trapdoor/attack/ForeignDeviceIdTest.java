package org.trapdoor.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Verdict;

/** ITS commands naming DeviceIDs the DomU does not own: refused by the vITS, counted, nothing mapped. */
class ForeignDeviceIdTest {
    AttackRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void underVitsNoForeignEventReachesTheAttackerAndTheVictimKeepsItsInterrupts() {
        rig = new AttackRig("vits", false);
        var g = rig.xen.domain("guest1").orElseThrow();
        int errors0 = (int) rig.irqs.virtualIts((org.trapdoor.xen.domain.XenDomain) g).get(0).commandErrors();
        AttackResult r = rig.run("foreign-deviceid");
        assertEquals(Verdict.BLOCKED, r.verdict(), r.toString());
        assertTrue(r.evidence().get(0).delta() >= 60, "foreign DeviceIDs tried: " + r.evidence().get(0));
        assertEquals(3 * r.evidence().get(0).delta(), r.evidence().get(1).delta(), "the vITS consumed every command");
        assertTrue(rig.irqs.virtualIts((org.trapdoor.xen.domain.XenDomain) g).get(0).commandErrors() > errors0,
                "Xen counted the refused commands");
        // Its own device still delivers afterwards.
        long bar0 = g.kernel().pciDevices().get(0).bar(0).cpuAddress();
        long before = g.kernel().msiVectors().get(0).count();
        g.ipaSpace().write(bar0 + Endpoint.REG_RAISE, 4, 0);
        assertEquals(before + 1, g.kernel().msiVectors().get(0).count());
    }

    @Test
    void theDetectorFiresForAnInterruptOnItsOwnDeviceId() {
        // The same commands on a DeviceID it does own reach its LPI: the count this scenario reads can move.
        rig = new AttackRig("vits", false);
        var g = rig.xen.domain("guest1").orElseThrow();
        int lpi = g.kernel().msiVectors().get(0).intid();
        long before = Victim.handled(g.kernel(), lpi);
        long its = g.deviceTree().nodes().stream().filter(n -> n.compatibles().contains("arm,gic-v3-its"))
                .findFirst().orElseThrow().reg().get(0).address();
        long cbaser = g.ipaSpace().read(its + 0x80, 8);
        long base = cbaser & 0x000f_ffff_ffff_f000L;
        long w = g.ipaSpace().read(its + 0x88, 8);
        // INT DeviceID 0 (its own 00:00.0) EventID 0: mapped by its kernel to this LPI.
        g.ipaSpace().write(base + w, 8, 0x03);
        g.ipaSpace().write(base + w + 8, 8, 0);
        g.ipaSpace().write(base + w + 16, 8, 0);
        g.ipaSpace().write(base + w + 24, 8, 0);
        g.ipaSpace().write(its + 0x88, 8, w + 32);
        assertEquals(before + 1, Victim.handled(g.kernel(), lpi));
        assertEquals(Verdict.BLOCKED, rig.run("foreign-deviceid").verdict());
    }

    @Test
    void notApplicableUnderTrapRemap() {
        rig = new AttackRig("trap-remap", false);
        assertEquals(Verdict.NOT_APPLICABLE, rig.run("foreign-deviceid").verdict());
    }
}
