package org.trapdoor.hw.xlnx.nwl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.BREG;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.CFG;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.MSI0;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.MSI1;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.PCIREG;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.SERDES;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.DropReason;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.pci.host.BringUpException;
import org.trapdoor.api.pci.host.BringUpResult;
import org.trapdoor.api.pci.host.RegisterAccess;
import org.trapdoor.api.phy.LaneProtocol;
import org.trapdoor.api.phy.LaneProvider;
import org.trapdoor.api.platform.BindException;

class NwlPcieTest {
    final Zcu102Rig rig;
    final RegisterAccess cpu;

    NwlPcieTest() throws BindException {
        rig = new Zcu102Rig();
        cpu = rig.cpu;
    }

    private static long ecam(int bus, int devfn, int reg) {
        return CFG + ((long) bus << 20 | (long) devfn << 12 | reg);
    }

    private BringUpResult bringUp(String owner) {
        return new NwlBringUp().run(rig.pcieNode, owner, cpu);
    }

    @Test
    void beforeBringUpEveryConfigReadIsAllOnesAndCountedAndNothingGoesUpstream() {
        assertEquals(0xffff_ffffL, cpu.read(ecam(0, 0, 0), 4), "root port");
        assertEquals(0xffffL, cpu.read(ecam(1, 0x08, 0), 2), "endpoint");
        cpu.write(ecam(0, 0, 0x04), 2, 0x6);
        assertEquals(3, rig.nwl.refusedConfigAccesses());
        assertFalse(rig.nwl.ready(), "link down: upstream refused");
        assertEquals(0, cpu.read(PCIREG + NwlPcie.PS_LINKUP, 4), "no PHY lane, no link");
        MemoryTransaction out = new MemoryTransaction().read(0xe000_0000L, 4);
        rig.nwl.outbound(out);
        assertEquals(MemResult.DECODE_ERROR, out.result);
        assertEquals(1, rig.nwl.refusedOutbound());
    }

    @Test
    void theLinuxBringUpGivesPcieLaneZeroEnablesEcamAndTheEndpointAnswersOnTheSecondaryBus() {
        BringUpResult r = bringUp("dom0");
        assertTrue(r.ok(), r.toString());
        assertEquals(List.of("psgtr-lane", "breg-enable", "bridge-config", "phy-link-wait", "ecam-enable", "bus-numbers",
                "link-status", "misc-and-intx", "msi-enable"), r.done());
        assertEquals(0x1, cpu.read(SERDES + 0x10010, 4) & 0x7, "ICM_CFG0 lane 0 = PCIe");
        assertEquals(0x3, cpu.read(PCIREG + NwlPcie.PS_LINKUP, 4), "PHY ready and link up");
        assertEquals(0xd01110eeL, cpu.read(ecam(0, 0, 0), 4), "Xilinx root port");
        assertEquals(0x0c0100, cpu.read(ecam(0, 0, 0x18), 4) & 0xffffff, "primary 0, secondary 1, last bus 12");
        assertEquals(0x702410eeL, cpu.read(ecam(1, 0x08, 0), 4), "the endpoint at 01:01.0");
        assertEquals(0xffff_ffffL, cpu.read(ecam(0, 0x08, 0), 4), "the root bus has only the port");
        assertTrue(rig.nwl.ready());
        assertEquals(0, rig.nwl.outOfOrderWrites());
    }

    @Test
    void aBringUpRunTwiceLeavesTheBridgeAsOneRunDoes() {
        assertTrue(bringUp("xen").ok());
        long ecamControl = cpu.read(BREG + NwlPcie.E_ECAM_CONTROL, 4);
        BringUpResult again = bringUp("dom0");
        assertTrue(again.ok(), again.toString());
        assertEquals(ecamControl, cpu.read(BREG + NwlPcie.E_ECAM_CONTROL, 4));
        assertEquals(0x702410eeL, cpu.read(ecam(1, 0x08, 0), 4));
    }

    @Test
    void ecamOrMsiEnabledBeforeTheBridgeDoesNotTakeAndIsCounted() {
        cpu.write(BREG + NwlPcie.E_ECAM_CONTROL, 4, 1);
        cpu.write(BREG + NwlPcie.I_MSII_CONTROL, 4, 1);
        assertEquals(0, cpu.read(BREG + NwlPcie.E_ECAM_CONTROL, 4) & 1);
        assertEquals(0, cpu.read(BREG + NwlPcie.I_MSII_CONTROL, 4) & 1);
        assertEquals(2, rig.nwl.outOfOrderWrites());
        assertEquals(0xffff_ffffL, cpu.read(ecam(0, 0, 0), 4));
    }

    @Test
    void aLaneTakenByAnotherProtocolFailsTheBringUpAtTheLaneStep() {
        ((LaneProvider) rig.phy).assign(0, LaneProtocol.SGMII, 0);
        BringUpResult r = bringUp("dom0");
        assertEquals("psgtr-lane", r.failed());
        assertEquals("PS-GTR lane 0 carries SGMII: PCIe has no lane", r.error());
        assertEquals(0xffff_ffffL, cpu.read(ecam(0, 0, 0), 4), "still refused");
    }

