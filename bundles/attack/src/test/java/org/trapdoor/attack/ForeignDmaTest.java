package org.trapdoor.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Verdict;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.xen.domain.XenDomain;
import org.trapdoor.xen.mm.P2mType;

/**
 * DMA into Dom0's and Xen's memory: the SMMU walks the DomU's stage 2, so nothing outside it is
 * reached. With the defence removed (a P2M that maps a frame of Dom0's at the address the attacker
 * aims at, as a stage-2 bug would) the same attack lands, and the observer sees it.
 */
class ForeignDmaTest {
    AttackRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void dom0sAndXensMemoryAreUnchangedAndEveryTargetWasTried() {
        rig = new AttackRig("vits", false);
        AttackResult r = rig.run("foreign-dma");
        assertEquals(Verdict.BLOCKED, r.verdict(), r.toString());
        String evidence = r.evidence().toString();
        for (String target : new String[] {"Dom0 RAM (top)", "Xen's SMMU stream table", "Xen's ITS command queue"}) {
            assertTrue(evidence.contains(target), target + " was aimed at: " + evidence);
        }
        assertTrue(r.evidence().stream().anyMatch(e -> e.what().contains("DMA faults") && e.delta() > 0),
                "the IOMMU stopped at least one: " + evidence);
    }

    @Test
    void aStage2ThatMapsDom0sFrameLetsTheSameAttackSucceed() {
        rig = new AttackRig("vits", false);
        XenDomain g = (XenDomain) rig.xen.domain("guest1").orElseThrow();
        RegEntry dom0Ram = rig.xen.hardwareDomain().deviceTree().memory().get(0);
        long top = dom0Ram.end() - 0x1_0000; // the frame the attack aims at (Dom0 is direct-mapped)
        g.p2m().map(top, top, 0x1000, P2mType.RAM_RW);
        rig.pci.flushIotlb(g);
        AttackResult r = rig.run("foreign-dma");
        assertEquals(Verdict.SUCCEEDED, r.verdict(), r.toString());
        assertTrue(r.summary().contains("Dom0 RAM (top)"), r.summary());
        assertTrue((rig.machine.memory().load64(top) & 0xffff_ffff_ffff_0000L) != 0xa77a_c4ed_d0a0_0000L,
                "no marker left in Dom0's memory");
    }
}
