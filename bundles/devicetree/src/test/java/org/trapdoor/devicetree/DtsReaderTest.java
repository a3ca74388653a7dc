package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

class DtsReaderTest {
    private final DeviceTree features = Trees.dts("features.dts");

    @Test
    void handWrittenSourceEqualsWhatDtcCompiledFromIt() {
        // features.dtb was produced by dtc 1.6.1 from features.dts.
        Trees.assertSameTree(Trees.dtb("features.dtb"), features, false);
    }

    @Test
    void expressionsEscapesReferencesAndMergesMatchDtc() {
        // expressions.dtb was produced by dtc 1.6.1 from expressions.dts.
        DeviceTree fromDtc = Trees.dtb("expressions.dtb");
        Trees.assertSameTree(fromDtc, Trees.dts("expressions.dts"), false);
        assertArrayEquals(Trees.resource("expressions.dtb"), Trees.SERVICE.toDtb(Trees.dts("expressions.dts")));
    }

    @Test
    void memreserveEntriesAreRead() {
        assertEquals(2, features.memoryReservations().size());
        assertArrayEquals(new long[] {0x8000_0000L, 0x10000}, features.memoryReservations().get(0));
        assertArrayEquals(new long[] {0x1_0000_0000L, 0x2000}, features.memoryReservations().get(1));
    }

    @Test
    void referencedNodesWithoutPhandleGetOnesInTreeOrderSkippingUsedValues() {
        // smmu declares phandle 1; gic is referenced first (root interrupt-parent), then pcie, then its.
        assertEquals(2, features.find("&gic").phandle());
        assertEquals(3, features.find("&pcie").phandle());
        assertEquals(4, features.find("&its").phandle());
        assertEquals(1, features.find("&smmu").phandle());
        assertEquals(-1, features.find("&unused").phandle());
        assertEquals(2, features.root().property("interrupt-parent").u32());
    }

    @Test
    void referencesOutsideCellsBecomePathStrings() {
        DtNode aliases = features.node("/aliases");
        assertEquals("/soc@10000000/serial@9000", aliases.property("serial0").string());
        assertEquals("/intc@8000000", aliases.property("gic").string());
        assertEquals("/soc@10000000/serial@9000", features.node("/chosen").property("stdout-path").string());
    }

    @Test
    void labelsAreKeptOnNodes() {
        assertEquals(List.of("uart0"), features.node("/soc@10000000/serial@9000").labels());
        assertEquals(List.of("more"), features.node("/soc@10000000").labels());
        assertEquals("/intc@8000000/msi-controller@8080000", features.find("its").path());
    }

    @Test
    void overlaysMergeIntoTheLabelledNodeAndDeletionsApply() {
        DtNode uart = features.find("&uart0");
        assertEquals("okay", uart.property("status").string());
        assertFalse(uart.has("to-delete"));
        assertEquals(3, uart.property("extra").u32());
        assertNotNull(features.node("/soc@10000000/new-node@b000"));
        assertNull(features.node("/doomed"));
    }

    @Test
    void valuesOfEveryKindAreEncoded() {
        DtNode uart = features.find("&uart0");
        assertArrayEquals(new byte[] {0, 0x11, 0x22, 0x33, 0x44}, uart.property("bytes").bytes());
        assertArrayEquals(new byte[] {'a', 'b', 0, 0, 0, 0x12, 0x34, (byte) 0xff}, uart.property("mixed").bytes());
        assertArrayEquals(new byte[] {1, 2, (byte) 0xff, (byte) 0xff}, uart.property("bits8").bytes());
        assertArrayEquals(new byte[] {0x12, 0x34, (byte) 0xff, (byte) 0xff}, uart.property("bits16").bytes());
        assertEquals(0x1122334455667788L, uart.property("bits64").cells(0, 2));
        assertArrayEquals(new long[] {7, 1, 2, 0xffffffffL, 4, 2, 7, 5, 1, 0, 1, 0, 1, 0, 0, 1, 1, 7},
                uart.property("exprs").cells());
        assertArrayEquals(new long[] {8, 0x1f, 'A', '\n', 42, 7}, uart.property("literals").cells());
        assertEquals("AB\\\"", uart.property("escaped").string());
        assertEquals(List.of("first", "second"), features.node("/chosen").property("string-list").strings());
        assertEquals("Trapdoor \"test\" board\t1", features.root().property("model").string());
        assertTrue(features.node("/intc@8000000").property("interrupt-controller").isEmpty());
    }

    @Test
    void decompiledFormWithNumericPhandlesWorks() {
        DeviceTree t = Trees.parse("""
                /dts-v1/;

                / {
                	interrupt-parent = <0x8003>;
                	#address-cells = <0x02>;
                	#size-cells = <0x02>;

                	intc@8000000 {
                		#interrupt-cells = <0x03>;
                		compatible = "arm,gic-v3\\0arm,gic";
                		phandle = <0x8003>;
                	};

                	dev@1000 {
                		interrupts = <0x00 0x10 0x04>;
                		reg = <0x00 0x1000 0x00 0x100>;
                	};
                };
                """);
        DtNode dev = t.node("/dev@1000");
        assertEquals("/intc@8000000", dev.interruptParent().path());
        assertEquals(List.of("arm,gic-v3", "arm,gic"), t.node("/intc@8000000").compatibles());
        assertEquals(t.node("/intc@8000000"), t.byPhandle(0x8003));
    }

    @Test
    void laterDefinitionsOfAPropertyWinAndRepeatedNodesMerge() {
        DeviceTree t = Trees.parse("""
                /dts-v1/;
                / { a { x = <1>; y = <2>; }; };
                / { a { x = <3>; z; }; b { }; };
                """);
        DtNode a = t.node("/a");
        assertEquals(List.of("x", "y", "z"), a.properties().stream().map(DtProperty::name).toList());
        assertEquals(3, a.property("x").u32());
        assertEquals(2, t.root().children().size());
    }

    @Test
    void omitIfNoRefDropsUnreferencedNodesOnly() {
        DeviceTree t = Trees.parse("""
                /dts-v1/;
                / {
                	/omit-if-no-ref/ used: used { };
                	/omit-if-no-ref/ lonely: lonely { };
                	user { ref = <&used>; };
                };
                """);
        assertNotNull(t.node("/used"));
        assertNull(t.node("/lonely"));
    }

    @Test
    void cppLineMarkersMoveErrorLocationsToTheOriginalFile() {
        String src = "/dts-v1/;\n# 40 \"board.dtsi\" 1\n/ {\n\tx = <&nowhere>;\n};\n";
        DtsErrorsTest.assertError(src, "board.dtsi:41:7: unknown label &nowhere");
    }
}
