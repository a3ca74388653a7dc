package org.trapdoor.devicetree;

import java.util.ArrayDeque;
import java.util.Iterator;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * Writes DTS that {@code dtc -I dts -O dtb} compiles back to the same tree. Each value is shown
 * the way dtc guesses it: printable NUL-terminated string lists as strings, a whole number of
 * 32-bit words as {@code < >} cells, anything else as {@code [ ]} bytes. Labels are kept, and
 * phandles stay explicit {@code phandle} properties so references survive as numbers.
 */
final class DtsWriter {
    private final StringBuilder out = new StringBuilder();

    String write(DeviceTree tree) {
        out.append("/dts-v1/;\n\n");
        for (long[] r : tree.memoryReservations()) {
            out.append(String.format("/memreserve/ 0x%016x 0x%016x;%n", r[0], r[1]));
        }
        if (!tree.memoryReservations().isEmpty()) {
            out.append('\n');
        }
        writeNode(tree.root());
        if (!tree.root().labels().isEmpty()) {
            // dtc does not accept "label: / {", but does accept labels on a path reference.
            out.append('\n');
            for (String l : tree.root().labels()) {
                out.append(checkLabel(l)).append(": ");
            }
            out.append("&{/} {\n};\n");
        }
        return out.toString();
    }

    /** Depth-first with an explicit stack: the writer must not depend on the tree's depth. */
    private void writeNode(DtNode top) {
        ArrayDeque<Iterator<DtNode>> open = new ArrayDeque<>();
        openNode(top, 0);
        open.push(top.children().iterator());
        while (!open.isEmpty()) {
            Iterator<DtNode> next = open.peek();
            if (next.hasNext()) {
                DtNode c = next.next();
                out.append('\n');
                openNode(c, open.size());
                open.push(c.children().iterator());
            } else {
                open.pop();
                indent(open.size());
                out.append("};\n");
            }
        }
    }

    /** The node's labels, name, {@code {} and properties, at {@code depth}. */
    private void openNode(DtNode node, int depth) {
        indent(depth);
        if (node.parent() != null) {
            for (String l : node.labels()) {
                out.append(checkLabel(l)).append(": ");
            }
        }
        out.append(node.parent() == null ? "/" : checkName(node.name(), node)).append(" {\n");
        for (DtProperty p : node.properties()) {
            indent(depth + 1);
            out.append(checkName(p.name(), node));
            if (!p.isEmpty()) {
                out.append(" = ");
                value(p.bytes());
            }
            out.append(";\n");
        }
    }

    private void value(byte[] v) {
        if (isStringList(v)) {
            out.append('"');
            for (int i = 0; i < v.length - 1; i++) {
                if (v[i] == 0) {
                    out.append("\", \"");
                } else {
                    escape(v[i]);
                }
            }
            out.append('"');
        } else if (v.length % 4 == 0) {
            out.append('<');
            for (int i = 0; i < v.length; i += 4) {
                long c = DtbReader.be32(v, i) & 0xffff_ffffL;
                out.append(i == 0 ? "" : " ").append(String.format("0x%02x", c));
            }
            out.append('>');
        } else {
            out.append('[');
            for (int i = 0; i < v.length; i++) {
                out.append(i == 0 ? "" : " ").append(String.format("%02x", v[i] & 0xff));
            }
            out.append(']');
        }
    }

    /** NUL-terminated, no empty strings, and every other byte printable ASCII or a C control escape. */
    static boolean isStringList(byte[] v) {
        if (v.length == 0 || v[v.length - 1] != 0 || v[0] == 0) {
            return false;
        }
        for (int i = 0; i < v.length; i++) {
            int b = v[i] & 0xff;
            if (b == 0) {
                if (i > 0 && v[i - 1] == 0) {
                    return false;
                }
            } else if ((b < 0x20 || b > 0x7e) && "\u0007\b\t\n\u000b\f\r".indexOf(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private void escape(byte b) {
        switch (b) {
            case '"' -> out.append("\\\"");
            case '\\' -> out.append("\\\\");
            case '\t' -> out.append("\\t");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\f' -> out.append("\\f");
            case '\b' -> out.append("\\b");
            case 0x07 -> out.append("\\a");
            case 0x0b -> out.append("\\v");
            default -> out.append((char) b);
        }
    }

    private static final String NAME_CHARS =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+*#?@-";

    /** A DTB may carry names DTS cannot spell; say so rather than write what dtc rejects. */
    private static String checkName(String name, DtNode where) {
        boolean ok = !name.isEmpty();
        for (int i = 0; i < name.length() && ok; i++) {
            ok = NAME_CHARS.indexOf(name.charAt(i)) >= 0;
        }
        if (!ok) {
            throw new DeviceTreeException(where.path() + ": name '" + name + "' cannot be written as DTS");
        }
        return name;
    }

    private static String checkLabel(String label) {
        if (!label.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new DeviceTreeException("label '" + label + "' cannot be written as DTS");
        }
        return label;
    }

    /** Tabs, one per level up to the deepest tree the readers take: output stays linear in the tree. */
    private void indent(int depth) {
        out.append("\t".repeat(Math.min(depth, Fdt.MAX_DEPTH)));
    }
}
