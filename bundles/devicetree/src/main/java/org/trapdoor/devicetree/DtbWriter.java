package org.trapdoor.devicetree;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * Writes a flattened device tree blob, version 17 (last compatible version 16), laid out as dtc
 * does: header, memory reservation block, structure block, strings block.
 */
final class DtbWriter {
    private final ByteArrayOutputStream struct = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    /** Every suffix of every name in the strings block, at its first offset. */
    private final Map<String, Integer> suffixes = new HashMap<>();

    byte[] write(DeviceTree tree) {
        ByteArrayOutputStream rsv = new ByteArrayOutputStream();
        for (long[] r : tree.memoryReservations()) {
            be64(rsv, r[0]);
            be64(rsv, r[1]);
        }
        be64(rsv, 0);
        be64(rsv, 0);
        writeNode(tree.root());
        be32(struct, Fdt.END);

        int offRsv = Fdt.HEADER_SIZE;
        int offStruct = offRsv + rsv.size();
        int offStrings = offStruct + struct.size();
        int total = offStrings + strings.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream(total);
        be32(out, Fdt.MAGIC);
        be32(out, total);
        be32(out, offStruct);
        be32(out, offStrings);
        be32(out, offRsv);
        be32(out, Fdt.VERSION);
        be32(out, Fdt.LAST_COMP_VERSION);
        be32(out, 0); // boot_cpuid_phys
        be32(out, strings.size());
        be32(out, struct.size());
        out.writeBytes(rsv.toByteArray());
        out.writeBytes(struct.toByteArray());
        out.writeBytes(strings.toByteArray());
        return out.toByteArray();
    }

    /** Depth-first with an explicit stack: the writer must not depend on the tree's depth. */
    private void writeNode(DtNode top) {
        ArrayDeque<Iterator<DtNode>> open = new ArrayDeque<>();
        beginNode(top);
        open.push(top.children().iterator());
        while (!open.isEmpty()) {
            Iterator<DtNode> next = open.peek();
            if (next.hasNext()) {
                DtNode c = next.next();
                beginNode(c);
                open.push(c.children().iterator());
            } else {
                open.pop();
                be32(struct, Fdt.END_NODE);
            }
        }
    }

    /** FDT_BEGIN_NODE, the name and the properties. */
    private void beginNode(DtNode node) {
        be32(struct, Fdt.BEGIN_NODE);
        byte[] name = node.name().getBytes(StandardCharsets.UTF_8);
        struct.writeBytes(name);
        struct.write(0);
        align();
        for (DtProperty p : node.properties()) {
            byte[] v = p.bytes();
            be32(struct, Fdt.PROP);
            be32(struct, v.length);
            be32(struct, stringOffset(p.name()));
            struct.writeBytes(v);
            align();
        }
    }

    /** Zeros up to the next 4-byte boundary of the structure block. */
    private void align() {
        while (struct.size() % 4 != 0) {
            struct.write(0);
        }
    }

    /**
     * Like dtc: reuse the first place where the name and its NUL already occur, even as the
     * suffix of a longer name. Such a place always ends at a NUL, so it is a suffix of one
     * string already in the table: every suffix of every string added is remembered at its
     * first offset, and a look-up is one hash probe instead of a scan of the table.
     */
    private int stringOffset(String s) {
        Integer have = suffixes.get(s);
        if (have != null) {
            return have;
        }
        int at = strings.size();
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        strings.writeBytes(bytes);
        strings.write(0);
        for (int i = 0; i < bytes.length; i++) {
            // A suffix that starts inside a UTF-8 sequence is no name anyone asks for.
            if ((bytes[i] & 0xc0) != 0x80) {
                suffixes.putIfAbsent(new String(bytes, i, bytes.length - i, StandardCharsets.UTF_8), at + i);
            }
        }
        return at;
    }

    private static void be32(ByteArrayOutputStream o, long v) {
        o.write((int) (v >>> 24));
        o.write((int) (v >>> 16));
        o.write((int) (v >>> 8));
        o.write((int) v);
    }

    private static void be64(ByteArrayOutputStream o, long v) {
        be32(o, v >>> 32);
        be32(o, v);
    }
}
