package org.trapdoor.devicetree;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * Reads a flattened device tree blob (versions 16 and 17). Every field is checked before it is
 * used, so a truncated or malformed blob gives one {@link DeviceTreeException} that names the
 * source, the offset and what is wrong.
 */
final class DtbReader {
    private final byte[] blob;
    private final String source;
    private int structStart;
    private int structEnd;
    private int stringsStart;
    private int stringsEnd;
    /** Offsets of each node's FDT_BEGIN_NODE and each property's FDT_PROP token, for later messages. */
    private final Map<DtNode, Integer> nodeAt = new IdentityHashMap<>();
    private final Map<DtProperty, Integer> propertyAt = new IdentityHashMap<>();

    DtbReader(byte[] blob, String source) {
        this.blob = blob;
        this.source = source;
    }

    static boolean looksLikeDtb(byte[] data) {
        return data.length >= 4 && be32(data, 0) == Fdt.MAGIC;
    }

    DeviceTree read() {
        if (blob.length < Fdt.V16_HEADER_SIZE) {
            throw error(0, "truncated header: " + blob.length + " bytes, a header needs " + Fdt.HEADER_SIZE);
        }
        int magic = be32(blob, 0);
        if (magic != Fdt.MAGIC) {
            throw error(0, String.format("bad magic 0x%08x (expected 0x%08x)", magic, Fdt.MAGIC));
        }
        long totalSize = u32(4);
        long offStruct = u32(8);
        long offStrings = u32(12);
        long offRsvmap = u32(16);
        long version = u32(20);
        long lastComp = u32(24);
        long sizeStrings = u32(32);
        if (version < 16 || lastComp > 17) {
            throw error(20, "unsupported version " + version + " (last compatible " + lastComp
                    + "); this reader handles versions 16 and 17");
        }
        int headerSize = version >= 17 ? Fdt.HEADER_SIZE : Fdt.V16_HEADER_SIZE;
        if (blob.length < headerSize) {
            throw error(0, "truncated header: " + blob.length + " bytes, a v" + version + " header needs " + headerSize);
        }
        if (totalSize < headerSize) {
            throw error(4, "totalsize " + totalSize + " is smaller than the header");
        }
        if (totalSize > blob.length) {
            throw error(4, "truncated: totalsize says " + totalSize + " bytes but only " + blob.length + " are present");
        }
        long sizeStruct;
        if (version >= 17) {
            sizeStruct = u32(36);
        } else {
            sizeStruct = totalSize - offStruct;
        }
        checkBlock("memory reservation block", offRsvmap, 16, totalSize, headerSize, 8);
        checkBlock("structure block", offStruct, sizeStruct, totalSize, headerSize, 4);
        checkBlock("strings block", offStrings, sizeStrings, totalSize, headerSize, 1);
        structStart = (int) offStruct;
        structEnd = (int) (offStruct + sizeStruct);
        stringsStart = (int) offStrings;
        stringsEnd = (int) (offStrings + sizeStrings);

        List<long[]> reservations = readReservations((int) offRsvmap, (int) totalSize);
        DtNode root = readStructure();
        // What dtc -I dtb checks too, so that the DTS written from this tree reads back.
        BiFunction<DtNode, String, String> malformed = (n, p) -> String.format("%s: malformed DTB at offset 0x%x",
                source, offset(n, p));
        Phandles.check(root, malformed);
        CellCounts.check(root, malformed);
        return new DeviceTree(root, source, reservations, (n, p) -> offset(n, p) < 0 ? null
                : String.format("%s at offset 0x%x", source, offset(n, p)));
    }

    /** Offset of a node's property's FDT_PROP token (null property: the node's FDT_BEGIN_NODE), or -1. */
    private int offset(DtNode node, String property) {
        Integer at = property == null ? nodeAt.get(node) : propertyAt.get(node.property(property));
        return at == null ? -1 : at;
    }

    private void checkBlock(String what, long off, long size, long totalSize, int headerSize, int align) {
        if (off < headerSize || off > totalSize) {
            throw error(0, String.format("%s offset 0x%x is outside the blob (header 0x%x, totalsize 0x%x)",
                    what, off, headerSize, totalSize));
        }
        if (off % align != 0) {
            throw error(0, String.format("%s offset 0x%x is not %d-byte aligned", what, off, align));
        }
        if (off + size > totalSize) {
            throw error(0, String.format("%s at 0x%x with size 0x%x runs past totalsize 0x%x", what, off, size, totalSize));
        }
    }

