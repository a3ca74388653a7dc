package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTreeException;

/** Every error names file:line:column and what is wrong. */
class DtsErrorsTest {

    static void assertError(String src, String expectedStart) {
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> Trees.parse(src));
        assertTrue(e.getMessage().startsWith(expectedStart), "message was: " + e.getMessage());
    }

    @Test
    void unknownLabelInCellsIsReportedAtTheReference() {
        assertError("/dts-v1/;\n/ {\n\tmsi-parent = <&its>;\n};\n", "test.dts:3:16: unknown label &its");
    }

    @Test
    void unknownPathReference() {
        assertError("/dts-v1/;\n/ { a = &{/no/such}; };\n", "test.dts:2:9: no node at path &{/no/such}");
    }

    @Test
    void overlayOfAnUndefinedLabel() {
        assertError("/dts-v1/;\n/ { };\n&missing { x; };\n", "test.dts:3:1: unknown label &missing");
    }

    @Test
    void missingSemicolonAfterProperty() {
        assertError("/dts-v1/;\n/ {\n\tx = <1>\n\ty = <2>;\n};\n", "test.dts:4:2: expected ',' or ';' after the value of x");
    }

    @Test
    void missingVersionTag() {
        assertError("/ { };", "test.dts:1:1: expected /dts-v1/;");
    }

    @Test
    void includeNeedsThePreprocessor() {
        assertError("/dts-v1/;\n#include \"board.dtsi\"\n/ { };\n", "test.dts:2:1: #include is a C preprocessor directive: run the file through cpp");
    }

    @Test
    void macrosInCellsNeedThePreprocessor() {
        assertError("/dts-v1/;\n/ { interrupts = <GIC_SPI 5 4>; };\n", "test.dts:2:19: 'GIC_SPI' is not a number; if it is a macro, the file needs cpp first");
    }

    @Test
    void hashPropertyNamesAreNotPreprocessorLines() {
        assertEquals(2, Trees.parse("/dts-v1/;\n/ {\n#address-cells = <2>;\n\t#size-cells = <1>;\n};\n").root().addressCells());
    }

    @Test
    void unterminatedString() {
        assertError("/dts-v1/;\n/ { model = \"abc; };\n", "test.dts:2:13: unterminated string");
    }

    @Test
    void unterminatedComment() {
        assertError("/dts-v1/;\n/* never closed\n/ { };\n", "test.dts:2:1: unterminated comment");
    }

    @Test
    void endOfFileInsideANode() {
        assertError("/dts-v1/;\n/ {\n\ta { x;\n", "test.dts:4:1: unexpected end of file inside /a");
    }

    @Test
    void valueTooWideForBits() {
        assertError("/dts-v1/;\n/ { x = /bits/ 8 <0x100>; };\n", "test.dts:2:19: value 0x100 does not fit in 8 bits");
    }

    @Test
    void badBitsWidth() {
        assertError("/dts-v1/;\n/ { x = /bits/ 12 <1>; };\n", "test.dts:2:16: /bits/ must be 8, 16, 32 or 64");
    }

    @Test
    void referenceInNarrowCells() {
        assertError("/dts-v1/;\n/ { x = /bits/ 16 <&a>; a: a {}; };\n", "test.dts:2:20: references are only allowed in 32-bit cells");
    }

    @Test
    void divisionByZero() {
        assertError("/dts-v1/;\n/ { x = <(1 / 0)>; };\n", "test.dts:2:13: division by zero");
    }

    @Test
    void badOctalLiteral() {
        assertError("/dts-v1/;\n/ { x = <09>; };\n", "test.dts:2:10: '09' is not an octal number");
    }

    @Test
    void literalTooLarge() {
        assertError("/dts-v1/;\n/ { x = /bits/ 64 <0x10000000000000000>; };\n", "test.dts:2:20: integer literal 0x10000000000000000 does not fit in 64 bits");
    }

    @Test
    void unparenthesisedNegativeNumber() {
        assertError("/dts-v1/;\n/ { x = <-1>; };\n", "test.dts:2:10: an expression inside '< >' must be in parentheses");
    }

    @Test
    void oddHexDigitsInByteString() {
        assertError("/dts-v1/;\n/ { x = [0a 1]; };\n", "test.dts:2:13: expected pairs of hex digits");
    }

    @Test
    void duplicateLabel() {
        assertError("/dts-v1/;\n/ { l: a { }; l: b { }; };\n", "test.dts:2:15: duplicate label 'l' on /b and /a");
    }

    @Test
    void duplicatePhandleValues() {
        assertError("/dts-v1/;\n/ { a { phandle = <1>; }; b { phandle = <1>; }; };\n",
                "test.dts:2:31: /b: phandle 0x1 is also the phandle of /a");
    }

    @Test
    void phandleMustBeAPlainValidNumber() {
        assertError("/dts-v1/;\n/ { a: a { phandle = <&a>; }; };\n", "test.dts:2:12: /a: phandle must be a number, not a reference");
        assertError("/dts-v1/;\n/ { a { phandle = <0>; }; };\n", "test.dts:2:9: /a: phandle 0x0 is not a valid phandle");
        assertError("/dts-v1/;\n/ { a { phandle = <0xffffffff>; }; };\n", "test.dts:2:9: /a: phandle 0xffffffff is not a valid phandle");
        assertError("/dts-v1/;\n/ { a {\n linux,phandle = <1 2>; }; };\n", "test.dts:3:2: /a: linux,phandle must be one cell, not 8 bytes");
        assertError("/dts-v1/;\n/ { a {\n phandle = <1>;\n linux,phandle = <2>; }; };\n",
                "test.dts:4:2: /a: linux,phandle 0x2 does not match phandle 0x1");
    }

    @Test
    void garbageAtTopLevel() {
        assertError("/dts-v1/;\n/ { };\nfoo;\n", "test.dts:3:1: expected '/ {', '&label {', /delete-node/ or end of file");
    }

    @Test
    void propertiesAfterSubnodesAreRejectedAsByDtc() {
        assertError("/dts-v1/;\n/ {\n\ta { };\n\tx = <1>;\n};\n",
                "test.dts:4:2: properties must precede subnodes (first subnode at test.dts:3:2)");
    }

    @Test
    void noRootNode() {
        assertError("/dts-v1/;\n", "test.dts:2:1: no root node");
    }

    @Test
    void characterLiteralWithTwoCharacters() {
        assertError("/dts-v1/;\n/ { x = <'ab'>; };\n", "test.dts:2:10: character literal must hold exactly one character");
    }

    @Test
    void deeplyNestedParenthesesAreAnErrorNotAStackOverflow() {
        assertError("/dts-v1/;\n/ { x = <" + "(".repeat(5000) + "1" + ")".repeat(5000) + ">; };\n",
                "test.dts:2:");
        assertError("/dts-v1/;\n/ { x = <(" + "-".repeat(5000) + "1)>; };\n", "test.dts:2:");
    }

    @Test
    void deeplyNestedNodesAreAnError() {
        assertError("/dts-v1/;\n/ {" + " a {".repeat(400) + " };".repeat(400) + " };\n", "test.dts:2:");
    }

    @Test
    void everyTruncationOfAValidSourceGivesOnlyDeviceTreeException() {
        String src = new String(Trees.resource("features.dts"), java.nio.charset.StandardCharsets.UTF_8);
        for (int len = 0; len < src.length(); len++) {
            try {
                Trees.parse(src.substring(0, len));
            } catch (DeviceTreeException expected) {
                assertTrue(expected.getMessage().startsWith("test.dts"), expected.getMessage());
            } catch (RuntimeException | StackOverflowError other) {
                org.junit.jupiter.api.Assertions.fail("length " + len + ": not a DeviceTreeException: " + other, other);
            }
        }
    }
}
