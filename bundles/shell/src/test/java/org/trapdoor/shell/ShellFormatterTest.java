package org.trapdoor.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.RegEntry;
import org.trapdoor.api.machine.DriverInfo;
import org.trapdoor.api.machine.NodeInfo;
import org.trapdoor.api.machine.NodeState;
import org.trapdoor.api.memory.MemResult;

class ShellFormatterTest {
    private static final NodeInfo PCIE = new NodeInfo("/pcie@10000000", List.of("pci-host-ecam-generic"),
            List.of(new RegEntry(0x40_1000_0000L, 0x1000_0000L, null)), NodeState.BOUND, "pci-ecam", "", 0, null);
    private static final NodeInfo ITS = new NodeInfo("/intc@8000000/its@8080000", List.of("arm,gic-v3-its"),
            List.of(new RegEntry(0x0808_0000L, 0x20000L, null)), NodeState.UNBOUND, null, "", 3,
            "no driver for arm,gic-v3-its");
    private static final NodeInfo CHOSEN = new NodeInfo("/chosen", List.of(), List.of(), NodeState.DISABLED, null, "",
            0, null);

    @Test
    void platformIsOneAlignedRowPerNode() {
        String text = ShellFormatter.format(new PlatformListing("preset:virt", List.of(PCIE, ITS, CHOSEN)),
                ShellFormatter.INSPECT).toString();
        assertEquals(String.join("\n",
                "platform preset:virt",
                "NODE                       COMPATIBLE               REG                      DRIVER    STATE",
                "/pcie@10000000             \"pci-host-ecam-generic\"  0x4010000000+0x10000000  pci-ecam  bound",
                "/intc@8000000/its@8080000  \"arm,gic-v3-its\"         0x8080000+0x20000        -         "
                        + "unbound (no driver for arm,gic-v3-its) [3 unclaimed accesses]",
                "/chosen                    -                        -                        -         disabled"),
                text);
    }

    @Test
    void driversListCompatiblesRankingBundleAndNodes() {
        DriverInfo ecam = new DriverInfo("pci-ecam", List.of("pci-host-ecam-generic", "pci-host-cam-generic"), 0,
                "org.trapdoor.hw.pci.ecam 0.1.0", List.of("/pcie@10000000"));
        DriverInfo idle = new DriverInfo("gicv2", List.of("arm,cortex-a15-gic"), -5, "org.trapdoor.hw.gicv2 0.1.0",
                List.of());
        assertEquals(String.join("\n",
                "DRIVER    COMPATIBLE                                       RANKING  BUNDLE                          BOUND NODES",
                "pci-ecam  \"pci-host-ecam-generic\", \"pci-host-cam-generic\"  0        org.trapdoor.hw.pci.ecam 0.1.0  /pcie@10000000",
                "gicv2     \"arm,cortex-a15-gic\"                             -5       org.trapdoor.hw.gicv2 0.1.0     -"),
                ShellFormatter.format(new DriverListing(List.of(ecam, idle)), ShellFormatter.INSPECT));
        assertEquals("no drivers registered", ShellFormatter.format(new DriverListing(List.of()), ShellFormatter.INSPECT));
    }

    @Test
    void compatibleStringsAreAListNotJoinedWithTheCommasTheyContain() {
        NodeInfo uart = new NodeInfo("/pl011@9000000", List.of("arm,pl011", "arm,primecell"), List.of(),
                NodeState.UNBOUND, null, "", 0, null);
        assertTrue(ShellFormatter.nodeLine(uart).contains("\"arm,pl011\", \"arm,primecell\""), ShellFormatter.nodeLine(uart));
    }

    @Test
    void twoDriversWithOneNameAreMarkedWithTheOneBindTakes() {
        DriverInfo builtIn = new DriverInfo("testdev", List.of("x"), 0, "org.trapdoor.hw.testdev 0.1.0", List.of());
        DriverInfo better = new DriverInfo("testdev", List.of("x"), 10, "org.acme.testdev 1.0.0", List.of());
        DriverInfo tie = new DriverInfo("testdev", List.of("x"), 10, "org.other.testdev 1.0.0", List.of());
        DriverInfo alone = new DriverInfo("gicv3", List.of("arm,gic-v3"), 0, "org.trapdoor.hw.gicv3 0.1.0", List.of());
        List<String> lines = ShellFormatter.drivers(List.of(builtIn, better, tie, alone)).lines().toList();
        assertTrue(lines.get(0).endsWith("NOTE"), lines.get(0));
        assertTrue(lines.get(1).endsWith("duplicate name: not taken by bind"), lines.get(1));
        assertTrue(lines.get(2).endsWith("duplicate name: bind testdev takes this one"), "highest ranking: " + lines.get(2));
        assertTrue(lines.get(3).endsWith("duplicate name: not taken by bind"), "a tie goes to the first registered: " + lines.get(3));
        assertFalse(lines.get(4).contains("duplicate"), lines.get(4));
        assertTrue(lines.get(5).startsWith("A name that two drivers have: bind takes the highest ranking"), lines.get(5));
        assertFalse(ShellFormatter.drivers(List.of(builtIn, alone)).contains("NOTE"), "no duplicates, no note column");
    }

    @Test
    void aNodeAloneIsOneLineAndItsPathAsPart() {
        assertEquals("/pcie@10000000  \"pci-host-ecam-generic\"  0x4010000000+0x10000000  pci-ecam  bound",
                ShellFormatter.format(PCIE, ShellFormatter.INSPECT));
        assertEquals("/pcie@10000000", ShellFormatter.format(PCIE, ShellFormatter.PART));
    }

    @Test
    void memShowsDataWithTheAccessWidth() {
        assertEquals("0x10000000/2 -> 0x1b36",
                ShellFormatter.format(new MemAccess(false, 0x1000_0000L, 2, 0x1b36, MemResult.OK), 0));
        assertEquals("0x10000004/4 <- 0x00000007",
                ShellFormatter.format(new MemAccess(true, 0x1000_0004L, 4, 7, MemResult.OK), 0));
    }

    @Test
    void decodeErrorsAndAbortsAreShownAsSuch() {
        assertEquals("0xdead0000/4 -> 0xffffffff  (decode error: no model serves this address, read as all-ones)",
                ShellFormatter.format(new MemAccess(false, 0xdead_0000L, 4, 0xffff_ffffL, MemResult.DECODE_ERROR), 0));
        assertEquals("0x8000000/1 <- 0x01  (abort: the target refused the access, write dropped)",
                ShellFormatter.format(new MemAccess(true, 0x800_0000L, 1, 1, MemResult.ABORT), 0));
    }

    @Test
    void otherObjectsAreLeftToGogo() {
        assertNull(ShellFormatter.format("text", ShellFormatter.INSPECT));
        assertNull(ShellFormatter.format(42, ShellFormatter.LINE));
    }
}
