package org.trapdoor.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Verdict;
import org.trapdoor.api.hypervisor.DoorbellPolicy;

/** The doorbell DMA's verdict follows the doorbell policy: mapped, the forged write gets through; unmapped, it faults. */
class DoorbellDmaTest {
    AttackRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void underMapTheForgedDoorbellWriteReachesTheItsAndUnderAbortSanitiseItFaults() {
        rig = new AttackRig("vits", true);
        AttackResult mapped = rig.run("doorbell-dma");
        assertEquals(Verdict.SUCCEEDED, mapped.verdict(), mapped.toString());
        rig.policy(DoorbellPolicy.KIND, "abort-sanitise");
        AttackResult aborted = rig.run("doorbell-dma");
        assertEquals(Verdict.BLOCKED, aborted.verdict(), aborted.toString());
        rig.policy(DoorbellPolicy.KIND, "map");
        assertEquals(Verdict.SUCCEEDED, rig.run("doorbell-dma").verdict(), "map again: the hole is back");
    }

    @Test
    void underTrapRemapTheRealDoorbellIsReachableWhenMappedToo() {
        rig = new AttackRig("trap-remap", true);
        assertEquals(Verdict.SUCCEEDED, rig.run("doorbell-dma").verdict());
        rig.policy(DoorbellPolicy.KIND, "abort-sanitise");
        assertEquals(Verdict.BLOCKED, rig.run("doorbell-dma").verdict());
    }

    @Test
    void switchedToNoneTheDoorbellIsNoLongerReachableAndBackToVitsItIsMappedAgain() {
        rig = new AttackRig("vits", true);
        assertEquals(Verdict.SUCCEEDED, rig.run("doorbell-dma").verdict());
        rig.policy(org.trapdoor.api.hypervisor.DomuMsiPolicy.KIND, "none");
        AttackResult none = rig.run("doorbell-dma");
        assertEquals(Verdict.BLOCKED, none.verdict(), "no MSI mechanism, nothing of the doorbell mapped: " + none);
        rig.policy(org.trapdoor.api.hypervisor.DomuMsiPolicy.KIND, "vits");
        assertEquals(Verdict.SUCCEEDED, rig.run("doorbell-dma").verdict(), "vits with map again: mapped again");
    }

    @Test
    void aDomUBuiltWithoutMsisHasNoDoorbellMappedAtAll() {
        rig = new AttackRig("none", false);
        assertEquals(Verdict.BLOCKED, rig.run("doorbell-dma").verdict());
    }
}
