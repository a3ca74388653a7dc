package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * Inputs a fuzzer found that crashed or hung the readers (issue 9): each is now one
 * {@link DeviceTreeException} that names the place, or a tree; none is an {@link Error}.
 */
class HostileTreesTest {

    private static DeviceTreeException rejected(String dts) {
        return assertThrows(DeviceTreeException.class, () -> Trees.parse(dts));
    }

    private static DeviceTreeException rejectedDtb(byte[] dtb) {
        return assertThrows(DeviceTreeException.class, () -> Trees.SERVICE.parseDtb(dtb, "hostile.dtb"));
    }

    private static void assertStarts(String expected, DeviceTreeException e) {
        assertTrue(e.getMessage().startsWith(expected), "message was: " + e.getMessage());
    }

    // ---- cpp line markers ----

    @Test
    void aLineMarkerWithAVeryLongFileNameIsReadWithoutRecursion() {
        String file = "d/".repeat(50_000) + "board.dtsi";
        DeviceTreeException e = rejected("/dts-v1/;\n# 7 \"" + file + "\"\n/ { x = <1> };\n");
        assertStarts(file + ":7:13: expected ',' or ';'", e);
    }

    @Test
    void aLineMarkerFileNameKeepsItsEscapedQuotesAndBackslashes() {
        DeviceTreeException e = rejected("/dts-v1/;\n# 3 \"a\\\"b\\\\c.dtsi\" 1\n/ { x };\n");
        assertStarts("a\"b\\c.dtsi:3:7: expected '=', ';' or '{'", e);
    }

    @Test
    void aLineNumberBeyondAnIntIsAnErrorAtTheMarker() {
        assertStarts("test.dts:2:3: line number 2147483648 in a line marker is too large",
                rejected("/dts-v1/;\n# 2147483648 \"x.dts\"\n/ { };\n"));
    }

    /** Found by fuzzing: a property whose name starts with '#' and a digit is no line marker (dtc wants a blank). */
    @Test
    void aPropertyNamedHashAndDigitsAtTheStartOfALineIsAProperty() {
        DeviceTree t = Trees.parse("/dts-v1/;\n/ {\n#47b5 = <1>;\n#line5;\n};\n");
        assertEquals(1, t.root().property("#47b5").u32());
        assertTrue(t.root().has("#line5"));
        assertStarts("f.dts:9:1: expected", rejected("/dts-v1/;\n#line 9 \"f.dts\"\n}"));
    }

    // ---- depth ----

    /** Each overlay of the deepest node adds its own body's levels below that node. */
    @Test
    void repeatedOverlaysCannotNestTheTreePastTheDepthLimit() {
        StringBuilder dts = new StringBuilder("/dts-v1/;\n/ { l0: n { }; };\n");
        for (int i = 0; i < 10; i++) {
            dts.append("&l").append(i).append(" {").append(" n {".repeat(49)).append(" l").append(i + 1)
                    .append(": n { };").append(" };".repeat(49)).append(" };\n");
        }
        DeviceTreeException e = rejected(dts.toString());
        assertTrue(e.getMessage().matches("test\\.dts:8:\\d+: node n would be nested deeper than 256 levels"),
                e.getMessage());
    }

    @Test
    void theDepthLimitIsTheSameForBothReaders() {
        String deepest = "/dts-v1/;\n/ {" + " n {".repeat(255) + " };".repeat(255) + " };\n";
        DeviceTree tree = Trees.parse(deepest);
        Trees.assertSameTree(tree, Trees.SERVICE.parseDtb(Trees.SERVICE.toDtb(tree), "deep.dtb"), false);
        rejected("/dts-v1/;\n/ {" + " n {".repeat(256) + " };".repeat(256) + " };\n");
    }

