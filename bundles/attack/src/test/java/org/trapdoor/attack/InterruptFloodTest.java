package org.trapdoor.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Verdict;

/** A DomU flooding its vector does not take Dom0's interrupts away: counted by Dom0's device and kernel apart. */
class InterruptFloodTest {
    AttackRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    /**
     * Under vits the DomU's messages reach the physical CPU Xen handles them on; while it is busy
     * with the flood the victim's LPI stays pending and its next messages merge with it, as a GIC
     * merges a pending LPI set again. Whatever the interleaving, every message the victim's device
     * sent and its kernel did not handle is one the physical GIC merged (the machine ledger's
     * COALESCED count covers the attacker's merges too, so it bounds the victim's loss from above:
     * a loss it does not cover was lost uncounted), and the verdict follows the loss.
     */
    @Test
    void underVitsEveryVictimMessageIsHandledOrMergedAtTheGicAndTheVerdictFollowsTheLoss() {
        rig = new AttackRig("vits", false);
        AttackResult r = rig.run("irq-flood");
        long sent = r.evidence().get(0).delta(), handled = r.evidence().get(1).delta();
        long merged = r.evidence().get(6).delta();
        assertTrue(sent >= 2_000, "the victim raised under the flood");
        assertTrue(r.evidence().get(3).delta() >= 1_000, "the attacker's messages went out: " + r.evidence().get(3));
        assertTrue(handled <= sent, "the victim's kernel handled no more than its device sent: " + r);
        assertTrue(sent - handled <= merged, "each victim message the kernel missed was merged at the GIC: " + r);
        assertEquals(handled < sent ? Verdict.SUCCEEDED : Verdict.BLOCKED, r.verdict(), r.toString());
    }

    @Test
    void underNoneTheFloodNeverLeavesTheDevice() {
        rig = new AttackRig("none", false);
        AttackResult r = rig.run("irq-flood");
        assertEquals(Verdict.BLOCKED, r.verdict(), r.toString());
        assertEquals(0, r.evidence().get(3).delta(), "MSI disabled on the device: nothing sent");
    }
}
