package org.trapdoor.api.pci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trapdoor.api.memory.MemResult;
import org.trapdoor.api.memory.MemoryTransaction;

/** MSI, MSI-X and PCIe capabilities installed into one config space, with a capability walk. */
class CapabilityTest {
    private ConfigSpace cs;
    private ConfigRegister command;
    private MsiCapability msi;
    private MsixCapability msix;
    private PcieCapability pcie;
    private final RecordingUpstream up = new RecordingUpstream();

    @BeforeEach
    void setUp() {
        cs = new ConfigSpace(ConfigAccessor.ZERO);
        command = cs.register(PciConfig.COMMAND, 2, 0, PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
        cs.constant(PciConfig.STATUS, 2, PciConfig.STATUS_CAP_LIST);
        cs.constant(PciConfig.CAPABILITY_LIST, 1, 0x40);
        msi = new MsiCapability(cs, 0x40, 0x60, 8, true, true);
        msix = new MsixCapability(cs, 0x60, 0x70, 16, 2, 0, 2, 0x1000);
        pcie = new PcieCapability(cs, 0x70, 0, 256, 2, 4);
        msi.connect(up, command);
        msix.connect(up, command);
        cs.write(PciConfig.COMMAND, 2, PciConfig.COMMAND_MASTER);
    }

    /** The walk of pci-config.md §3: from 0x34, low two bits of NEXT ignored, TTL 48. */
    private int[] walk() {
        List<Integer> ids = new ArrayList<>();
        if ((cs.read(PciConfig.STATUS, 2) & PciConfig.STATUS_CAP_LIST) == 0) {
            return new int[0];
        }
        int pos = cs.read(PciConfig.CAPABILITY_LIST, 1) & ~3;
        for (int ttl = PciConfig.CAP_WALK_TTL; ttl > 0 && pos >= 0x40; ttl--) {
            int header = cs.read(pos, 2);
            ids.add(header & 0xff);
            pos = (header >>> 8) & ~3;
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void capabilityListWalksMsiThenMsixThenPcie() {
        assertArrayEquals(new int[] {PciConfig.CAP_ID_MSI, PciConfig.CAP_ID_MSIX, PciConfig.CAP_ID_EXP}, walk());
        assertEquals(0x0002, cs.read(0x70 + PciConfig.EXP_FLAGS, 2), "version 2 endpoint");
        assertEquals(0x1042, cs.read(0x70 + PciConfig.EXP_LNKSTA, 2), "5 GT/s x4, slot clock");
        assertEquals(0x6, cs.read(0x70 + PciConfig.EXP_LNKCAP2, 4), "2.5 and 5 GT/s supported");
    }

    @Test
    void pcieDeviceControlAndStatusFollowTheirMasks() {
        cs.write(0x70 + PciConfig.EXP_DEVCTL, 2, 0xffff);
        assertEquals(0x583f, pcie.deviceControl(), "payload clamped to 256, read request to 4096");
        assertEquals(256, pcie.maxPayload());
        assertEquals(4096, pcie.maxReadRequest());
        pcie.reportErrors(PcieCapability.DEVSTA_URD | PcieCapability.DEVSTA_CED);
        cs.write(0x70 + PciConfig.EXP_DEVSTA, 2, PcieCapability.DEVSTA_URD);
        assertEquals(PcieCapability.DEVSTA_CED, cs.read(0x70 + PciConfig.EXP_DEVSTA, 2));
    }

    @Test
    void msiControlReportsCapableVectorsAndClampsEnable() {
        int ctl = cs.read(0x40 + PciConfig.MSI_FLAGS, 2);
        assertEquals(3 << 1 | PciConfig.MSI_FLAGS_64BIT | PciConfig.MSI_FLAGS_MASKBIT, ctl);
        cs.write(0x40 + PciConfig.MSI_FLAGS, 2, ctl | (5 << 4) | PciConfig.MSI_FLAGS_ENABLE);
        assertEquals(8, msi.vectorsEnabled(), "MME clamped to MMC");
        assertEquals(3, (cs.read(0x40 + PciConfig.MSI_FLAGS, 2) >>> 4) & 7);
        assertTrue(msi.enabled());
    }

    private void enableMsi(int mme, long address, int data) {
        cs.write(0x40 + PciConfig.MSI_ADDRESS_LO, 4, (int) address);
        cs.write(0x40 + PciConfig.MSI_ADDRESS_HI, 4, (int) (address >>> 32));
        cs.write(0x40 + PciConfig.MSI_DATA_64, 2, data);
        cs.write(0x40 + PciConfig.MSI_FLAGS, 2, (mme << 4) | PciConfig.MSI_FLAGS_ENABLE);
    }

    @Test
    void msiMessageForVectorReplacesTheLowDataBits() {
        enableMsi(2, 0x8_0804_0040L, 0x4020);
        assertEquals(MsiOutcome.SENT, msi.signal(3));
        assertEquals(MsiOutcome.BAD_VECTOR, msi.signal(4), "only 4 vectors granted");
        assertEquals(1, up.writes.size());
        RecordingUpstream.Write w = up.writes.get(0);
        assertEquals(0x8_0804_0040L, w.address());
        assertEquals(4, w.size());
        assertEquals(0x4023, w.data());
        assertEquals(0x0108, w.requesterId());
        assertTrue(w.msi(), "an MSI write is marked as one for the ledger");
    }

    @Test
    void msiMaskedVectorGoesPendingAndIsSentOnUnmask() {
        enableMsi(3, 0xfee0_0000L, 0x40);
        cs.write(0x40 + PciConfig.MSI_MASK_64, 4, 0xff);
        assertEquals(0xff, cs.read(0x40 + PciConfig.MSI_MASK_64, 4), "only 8 mask bits implemented");
        assertEquals(MsiOutcome.PENDING, msi.signal(5));
        assertEquals(1 << 5, cs.read(0x40 + PciConfig.MSI_PENDING_64, 4));
        cs.write(0x40 + PciConfig.MSI_PENDING_64, 4, 0);
        assertTrue(msi.pending(5), "pending bits are not writable");
        assertTrue(up.writes.isEmpty());
        cs.write(0x40 + PciConfig.MSI_MASK_64, 4, 0xff & ~(1 << 5));
        assertEquals(1, up.writes.size());
        assertEquals(0x45, up.writes.get(0).data());
        assertFalse(msi.pending(5));
    }

    @Test
    void msiIsRefusedWhenDisabledOrWithoutBusMaster() {
        assertEquals(MsiOutcome.DISABLED, msi.signal(0));
        enableMsi(0, 0xfee0_0000L, 0x40);
        cs.write(PciConfig.COMMAND, 2, 0);
        assertEquals(MsiOutcome.NO_BUS_MASTER, msi.signal(0));
        cs.write(PciConfig.COMMAND, 2, PciConfig.COMMAND_MASTER);
        up.answer = MemResult.ABORT;
        assertEquals(MsiOutcome.FAILED, msi.signal(0));
        assertEquals(1, msi.failed());
    }

    private MemoryTransaction bar2(boolean write, long offset, int size, long data) {
        MemoryTransaction tx = write ? new MemoryTransaction().write(offset, size, data)
                : new MemoryTransaction().read(offset, size);
        tx.offset = offset;
        assertTrue(msix.access(2, tx));
        return tx;
    }

    @Test
    void msixCapabilityDescribesTableAndPba() {
        assertEquals(15, cs.read(0x60 + PciConfig.MSIX_FLAGS, 2));
        assertEquals(2, cs.read(0x60 + PciConfig.MSIX_TABLE, 4));
        assertEquals(0x1002, cs.read(0x60 + PciConfig.MSIX_PBA, 4));
        assertEquals(1L, bar2(false, 12, 4, 0).data, "entries reset masked");
    }

    @Test
    void msixEntryMaskingSetsPbaAndUnmaskDelivers() {
        bar2(true, 16, 8, 0x0000_0000_fee0_1000L);
        bar2(true, 24, 4, 0x31);
        cs.write(0x60 + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
        assertEquals(MsiOutcome.PENDING, msix.signal(1));
        assertEquals(2L, bar2(false, 0x1000, 8, 0).data);
        bar2(true, 0x1000, 8, 0);
        assertTrue(msix.pending(1), "PBA writes are ignored");
        bar2(true, 28, 4, 0);
        assertEquals(1, up.writes.size());
        assertEquals(0xfee0_1000L, up.writes.get(0).address());
        assertTrue(up.writes.get(0).msi(), "an MSI-X write sent on unmask is marked as an MSI");
        assertEquals(0x31L, up.writes.get(0).data());
        assertEquals(0L, bar2(false, 0x1000, 4, 0).data);
        assertEquals(MsiOutcome.SENT, msix.signal(1));
        assertEquals(2, up.writes.size());
    }

    @Test
    void msixFunctionMaskHoldsEveryVectorUntilCleared() {
        for (int v = 0; v < 3; v++) {
            bar2(true, v * 16, 4, 0xfee0_0000 + v * 4);
            bar2(true, v * 16 + 8, 4, v);
            bar2(true, v * 16 + 12, 4, 0);
        }
        cs.write(0x60 + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE | PciConfig.MSIX_FLAGS_MASKALL);
        assertEquals(MsiOutcome.PENDING, msix.signal(0));
        assertEquals(MsiOutcome.PENDING, msix.signal(2));
        assertTrue(up.writes.isEmpty());
        cs.write(0x60 + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
        assertEquals(2, up.writes.size());
        assertEquals(0L, up.writes.get(0).data());
        assertEquals(2L, up.writes.get(1).data());
    }

    @Test
    void msixTableRefusesUnalignedAndNarrowAccesses() {
        bar2(true, 0, 4, 0xfee0_0000);
        MemoryTransaction tx = bar2(false, 2, 2, 0);
        assertEquals(0xffffL, tx.data);
        bar2(true, 1, 1, 0x55);
        bar2(true, 4, 8, -1L);
        assertEquals(0xfee0_0000L, msix.address(0));
        assertEquals(3, msix.badAccesses());
        MemoryTransaction outside = new MemoryTransaction().read(0x800, 4);
        outside.offset = 0x800;
        assertFalse(msix.access(2, outside));
    }

    @Test
    void badCapabilityParametersAreRefused() {
        ConfigSpace other = new ConfigSpace(ConfigAccessor.ZERO);
        assertThrows(IllegalArgumentException.class, () -> new MsiCapability(other, 0x40, 0, 3, true, true));
        assertThrows(IllegalArgumentException.class, () -> new MsiCapability(other, 0x42, 0, 4, true, true));
        assertThrows(IllegalArgumentException.class, () -> new MsixCapability(other, 0x40, 0, 4096, 0, 0, 0, 0x800));
        assertThrows(IllegalArgumentException.class, () -> new MsixCapability(other, 0x40, 0, 64, 0, 0, 0, 0x100));
        assertThrows(IllegalArgumentException.class, () -> new PcieCapability(other, 0xd0, 0, 256, 1, 1));
    }
}