    private List<long[]> readReservations(int off, int totalSize) {
        List<long[]> out = new ArrayList<>();
        for (int o = off;; o += 16) {
            if (o + 16 > totalSize) {
                throw error(o, "memory reservation block has no terminating empty entry before the end of the blob");
            }
            long addr = be64(o);
            long size = be64(o + 8);
            if (addr == 0 && size == 0) {
                return out;
            }
            out.add(new long[] {addr, size});
        }
    }

    private DtNode readStructure() {
        int o = structStart;
        DtNode root = null;
        DtNode current = null;
        int depth = 0;
        // The names of the open nodes' children: a duplicate check in constant time per node.
        ArrayDeque<Set<String>> childNames = new ArrayDeque<>();
        while (true) {
            if (o + 4 > structEnd) {
                throw error(o, "structure block ends without FDT_END");
            }
            int token = be32(blob, o);
            int tokenAt = o;
            o += 4;
            switch (token) {
                case Fdt.BEGIN_NODE -> {
                    int nameEnd = findNul(o, structEnd);
                    if (nameEnd < 0) {
                        throw error(tokenAt, "unterminated node name");
                    }
                    String name = new String(blob, o, nameEnd - o, StandardCharsets.UTF_8);
                    o = Fdt.align4(nameEnd + 1);
                    if (++depth > Fdt.MAX_DEPTH) {
                        throw error(tokenAt, "nodes nested deeper than " + Fdt.MAX_DEPTH);
                    }
                    if (current == null) {
                        if (root != null) {
                            throw error(tokenAt, "a second root node follows the first");
                        }
                        root = new DtNode("", null);
                        current = root;
                    } else {
                        if (name.isEmpty()) {
                            throw error(tokenAt, "node without a name inside " + current.path());
                        }
                        if (!childNames.peek().add(name)) {
                            throw error(tokenAt, "duplicate node " + name + " in " + current.path());
                        }
                        current = new DtNode(name, current);
                    }
                    childNames.push(new HashSet<>());
                    nodeAt.put(current, tokenAt);
                }
                case Fdt.END_NODE -> {
                    if (current == null) {
                        throw error(tokenAt, "FDT_END_NODE without an open node");
                    }
                    current = current.parent();
                    childNames.pop();
                    depth--;
                }
                case Fdt.PROP -> {
                    if (o + 8 > structEnd) {
                        throw error(tokenAt, "truncated property header");
                    }
                    long len = u32(o);
                    long nameOff = u32(o + 4);
                    o += 8;
                    if (current == null) {
                        throw error(tokenAt, "property outside any node");
                    }
                    if (len > structEnd - o) {
                        throw error(tokenAt, "property value of " + len + " bytes runs past the structure block");
                    }
                    String name = stringAt(nameOff, tokenAt);
                    if (current.has(name)) {
                        throw error(tokenAt, "duplicate property " + name + " in " + current.path());
                    }
                    byte[] value = new byte[(int) len];
                    System.arraycopy(blob, o, value, 0, (int) len);
                    DtProperty p = new DtProperty(name, value);
                    current.put(p);
                    propertyAt.put(p, tokenAt);
                    o = Fdt.align4(o + (int) len);
                }
                case Fdt.NOP -> {
                    // Left behind by in-place editing; carries nothing.
                }
                case Fdt.END -> {
                    if (current != null) {
                        throw error(tokenAt, "FDT_END while " + current.path() + " is still open");
                    }
                    if (root == null) {
                        throw error(tokenAt, "structure block has no root node");
                    }
                    return root;
                }
                default -> throw error(tokenAt, String.format("unknown token 0x%08x", token));
            }
        }
    }

    private String stringAt(long nameOff, int tokenAt) {
        if (nameOff >= stringsEnd - stringsStart) {
            throw error(tokenAt, String.format("property name offset 0x%x is outside the strings block (size 0x%x)",
                    nameOff, stringsEnd - stringsStart));
        }
        int start = stringsStart + (int) nameOff;
        int end = findNul(start, stringsEnd);
        if (end < 0) {
            throw error(tokenAt, String.format("unterminated string at strings offset 0x%x", nameOff));
        }
        if (end == start) {
            throw error(tokenAt, String.format("empty property name at strings offset 0x%x", nameOff));
        }
        return new String(blob, start, end - start, StandardCharsets.UTF_8);
    }

    private int findNul(int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (blob[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private DeviceTreeException error(int offset, String what) {
        return new DeviceTreeException(String.format("%s: malformed DTB at offset 0x%x: %s", source, offset, what));
    }

    private long u32(int off) {
        return be32(blob, off) & 0xffff_ffffL;
    }

    private long be64(int off) {
        return (u32(off) << 32) | u32(off + 4);
    }

    static int be32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
