package org.trapdoor.shell.lspci;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

class EcamScannerTest {
    private static final long BASE = 0x40_1000_0000L;

    @Test
    void scansFunctionsFollowsBridgesAndReadsExtendedSpaceOnlyForExpress() {
        FakeEcamBus bus = new FakeEcamBus(BASE);
        bus.put(0, 0x00, Images.header(0x1b36, 0x0008, 0x060000, 0, 0x80).at(0, 0, 0));
        bus.put(0, 0x02, Images.header(0x1b36, 0x0001, 0x020000, 0, 0).at(0, 0, 2));
        bus.put(0, 0x08, Images.testdev().at(0, 0, 8));
        bus.put(0, 0x09, Images.testdev().at(0, 0, 9));
        bus.put(0, 0x10, Images.header(0x1b36, 0x000c, 0x060400, 0, 1).put(0x19, 1, 3).put(0x1a, 1, 3).at(0, 0, 0x10));
        bus.put(3, 0x00, Images.testdev().at(0, 3, 0));
        bus.put(5, 0x00, Images.testdev().at(0, 5, 0));
        List<ConfigImage> found = new EcamScanner(bus).scan(new EcamHost("/pcie", 0, BASE, 0, 15));
        assertEquals(List.of("00:00.0", "00:00.2", "00:01.0", "00:02.0", "03:00.0"),
                found.stream().map(f -> LspciFormatter.slot(f, false)).toList(),
                "function 1 of a single-function device and bus 5 (behind no bridge) are not seen");
        assertEquals(256, found.get(0).size());
        assertEquals(4096, found.get(2).size());
        assertArrayEquals(Images.testdev().at(0, 0, 8).bytes(), found.get(2).bytes());
        assertEquals(1, bus.txs.size(), "one reused transaction");
    }

    @Test
    void readsNothingOutsideTheWindowAndSurvivesAnEmptyBus() {
        FakeEcamBus bus = new FakeEcamBus(BASE);
        List<ConfigImage> found = new EcamScanner(bus).scan(new EcamHost("/pcie", 0, BASE, 0, 0));
        assertTrue(found.isEmpty());
        assertEquals(32, bus.accesses);
    }

    @Test
    void ecamHostComesFromRegBusRangeAndDomain() {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 2));
        root.put(DtProperty.ofCells("#size-cells", 2));
        DtNode pcie = new DtNode("pcie@10000000", root);
        pcie.put(DtProperty.ofStrings("compatible", "pci-host-ecam-generic"));
        pcie.put(DtProperty.ofCells("#address-cells", 3));
        pcie.put(DtProperty.ofCells("#size-cells", 2));
        pcie.put(DtProperty.ofCells("reg", 0x40, 0x10000000, 0, 0x01000000));
        pcie.put(DtProperty.ofCells("bus-range", 0, 0xff));
        pcie.put(DtProperty.ofCells("linux,pci-domain", 2));
        assertEquals(new EcamHost("/pcie@10000000", 2, BASE, 0, 15), EcamHost.of(pcie, 0));
        pcie.put(DtProperty.ofStrings("compatible", "apm,xgene-pcie"));
        assertNull(EcamHost.of(pcie, 0), "X-Gene config space is not ECAM");
    }
}
