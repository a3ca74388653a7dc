package org.trapdoor.devicetree;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
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
    private final Map<String, Integer> stringOffsets = new HashMap<>();

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

    private void writeNode(DtNode node) {
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
        for (DtNode c : node.children()) {
            writeNode(c);
        }
        be32(struct, Fdt.END_NODE);
    }

    /** Zeros up to the next 4-byte boundary of the structure block. */
    private void align() {
        while (struct.size() % 4 != 0) {
            struct.write(0);
        }
    }

    /** Like dtc: reuse any place where the name and its NUL already occur, even as a suffix. */
    private int stringOffset(String s) {
        return stringOffsets.computeIfAbsent(s, k -> {
            byte[] want = (k + "\0").getBytes(StandardCharsets.UTF_8);
            byte[] have = strings.toByteArray();
            for (int i = 0; i + want.length <= have.length; i++) {
                if (Arrays.equals(have, i, i + want.length, want, 0, want.length)) {
                    return i;
                }
            }
            strings.writeBytes(want);
            return have.length;
        });
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
