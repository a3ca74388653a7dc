package org.trapdoor.devicetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;

class DtbTest {
    private final DeviceTree features = Trees.dts("features.dts");
    private final byte[] blob = Trees.SERVICE.toDtb(features);

    @Test
    void writtenBlobReadsBackToTheSameTree() {
        Trees.assertSameTree(features, Trees.SERVICE.parseDtb(blob, "mem"), false);
    }

    @Test
    void rewritingAReadBlobGivesTheSameBytes() {
        assertArrayEquals(blob, Trees.SERVICE.toDtb(Trees.SERVICE.parseDtb(blob, "mem")));
    }

    @Test
    void blobFromDtcReadsBackAndRewritesToAnEquivalentBlob() {
        DeviceTree fromDtc = Trees.dtb("features.dtb");
        Trees.assertSameTree(fromDtc, Trees.SERVICE.parseDtb(Trees.SERVICE.toDtb(fromDtc), "again"), false);
    }

    @Test
    void blobIsByteForByteWhatDtcWrites() {
        // Same layout, same string-table sharing: the writer matches dtc 1.6 exactly.
        assertArrayEquals(Trees.resource("features.dtb"), blob);
    }

    @Test
    void nodesNestedTooDeeplyAreRejected() {
        DtNode root = new DtNode("", null);
        DtNode n = root;
        for (int i = 0; i < 300; i++) {
            n = new DtNode("n", n);
        }
        byte[] deep = Trees.SERVICE.toDtb(new DeviceTree(root, "deep", List.of()));
        assertMalformed(deep, "nested deeper than 256");
    }

    @Test
    void headerIsVersion17CompatibleWith16WithConsistentBlocks() {
        ByteBuffer b = ByteBuffer.wrap(blob);
        assertEquals(0xd00dfeed, b.getInt(0));
        assertEquals(blob.length, b.getInt(4));
        assertEquals(17, b.getInt(20));
        assertEquals(16, b.getInt(24));
        assertEquals(40, b.getInt(16));
        int offStruct = b.getInt(8);
        int offStrings = b.getInt(12);
        assertEquals(offStruct + b.getInt(36), offStrings);
        assertEquals(offStrings + b.getInt(32), blob.length);
        assertEquals(0, offStruct % 4);
        assertEquals(1, b.getInt(offStruct)); // FDT_BEGIN_NODE
        assertEquals(9, b.getInt(offStrings - 4)); // FDT_END
    }

    // ---- malformed blobs: one DeviceTreeException each, naming the source and the problem ---------

    private static void assertMalformed(byte[] bad, String expected) {
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> Trees.SERVICE.parseDtb(bad, "bad.dtb"));
        assertTrue(e.getMessage().startsWith("bad.dtb: malformed DTB"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
    }

    private byte[] patched(int off, int value) {
        byte[] b = blob.clone();
        ByteBuffer.wrap(b).putInt(off, value);
        return b;
    }

    private int structOff() {
        return ByteBuffer.wrap(blob).getInt(8);
    }

    private int stringsOff() {
        return ByteBuffer.wrap(blob).getInt(12);
    }

    @Test
    void truncatedHeader() {
        assertMalformed(new byte[] {(byte) 0xd0, 0x0d, (byte) 0xfe, (byte) 0xed, 0, 0}, "truncated header");
    }

    @Test
    void badMagic() {
        assertMalformed(patched(0, 0xfeedd00d), "bad magic 0xfeedd00d");
    }

    @Test
    void truncatedBody() {
        byte[] b = new byte[blob.length - 10];
        System.arraycopy(blob, 0, b, 0, b.length);
        assertMalformed(b, "truncated: totalsize says " + blob.length);
    }

    @Test
    void unsupportedVersion() {
        assertMalformed(patched(20, 3), "unsupported version 3");
    }

    @Test
    void structureOffsetOutsideTheBlob() {
        assertMalformed(patched(8, blob.length + 64), "structure block offset");
    }

    @Test
    void misalignedStructureBlock() {
        assertMalformed(patched(8, structOff() + 2), "not 4-byte aligned");
    }

    @Test
    void structureBlockSizeRunsPastTheEnd() {
        assertMalformed(patched(36, blob.length), "runs past totalsize");
    }

    @Test
    void stringsBlockSizeRunsPastTheEnd() {
        assertMalformed(patched(32, blob.length), "strings block");
    }

    @Test
    void unterminatedStringInStringsBlock() {
        // Cut the strings block so its last name loses its NUL.
        byte[] b = patched(32, ByteBuffer.wrap(blob).getInt(32) - 1);
        assertMalformed(b, "unterminated string");
    }

    @Test
    void propertyNameOffsetOutsideStringsBlock() {
        // The first property follows the root's BEGIN_NODE and empty name: token, len, nameoff.
        assertMalformed(patched(structOff() + 8 + 8, 0x7fff0000), "outside the strings block");
    }

    @Test
    void unknownToken() {
        assertMalformed(patched(structOff(), 0x77), "unknown token 0x00000077");
    }

    @Test
    void propertyBeforeAnyNode() {
        assertMalformed(patched(structOff(), 3), "property");
    }

    @Test
    void endNodeWithoutOpenNode() {
        assertMalformed(patched(structOff(), 2), "FDT_END_NODE without an open node");
    }

    @Test
    void missingEndToken() {
        assertMalformed(patched(stringsOff() - 4, 4), "without FDT_END");
    }

    @Test
    void endWhileANodeIsOpen() {
        assertMalformed(patched(stringsOff() - 8, 9), "still open");
    }

    @Test
    void propertyValueRunningPastTheStructureBlock() {
        assertMalformed(patched(structOff() + 8 + 4, 0x100000), "runs past the structure block");
    }

    @Test
    void memoryReservationsWithoutTerminator() {
        byte[] b = patched(16, blob.length - 8);
        assertMalformed(b, "memory reservation");
    }

    @Test
    void everyTruncationAndEveryCorruptedWordGivesOnlyDeviceTreeException() {
        for (int len = 0; len < blob.length; len++) {
            byte[] cut = new byte[len];
            System.arraycopy(blob, 0, cut, 0, len);
            expectCleanFailureOrTree(cut);
        }
        Random r = new Random(42);
        for (int i = 0; i < 3000; i++) {
            byte[] b = blob.clone();
            int off = r.nextInt(blob.length / 4) * 4;
            ByteBuffer.wrap(b).putInt(off, r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(16));
            expectCleanFailureOrTree(b);
        }
    }

    private static void expectCleanFailureOrTree(byte[] b) {
        try {
            Trees.SERVICE.parseDtb(b, "fuzz.dtb");
        } catch (DeviceTreeException expected) {
            assertTrue(expected.getMessage().startsWith("fuzz.dtb: malformed DTB"), expected.getMessage());
        } catch (RuntimeException other) {
            fail("not a DeviceTreeException: " + other, other);
        }
    }
}