    /** A tree built by hand has no limit: walking and writing it must not recurse. */
    @Test
    void aTreeDeeperThanAnyStackIsWalkedAndWrittenIteratively() {
        DtNode root = new DtNode("", null);
        DtNode n = root;
        for (int i = 0; i < 200_000; i++) {
            n = new DtNode("n", n);
        }
        n.put(DtProperty.ofCells("x", 1));
        DeviceTree tree = new DeviceTree(root, "deep", List.of());
        assertEquals(200_001, tree.nodes().size());
        assertEquals(2 * 200_000, n.path().length());
        byte[] dtb = Trees.SERVICE.toDtb(tree);
        assertStarts("deep.dtb: malformed DTB at offset", assertThrows(DeviceTreeException.class,
                () -> Trees.SERVICE.parseDtb(dtb, "deep.dtb")));
        String dts = Trees.SERVICE.toDts(tree);
        assertTrue(dts.endsWith("};\n"), "written to the end");
        assertTrue(rejected(dts).getMessage().contains("nested deeper than 256"));
    }

    // ---- cell counts ----

    @Test
    void anAddressCellCountThatWouldOverflowIsAnErrorAtItsLine() {
        assertStarts("test.dts:3:2: /soc: #address-cells must be one cell of at most 4, not 0x40000000",
                rejected("/dts-v1/;\n/ { soc {\n\t#address-cells = <0x40000000>;\n\tdev { reg = <0 0>; }; }; };\n"));
    }

    @Test
    void anAllOnesSizeCellCountIsAnErrorAtItsLine() {
        assertStarts("test.dts:2:5: /: #size-cells must be one cell of at most 4, not 0xffffffff",
                rejected("/dts-v1/;\n/ { #size-cells = <0xffffffff>; dev { reg = <0 0>; }; };\n"));
    }

    @Test
    void aCellCountOfTheWrongLengthIsAnError() {
        assertStarts("test.dts:2:5: /: #address-cells must be one cell of at most 4, not 0 bytes",
                rejected("/dts-v1/;\n/ { #address-cells; };\n"));
    }

