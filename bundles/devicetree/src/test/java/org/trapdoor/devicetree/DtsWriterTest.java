package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

class DtsWriterTest {

    @Test
    void dtsToDtbToDtsGivesTheSameTree() {
        DeviceTree source = Trees.dts("features.dts");
        DeviceTree viaDtb = Trees.SERVICE.parseDtb(Trees.SERVICE.toDtb(source), "via.dtb");
        String text = Trees.SERVICE.toDts(viaDtb);
        Trees.assertSameTree(source, Trees.SERVICE.parseDts(text, "rewritten.dts"), false);
    }

    @Test
    void writtenDtsReadsBackWithLabelsAndPhandles() {
        DeviceTree source = Trees.dts("features.dts");
        DeviceTree again = Trees.SERVICE.parseDts(Trees.SERVICE.toDts(source), "rewritten.dts");
        Trees.assertSameTree(source, again, true);
        assertEquals(4, again.find("&its").phandle());
    }

    @Test
    void writingIsStableAfterOneRoundTrip() {
        String once = Trees.SERVICE.toDts(Trees.dts("features.dts"));
        assertEquals(once, Trees.SERVICE.toDts(Trees.SERVICE.parseDts(once, "once.dts")));
    }

    @Test
    void valuesAreShownAsStringsCellsOrBytes() {
        DtNode root = new DtNode("", null);
        DtNode n = new DtNode("n@1", root);
        n.addLabel("lbl");
        n.put(DtProperty.ofStrings("compatible", "a,b", "c\"d\\e\tf"));
        n.put(DtProperty.ofCells("reg", 0x1000, 0x20));
        n.put(new DtProperty("odd", new byte[] {1, 2, 3}));
        n.put(new DtProperty("not-a-string", new byte[] {'a', 0, 0, 0}));
        n.put(new DtProperty("high-bytes", new byte[] {(byte) 0xc3, (byte) 0xa9, 0}));
        n.put(DtProperty.empty("flag"));
        String dts = Trees.SERVICE.toDts(new DeviceTree(root, "built", java.util.List.of(new long[] {0x1000, 0x2000})));
        assertTrue(dts.startsWith("/dts-v1/;\n\n/memreserve/ 0x0000000000001000 0x0000000000002000;\n"), dts);
        assertTrue(dts.contains("\tlbl: n@1 {\n"), dts);
        assertTrue(dts.contains("compatible = \"a,b\", \"c\\\"d\\\\e\\tf\";"), dts);
        assertTrue(dts.contains("reg = <0x1000 0x20>;"), dts);
        assertTrue(dts.contains("odd = [01 02 03];"), dts);
        assertTrue(dts.contains("not-a-string = <0x61000000>;"), dts);
        assertTrue(dts.contains("high-bytes = [c3 a9 00];"), dts);
        assertTrue(dts.contains("flag;"), dts);
        DeviceTree back = Trees.SERVICE.parseDts(dts, "back.dts");
        assertEquals(n.properties(), back.node("/n@1").properties());
    }

    @Test
    void rootLabelsSurviveInAFormDtcAccepts() {
        DeviceTree t = Trees.parse("/dts-v1/;\ntop: / { n { x = <&top>; }; };\n");
        String dts = Trees.SERVICE.toDts(t);
        assertTrue(dts.contains("top: &{/} {\n};"), dts);
        assertTrue(dts.startsWith("/dts-v1/;\n\n/ {\n"), dts);
        Trees.assertSameTree(t, Trees.SERVICE.parseDts(dts, "again.dts"), true);
    }

    @Test
    void namesDtsCannotSpellAreRefused() {
        DtNode root = new DtNode("", null);
        new DtNode("bad name", root);
        DeviceTree t = new DeviceTree(root, "built", java.util.List.of());
        org.trapdoor.api.dt.DeviceTreeException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.trapdoor.api.dt.DeviceTreeException.class, () -> Trees.SERVICE.toDts(t));
        assertTrue(e.getMessage().contains("'bad name' cannot be written as DTS"), e.getMessage());
    }
}
