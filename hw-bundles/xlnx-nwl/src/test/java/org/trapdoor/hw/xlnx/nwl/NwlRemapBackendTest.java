package org.trapdoor.hw.xlnx.nwl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.BREG;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.MSI0;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.MSI1;
import static org.trapdoor.hw.xlnx.nwl.Zcu102Rig.PCIREG;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.irq.MsiRemapBackend;
import org.trapdoor.api.memory.MemoryTransaction;
import org.trapdoor.api.platform.BindException;

/**
 * The NWL MSI block as a trap-and-remap backend, on the model alone (Xen with Dom0 does not come up
 * on the zcu102 tree in this model, so no DomU function can be assigned there): the hypervisor's
 * vectors are found in the status bitmap and cleared alone, the hardware domain's driver sees and
 * clears only its own bits, and its mask writes leave the hypervisor's vectors enabled. Counted
 * against the messages the test sends, vector by vector.
 */
class NwlRemapBackendTest {
    final Zcu102Rig rig;
    final MsiRemapBackend backend;
    /** The hypervisor holds vectors 30, 31 (msi0) and 40 (msi1). */
    final long[] claimed = {1L << 30 | 1L << 31 | 1L << 40};
    final List<Integer> fired = new ArrayList<>();

    NwlRemapBackendTest() throws BindException {
        rig = new Zcu102Rig();
        assertTrue(new NwlBringUp().run(rig.pcieNode, "dom0", rig.cpu).ok());
        backend = rig.nwl.remapBackend(null);
        for (int v : new int[] {30, 31, 40}) {
            backend.enable(v, true);
        }
    }

    long host(int offset, boolean write, long value) {
        MemoryTransaction tx = write ? new MemoryTransaction().write(BREG + 0x440 + offset, 4, value)
                : new MemoryTransaction().read(BREG + 0x440 + offset, 4);
        tx.offset = offset;
        backend.hostAccess(tx, claimed, fired::add);
        return tx.data;
    }

    @Test
    void vectorsAreTheStatusBitsOnMsi0AndMsi1AtTheCaptureAddress() {
        assertEquals(64, backend.vectors());
        assertEquals(rig.nwl.doorbellAddress(0), backend.doorbell(7));
        assertEquals(7, backend.data(7));
        assertEquals(MSI0, backend.signal(31));
        assertEquals(MSI1, backend.signal(32));
        assertFalse(backend.signalIdentifiesVector());
        assertArrayEquals(new long[] {BREG + 0x440, 16}, backend.hostWindow());
    }

    @Test
    void takeReportsAndClearsOnlyTheHypervisorsBitsAndSaysWhenTheHostHasWork() {
        host(0x8, true, 0xf); // Dom0's driver enables its vectors 0..3
        rig.msi(PCIREG, 30);
        rig.msi(PCIREG, 2);
        assertTrue(backend.take(MSI0, claimed, fired::add), "Dom0's vector 2 waits");
        assertEquals(List.of(30), fired);
        assertEquals(1L << 2, rig.nwl.msiStatus(), "Xen cleared its own bit only");
        rig.msi(PCIREG, 31);
        assertEquals(1L << 2, host(0x0, false, 0), "Dom0 never sees vector 31");
        host(0x0, true, 0xffff_ffffL); // Dom0 clears everything it can
        assertEquals(1L << 31, rig.nwl.msiStatus(), "Xen's vector 31 survived Dom0's clear");
        assertFalse(backend.take(MSI0, claimed, fired::add), "nothing left for Dom0");
        assertEquals(List.of(30, 31), fired);
        assertEquals(0, rig.nwl.msiStatus());
        rig.msi(PCIREG, 40);
        assertFalse(backend.take(MSI1, claimed, fired::add));
        assertEquals(List.of(30, 31, 40), fired);
    }

    @Test
    void theHostsMaskWritesLeaveTheHypervisorsVectorsEnabledAndItsReadsHideThem() {
        host(0x8, true, 0);
        host(0xc, true, 0);
        assertEquals(1L << 30 | 1L << 31, rig.cpu.read(BREG + 0x448, 4), "Xen's vectors stay enabled");
        assertEquals(0, host(0x8, false, 0), "and Dom0 does not see them");
        assertEquals(1L << 8, rig.cpu.read(BREG + 0x44c, 4));
        backend.enable(31, false);
        assertEquals(1L << 30, rig.cpu.read(BREG + 0x448, 4));
    }

    @Test
    void everyMessageIsTakenOnceByItsOwnerUnderInterleaving() {
        host(0x8, true, 0x1);
        int xen = 0;
        int dom0 = 0;
        for (int i = 0; i < 500; i++) {
            rig.msi(PCIREG, i % 3 == 0 ? 0 : 30);
            boolean hostWork = backend.take(MSI0, claimed, fired::add);
            if (hostWork) {
                long mine = host(0x0, false, 0);
                host(0x0, true, mine);
                dom0 += Long.bitCount(mine);
            }
        }
        xen = fired.size();
        assertEquals(167, dom0);
        assertEquals(333, xen);
        assertTrue(fired.stream().allMatch(v -> v == 30));
        assertEquals(0, rig.nwl.msiStatus());
    }
}