    @Test
    void withoutALaneThePhyLinkWaitTimesOut() throws BringUpException {
        // A tree without the PS-GTR's lane step: the link waits on a PHY whose lane is SGMII.
        ((LaneProvider) rig.phy).assign(0, LaneProtocol.SGMII, 0);
        List<org.trapdoor.api.pci.host.BringUpStep> steps = new NwlBringUp().steps(rig.pcieNode);
        BringUpException e = org.junit.jupiter.api.Assertions.assertThrows(BringUpException.class, () -> {
            for (var s : steps.subList(1, 4)) {
                s.run(cpu);
            }
        });
        assertEquals("PHY link never came up (ETIMEDOUT)", e.getMessage());
    }

    @Test
    void anMsiSetsItsBitInTheStatusBitmapAndRaisesMsi0OrMsi1ExactlyPerVector() {
        assertTrue(bringUp("dom0").ok());
        for (int v : new int[] {0, 5, 31}) {
            assertNull(rig.msi(PCIREG, v).result == MemResult.OK ? null : "not captured");
        }
        assertEquals(1L | 1L << 5 | 1L << 31, cpu.read(BREG + 0x440, 4));
        assertTrue(rig.gic.isPending(MSI0, 0));
        assertFalse(rig.gic.isPending(MSI1, 0));
        rig.msi(PCIREG, 40);
        assertEquals(1L << 8, cpu.read(BREG + 0x444, 4));
        assertTrue(rig.gic.isPending(MSI1, 0));
        assertEquals(4, rig.ledger.delivered());
        assertEquals(4, rig.nwl.counters().delivered());
    }

    @Test
    void writingOnesClearsStatusBitsAndTheLineDropsOnlyWhenNoEnabledVectorWaits() {
        assertTrue(bringUp("dom0").ok());
        rig.msi(PCIREG, 3);
        rig.msi(PCIREG, 7);
        cpu.write(BREG + 0x440, 4, 1 << 3);
        assertEquals(1L << 7, cpu.read(BREG + 0x440, 4));
        int id = rig.gic.acknowledge(0);
        assertEquals(MSI0, id);
        rig.gic.endOfInterrupt(0, id);
        assertTrue(rig.gic.isPending(MSI0, 0), "level: vector 7 still waits");
        id = rig.gic.acknowledge(0);
        cpu.write(BREG + 0x440, 4, 1 << 7);
        rig.gic.endOfInterrupt(0, id);
        assertFalse(rig.gic.isPending(MSI0, 0));
        assertEquals(0, rig.nwl.msiStatus());
    }

    @Test
    void aRepeatBeforeTheHandlerIsCoalescedAMaskedVectorIsHeldAndVectorsBeyond63AreRefused() {
        assertTrue(bringUp("dom0").ok());
        rig.msi(PCIREG, 9);
        rig.msi(PCIREG, 9);
        assertEquals(1, rig.ledger.dropped(DropReason.COALESCED));
        cpu.write(BREG + 0x44c, 4, ~(1 << 2)); // vector 34 disabled
        rig.msi(PCIREG, 34);
        assertEquals(1, rig.ledger.dropped(DropReason.INTERRUPT_DISABLED));
        assertFalse(rig.gic.isPending(MSI1, 0), "held in the bitmap");
        cpu.write(BREG + 0x44c, 4, 0xffff_ffffL);
        assertTrue(rig.gic.isPending(MSI1, 0), "raised when enabled");
        MemoryTransaction tx = rig.msi(PCIREG, 64);
        assertEquals(MemResult.OK, tx.result, "the bridge takes the write");
        assertEquals(1, rig.ledger.dropped(DropReason.VECTOR_OUT_OF_RANGE));
        assertEquals(1L << 9 | 1L << 34, rig.nwl.msiStatus(), "vector 64 set nothing");
        assertEquals(4, rig.ledger.fired());
    }

    @Test
    void writesElsewhereAndWritesBeforeMsiIngressIsEnabledPassThrough() {
        MemoryTransaction tx = new MemoryTransaction().write(PCIREG, 4, 1);
        assertFalse(rig.nwl.interceptUpstream(tx), "MSI ingress off");
        assertTrue(bringUp("dom0").ok());
        assertFalse(rig.nwl.interceptUpstream(new MemoryTransaction().write(PCIREG + 4, 4, 1)));
        assertFalse(rig.nwl.interceptUpstream(new MemoryTransaction().read(PCIREG, 4)));
        assertEquals(PCIREG, rig.nwl.doorbellAddress(0));
    }

    @Test
    void aReplacementTakesOverRegistersBitmapAndRootPort() throws BindException {
        assertTrue(bringUp("dom0").ok());
        rig.msi(PCIREG, 12);
        Object state = rig.nwl.saveState();
        NwlPcie old = rig.nwl;
        rig.nwl = rig.create();
        rig.nwl.restoreState(state);
        assertEquals(1L << 12, rig.nwl.msiStatus());
        assertEquals(0x702410eeL, cpu.read(ecam(1, 0x08, 0), 4));
        assertTrue(rig.nwl.interceptUpstream(new MemoryTransaction().write(PCIREG, 4, 13)));
        assertEquals(1L << 12 | 1L << 13, rig.nwl.msiStatus());
        assertTrue(old != rig.nwl);
    }
}
