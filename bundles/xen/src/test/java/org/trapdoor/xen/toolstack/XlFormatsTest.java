package org.trapdoor.xen.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.guest.GuestKernel;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.DomainState;
import org.trapdoor.api.hypervisor.PciAssignment;
import org.trapdoor.api.memory.AddressSpace;

class XlFormatsTest {
    /** A domain as a hypervisor would report it; only what xl prints. */
    record Dom(int id, String name, DomainState state, long memoryBytes, int vcpus, List<PciAssignment> pci,
            long cpuTimeNanos) implements Domain {
        public boolean hardwareDomain() {
            return id == 0;
        }

        public DeviceTree deviceTree() {
            return null;
        }

        public AddressSpace ipaSpace() {
            return null;
        }

        public GuestKernel kernel() {
            return null;
        }

        public long stage2Aborts() {
            return 0;
        }

        public long dmaFaults() {
            return 0;
        }
    }

    @Test
    void listPrintsXlsColumnsAndStateLetters() {
        String out = XlFormats.list(List.of(
                new Dom(0, "Domain-0", DomainState.RUNNING, 512L << 20, 2, List.of(), 12_340_000_000L),
                new Dom(1, "guest1", DomainState.BLOCKED, 256L << 20, 1, List.of(), 50_000_000L),
                new Dom(2, "going", DomainState.DYING, 64L << 20, 1, List.of(), 0)));
        assertEquals("""
                Name                                        ID   Mem VCPUs\tState\tTime(s)
                Domain-0                                     0   512     2     r-----      12.3
                guest1                                       1   256     1     -b----       0.1
                going                                        2    64     1     -----d       0.0
                """, out);
    }

    @Test
    void pciListShowsTheVirtualSlotThenTheHostFunction() {
        Dom d = new Dom(1, "guest1", DomainState.RUNNING, 1 << 20, 1,
                List.of(new PciAssignment("0000:00:02.0", "0000:00:00.0", false),
                        new PciAssignment("0000:00:01.0", "0000:00:03.0", true)), 0);
        assertEquals("Vdev Device\n00.0 0000:00:02.0\n03.0 0000:00:01.0\n", XlFormats.pciList(d));
    }

    @Test
    void assignableListKeepsXlsSpaceWhereANameWouldGo() {
        assertEquals("0000:00:01.0 \n0000:00:02.0 \n", XlFormats.assignableList(List.of("0000:00:01.0", "0000:00:02.0")));
        assertEquals("", XlFormats.assignableList(List.of()));
    }

    @Test
    void dmesgIsTheRingLineByLine() {
        assertEquals("(XEN) a\n(XEN) b\n", XlFormats.dmesg(List.of("(XEN) a", "(XEN) b")));
    }
}
