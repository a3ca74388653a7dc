package org.trapdoor.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.attack.Verdict;

/** Config space outside the DomU's own function: all-ones through vPCI, the host ECAM out of its IPA space. */
class ForeignConfigTest {
    AttackRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void everyForeignBdfReadsAllOnesAndNoHostCommandRegisterChanges() {
        rig = new AttackRig("vits", false);
        long dom0Command = rig.xen.hardwareDomain().kernel().pciDevices().stream()
                .filter(d -> d.bdf().equals("0000:00:01.0")).findFirst().orElseThrow().command();
        AttackResult r = rig.run("foreign-config");
        assertEquals(Verdict.BLOCKED, r.verdict(), r.toString());
        Evidence probed = r.evidence().get(1);
        assertEquals(2 * 256 - 1, probed.delta(), "two buses, all but its own function");
        Evidence control = r.evidence().get(r.evidence().size() - 1);
        assertEquals(0x11e9_1234L, control.after(), "its own function answers: the window itself works");
        assertTrue(r.evidence().get(4).delta() > 0, "the host ECAM load was a stage-2 abort");
        assertTrue((dom0Command & 0x6) != 0, "Dom0's device is enabled (memory space, bus master)");
    }
}