    @Test
    void aBlobWithABadCellCountNamesTheOffsetOfTheProperty() {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 0xffff_ffffL));
        byte[] dtb = Trees.SERVICE.toDtb(new DeviceTree(root, "x", List.of()));
        assertStarts("hostile.dtb: malformed DTB at offset 0x40: /: #address-cells must be one cell of at most 4",
                rejectedDtb(dtb));
    }

    @Test
    void aNodeMadeByHandWithABadCellCountSaysSoWhenItsRegIsDecoded() {
        DtNode root = new DtNode("", null);
        root.put(DtProperty.ofCells("#address-cells", 0x4000_0000L));
        DtNode dev = new DtNode("dev", root);
        dev.put(DtProperty.ofCells("reg", 0, 0));
        DeviceTreeException e = assertThrows(DeviceTreeException.class, dev::reg);
        assertStarts("/: #address-cells must be one cell of at most 4", e);
    }

    @Test
    void regWithNoCellsPerEntryIsAnErrorNotADivisionByZero() {
        DeviceTree t = Trees.parse("/dts-v1/;\n/ { #address-cells = <0>; #size-cells = <0>; dev { reg = <>; }; };\n");
        assertStarts("/dev: reg has 0 bytes, not a multiple of 0", assertThrows(DeviceTreeException.class,
                t.node("/dev")::reg));
    }

    @Test
    void aCellIndexThatOverflowsIsAnErrorNotANegativeIndex() {
        DtProperty p = DtProperty.ofCells("x", 1, 2);
        assertThrows(DeviceTreeException.class, () -> p.cell(0x4000_0000));
        assertThrows(DeviceTreeException.class, () -> p.cell(-1));
        assertThrows(DeviceTreeException.class, () -> p.cell(Integer.MAX_VALUE));
    }

    // ---- top level ----

    @Test
    void aTopLevelOmitIfNoRefNeedsAReference() {
        assertStarts("test.dts:3:18: at top level /omit-if-no-ref/ takes a reference",
                rejected("/dts-v1/;\n/ { a { }; };\n/omit-if-no-ref/ a;\n"));
    }

    @Test
    void aDeletedNodesLabelMayBeDefinedAgain() {
        DeviceTree t = Trees.parse("/dts-v1/;\n/ { l: a { }; };\n/delete-node/ &l;\n/ { x = <&l>; l: b { }; };\n");
        assertEquals("/b", t.byLabel("l").path());
        assertEquals(t.node("/b").phandle(), t.root().property("x").u32());
        assertStarts("test.dts:3:10: unknown label &l",
                rejected("/dts-v1/;\n/ { l: a { }; };\n/ { x = <&l>; /delete-node/ a; };\n"));
    }

    @Test
    void pathReferencesTakeAUniqueNameWithoutUnitAddress() {
        DeviceTree t = Trees.parse("/dts-v1/;\n/ { x = &{/a}; a@1 { }; b@1 { }; b@2 { }; };\n");
        assertEquals("/a@1", t.root().property("x").string());
        assertStarts("test.dts:2:20: no node at path &{/b}",
                rejected("/dts-v1/;\n/ { x = &{/a}; y = &{/b}; a@1 { }; b@1 { }; b@2 { }; };\n"));
    }

    // ---- phandles from a blob ----

    private static byte[] blobWith(DtProperty... perNode) {
        DtNode root = new DtNode("", null);
        int i = 0;
        for (DtProperty p : perNode) {
            new DtNode("n" + i++, root).put(p);
        }
        return Trees.SERVICE.toDtb(new DeviceTree(root, "x", List.of()));
    }

    @Test
    void aBlobWithADuplicatePhandleIsRejectedAsDtcDoes() {
        assertStarts("hostile.dtb: malformed DTB at offset 0x64: /n1: phandle 0x5 is also the phandle of /n0",
                rejectedDtb(blobWith(DtProperty.ofCells("phandle", 5), DtProperty.ofCells("phandle", 5))));
    }

    @Test
    void aBlobWithAPhandleOfZeroOrAllOnesIsRejected() {
        assertTrue(rejectedDtb(blobWith(DtProperty.ofCells("phandle", 0))).getMessage()
                .endsWith("/n0: phandle 0x0 is not a valid phandle"));
        assertTrue(rejectedDtb(blobWith(DtProperty.ofCells("linux,phandle", 0xffff_ffffL))).getMessage()
                .endsWith("/n0: linux,phandle 0xffffffff is not a valid phandle"));
    }

    @Test
    void aBlobWithAPhandleThatIsNotOneCellIsRejected() {
        assertTrue(rejectedDtb(blobWith(new DtProperty("phandle", new byte[] {0, 1}))).getMessage()
                .endsWith("/n0: phandle must be one cell, not 2 bytes"));
        assertTrue(rejectedDtb(blobWith(DtProperty.ofCells("phandle", 1, 2))).getMessage()
                .endsWith("/n0: phandle must be one cell, not 8 bytes"));
    }

    /** What the DTB reader accepts, toDts writes and the DTS reader reads back: the round trip holds. */
    @Test
    void aBlobWithValidPhandlesRoundTripsThroughDts() {
        byte[] dtb = blobWith(DtProperty.ofCells("phandle", 1), DtProperty.ofCells("linux,phandle", 2),
                DtProperty.ofCells("phandle", 0xffff_fffeL));
        DeviceTree t = Trees.SERVICE.parseDtb(dtb, "ok.dtb");
        Trees.assertSameTree(t, Trees.parse(Trees.SERVICE.toDts(t)), false);
    }

    @Test
    void aBlobErrorFoundAfterReadingNamesTheProperty() {
        DtNode root = new DtNode("", null);
        new DtNode("a", root).put(DtProperty.ofCells("phandle", 7));
        byte[] dtb = Trees.SERVICE.toDtb(new DeviceTree(root, "x", List.of()));
        DeviceTree t = Trees.SERVICE.parseDtb(dtb, "ok.dtb");
        assertEquals("ok.dtb at offset 0x48", t.where(t.node("/a"), "phandle"));
        assertEquals("ok.dtb at offset 0x40", t.where(t.node("/a"), "no-such-property"));
        assertEquals("ok.dtb", t.where(new DtNode("other", null), null));
        DeviceTree s = Trees.parse("/dts-v1/;\n/ {\n\ta {\n\t\tphandle = <7>;\n\t};\n};\n");
        assertEquals("test.dts:4:3", s.where(s.node("/a"), "phandle"));
        assertEquals("test.dts:3:2", s.where(s.node("/a"), null));
    }
}
