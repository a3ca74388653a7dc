package org.trapdoor.devicetree;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DtNode;
import org.trapdoor.api.dt.DtProperty;

/**
 * Reads device tree source as dtc's v1 grammar defines it: what {@code dtc -O dts} prints (phandles
 * as numbers, {@code \0}-joined string lists) and hand-written sources (labels, {@code &label}
 * and {@code &{/path}} references, {@code &label { }} overlays, {@code /delete-node/},
 * {@code /delete-property/}, {@code /bits/}, byte strings, cell expressions). It does not run the
 * C preprocessor: {@code #include} and friends are reported as such.
 *
 * <p>References are resolved after the whole file is read, as dtc does: phandles are allocated
 * for referenced nodes that lack one, in tree order, skipping values already in use.
 */
final class DtsReader {
    private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+*#?@-";
    private static final Set<String> CPP_DIRECTIVES = Set.of("include", "define", "undef", "if", "ifdef",
            "ifndef", "elif", "else", "endif", "error", "warning", "pragma", "line");

    /** A {@code &label} or {@code &{/path}} at a source position. */
    private record Ref(String target, boolean isPath, int pos) {
        String text() {
            return isPath ? "&{" + target + "}" : "&" + target;
        }
    }

    /** A reference inside a property value: a 4-byte phandle cell, or a path string inserted there. */
    private record Fixup(int offset, Ref ref, boolean phandle) {
    }

    /**
     * A node's children by name and by name without unit address, kept beside the tree while it
     * is read, so that merging a child, checking for a duplicate or following a path costs the
     * same for the 50,000th sibling as for the first.
     */
    private static final class Children {
        final Map<String, DtNode> byName = new HashMap<>();
        final Map<String, Set<DtNode>> byBaseName = new HashMap<>();

        void add(DtNode c) {
            byName.put(c.name(), c);
            byBaseName.computeIfAbsent(c.baseName(), k -> new LinkedHashSet<>()).add(c);
        }

        void remove(DtNode c) {
            byName.remove(c.name(), c);
            Set<DtNode> same = byBaseName.get(c.baseName());
            if (same != null) {
                same.remove(c);
                if (same.isEmpty()) {
                    byBaseName.remove(c.baseName());
                }
            }
        }

        /** As {@link DeviceTree#node}: the exact name, else the one child whose base name it is. */
        DtNode find(String part) {
            DtNode n = byName.get(part);
            if (n != null) {
                return n;
            }
            Set<DtNode> same = byBaseName.get(part);
            return same != null && same.size() == 1 ? same.iterator().next() : null;
        }
    }

    private final DtsSource src;
    private final String text;
    private int pos;
    /** Open node bodies, and open parentheses and unary operators: bounded so input cannot overflow the stack. */
    private int nodeNesting;
    private int expressionNesting;
    private DtNode root;
    private final List<long[]> reservations = new ArrayList<>();
    private final Map<DtProperty, List<Fixup>> fixups = new IdentityHashMap<>();
    private final Set<DtNode> omitIfNoRef = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<DtNode> referenced = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<DtNode, Children> childIndex = new IdentityHashMap<>();
    private final Map<String, DtNode> labelIndex = new HashMap<>();
    /** Where each node was first opened and each property last defined, for later messages. */
    private final Map<DtNode, Integer> nodeAt = new IdentityHashMap<>();
    private final Map<DtProperty, Integer> propertyAt = new IdentityHashMap<>();

    DtsReader(String text, String sourceName) {
        this.src = new DtsSource(text, sourceName);
        this.text = text;
    }

    DeviceTree read() {
        skipWs();
        if (!text.startsWith("/dts-v1/", pos)) {
            throw src.error(pos, "expected /dts-v1/; at the start (dtc's version 0 syntax is not supported)");
        }
        while (text.startsWith("/dts-v1/", pos) || text.startsWith("/plugin/", pos)) {
            if (text.startsWith("/plugin/", pos)) {
                throw src.error(pos, "/plugin/ overlays are not supported: give a complete tree");
            }
            pos += "/dts-v1/".length();
            expect(';');
            skipWs();
        }
        readReservations();
        while (true) {
            skipWs();
            if (pos >= text.length()) {
                break;
            }
            readTopLevel();
        }
        if (root == null) {
            throw src.error(pos, "no root node '/ { ... };'");
        }
        resolveReferences();
        CellCounts.check(root, this::where);
        return new DeviceTree(root, src.name, reservations, this::where);
    }

    /** {@code file:line:column} of a node's property (null: of the node), or null if not from the source. */
    private String where(DtNode node, String property) {
        Integer at = property == null ? nodeAt.get(node) : propertyAt.get(node.property(property));
        return at == null ? null : src.location(at);
    }

    // ---- top level ----------------------------------------------------------------------------

    private void readReservations() {
        while (true) {
            int save = pos;
            readLabels();
            skipWs();
            if (!text.startsWith("/memreserve/", pos)) {
                pos = save;
                return;
            }
            pos += "/memreserve/".length();
            long addr = integerPrim();
            long size = integerPrim();
            expect(';');
            reservations.add(new long[] {addr, size});
            skipWs();
        }
    }

    private void readTopLevel() {
        int start = pos;
        List<String> labels = readLabels();
        skipWs();
        if (peek() == '/' && !text.startsWith("/delete-node/", pos) && !text.startsWith("/omit-if-no-ref/", pos)) {
            if (text.startsWith("/memreserve/", pos)) {
                throw src.error(pos, "/memreserve/ must come before the first node");
            }
            if (text.startsWith("/include/", pos)) {
                throw src.error(pos, "/include/ is not supported: flatten the source first (cpp, or dtc -O dts)");
            }
            pos++;
            if (root == null) {
                root = new DtNode("", null);
                nodeAt.put(root, start);
            }
            addLabels(root, labels, start);
            readNodeBody(root);
        } else if (peek() == '&') {
            Ref ref = readRef();
            DtNode node = lookup(ref);
            addLabels(node, labels, start);
            skipWs();
            if (peek() != '{') {
                throw src.error(pos, "expected '{' after " + ref.text());
            }
            readNodeBody(node);
        } else if (text.startsWith("/delete-node/", pos)) {
            pos += "/delete-node/".length();
            skipWs();
            if (peek() != '&') {
                throw src.error(pos, "at top level /delete-node/ takes a reference: &label or &{/path}");
            }
            Ref ref = readRef();
            DtNode node = lookup(ref);
            if (node.parent() == null) {
                throw src.error(ref.pos, "cannot delete the root node");
            }
            removeNode(node);
            expect(';');
        } else if (text.startsWith("/omit-if-no-ref/", pos)) {
            pos += "/omit-if-no-ref/".length();
            skipWs();
            if (peek() != '&') {
                throw src.error(pos, "at top level /omit-if-no-ref/ takes a reference: &label or &{/path}");
            }
            Ref ref = readRef();
            omitIfNoRef.add(lookup(ref));
            expect(';');
        } else {
            throw src.error(pos, "expected '/ {', '&label {', /delete-node/ or end of file, found " + describeHere());
        }
    }

    /** Reads {@code { properties and subnodes };} into {@code node}, merging with what it has. */
    private void readNodeBody(DtNode node) {
        expect('{');
        enterNode();
        int firstSubnode = -1;
        while (true) {
            skipWs();
            if (pos >= text.length()) {
                throw src.error(pos, "unexpected end of file inside " + node.path() + " (missing '};')");
            }
            if (peek() == '}') {
                pos++;
                expect(';');
                nodeNesting--;
                return;
            }
            if (text.startsWith("/delete-property/", pos)) {
                propertyAllowed(firstSubnode);
                pos += "/delete-property/".length();
                skipWs();
                String name = readName("property name");
                node.remove(name);
                expect(';');
                continue;
            }
            if (text.startsWith("/delete-node/", pos)) {
                firstSubnode = firstSubnode < 0 ? pos : firstSubnode;
                pos += "/delete-node/".length();
                skipWs();
                String name = readName("node name");
                // As dtc: the exact name; deleting a node that is not there is not an error.
                DtNode child = children(node).byName.get(name);
                if (child != null) {
                    removeNode(child);
                }
                expect(';');
                continue;
            }
            boolean omit = false;
            if (text.startsWith("/omit-if-no-ref/", pos)) {
                pos += "/omit-if-no-ref/".length();
                omit = true;
            }
            int start = pos;
            List<String> labels = readLabels();
            skipWs();
            int nameAt = pos;
            if (peek() == '/' && text.startsWith("/include/", pos)) {
                throw src.error(pos, "/include/ is not supported: flatten the source first (cpp, or dtc -O dts)");
            }
            String name = readName("property or node name");
            skipWs();
            char c = peek();
            if (c == '{') {
                firstSubnode = firstSubnode < 0 ? start : firstSubnode;
                DtNode child = children(node).byName.get(name);
                if (child == null) {
                    child = newChild(node, name, start);
                }
                addLabels(child, labels, start);
                if (omit) {
                    omitIfNoRef.add(child);
                }
                readNodeBody(child);
            } else if (omit) {
                throw src.error(nameAt, "/omit-if-no-ref/ applies to nodes, not to property " + name);
            } else if (c == '=') {
                pos = nameAt;
                propertyAllowed(firstSubnode);
                pos = nameAt + name.length();
                skipWs();
                pos++;
                readPropertyValue(node, name, nameAt);
            } else if (c == ';') {
                pos = nameAt;
                propertyAllowed(firstSubnode);
                pos = nameAt + name.length();
                skipWs();
                pos++;
                DtProperty p = DtProperty.empty(name);
                node.put(p);
                propertyAt.put(p, nameAt);
            } else {
                throw src.error(pos, "expected '=', ';' or '{' after '" + name + "', found " + describeHere());
            }
        }
    }

    /** dtc's grammar puts all properties of a node body before its subnodes. */
    private void propertyAllowed(int firstSubnode) {
        if (firstSubnode >= 0) {
            throw src.error(pos, "properties must precede subnodes (first subnode at "
                    + src.location(firstSubnode) + ")");
        }
    }

    // ---- property values --------------------------------------------------------------------

    private void readPropertyValue(DtNode node, String name, int nameAt) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<Fixup> refs = new ArrayList<>();
        while (true) {
            skipWs();
            readLabels();
            skipWs();
            char c = peek();
            if (c == '"') {
                buf.writeBytes(readString());
                buf.write(0);
            } else if (c == '<') {
                pos++;
                readCells(buf, refs, 32);
            } else if (text.startsWith("/bits/", pos)) {
                pos += "/bits/".length();
                skipWs();
                int at = pos;
                long bits = integerPrim();
                if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
                    throw src.error(at, "/bits/ must be 8, 16, 32 or 64, not " + bits);
                }
                skipWs();
                if (peek() != '<') {
                    throw src.error(pos, "expected '<' after /bits/ " + bits);
                }
                pos++;
                readCells(buf, refs, (int) bits);
            } else if (c == '[') {
                pos++;
                readBytes(buf);
            } else if (c == '&') {
                refs.add(new Fixup(buf.size(), readRef(), false));
            } else if (text.startsWith("/incbin/", pos)) {
                throw src.error(pos, "/incbin/ is not supported");
            } else {
                throw src.error(pos, "expected a string, '<cells>', '[bytes]' or a &reference as the value of "
                        + name + ", found " + describeHere());
            }
            skipWs();
            readLabels();
            skipWs();
            c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ';') {
                pos++;
                break;
            } else {
                throw src.error(pos, "expected ',' or ';' after the value of " + name + ", found " + describeHere());
            }
        }
        DtProperty p = new DtProperty(name, buf.toByteArray());
        node.put(p);
        propertyAt.put(p, nameAt);
        if (!refs.isEmpty()) {
            fixups.put(p, refs);
        }
    }

    private void readCells(ByteArrayOutputStream buf, List<Fixup> refs, int bits) {
        while (true) {
            skipWs();
            readLabels();
            skipWs();
            char c = peek();
            if (c == '>') {
                pos++;
                return;
            }
            if (pos >= text.length()) {
                throw src.error(pos, "unexpected end of file inside '< >'");
            }
            if (c == '&') {
                int at = pos;
                Ref ref = readRef();
                if (bits != 32) {
                    throw src.error(at, "references are only allowed in 32-bit cells, not /bits/ " + bits);
                }
                refs.add(new Fixup(buf.size(), ref, true));
                buf.writeBytes(new byte[4]);
                continue;
            }
            int at = pos;
            if (c != '(' && c != '\'' && !Character.isDigit(c)) {
                if (Character.isLetter(c) || c == '_') {
                    String word = identifierAt(pos);
                    throw src.error(at, "'" + word + "' is not a number; if it is a macro, the file needs cpp first");
                }
                if (c == '-' || c == '~' || c == '!') {
                    throw src.error(at, "an expression inside '< >' must be in parentheses, e.g. <(" + c + "1)>");
                }
                throw src.error(at, "expected a number, (expression), &reference or '>', found " + describeHere());
            }
            long v = integerPrim();
            long mask = bits == 64 ? -1L : (1L << bits) - 1;
            if ((v & ~mask) != 0 && (v | mask) != -1L) {
                throw src.error(at, String.format("value 0x%x does not fit in %d bits", v, bits));
            }
            for (int shift = bits - 8; shift >= 0; shift -= 8) {
                buf.write((int) (v >>> shift));
            }
        }
    }

    private void readBytes(ByteArrayOutputStream buf) {
        while (true) {
            skipWs();
            readLabels();
            skipWs();
            char c = peek();
            if (c == ']') {
                pos++;
                return;
            }
            int h = hexDigit(c);
            int l = pos + 1 < text.length() ? hexDigit(text.charAt(pos + 1)) : -1;
            if (h < 0 || l < 0) {
                throw src.error(pos, "expected pairs of hex digits or ']' in a byte string, found " + describeHere());
            }
            buf.write(h << 4 | l);
            pos += 2;
        }
    }

    private byte[] readString() {
        int start = pos;
        pos++; // opening quote
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            if (pos >= text.length()) {
                throw src.error(start, "unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return out.toByteArray();
            }
            if (c == '\\') {
                out.write(readEscape(start));
                continue;
            }
            int cp = text.codePointAt(pos);
            out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
            pos += Character.charCount(cp);
        }
    }

    /** Reads a C escape at {@code pos} (at the backslash); returns the byte. */
    private int readEscape(int literalStart) {
        int at = pos;
        pos++;
        if (pos >= text.length()) {
            throw src.error(literalStart, "unterminated literal");
        }
        char c = text.charAt(pos++);
        switch (c) {
            case 'a': return 7;
            case 'b': return 8;
            case 't': return 9;
            case 'n': return 10;
            case 'v': return 11;
            case 'f': return 12;
            case 'r': return 13;
            case 'x': {
                int v = 0;
                int n = 0;
                while (n < 2 && pos < text.length() && hexDigit(text.charAt(pos)) >= 0) {
                    v = v * 16 + hexDigit(text.charAt(pos++));
                    n++;
                }
                if (n == 0) {
                    throw src.error(at, "\\x needs hex digits");
                }
                return v;
            }
            default:
                if (c >= '0' && c <= '7') {
                    int v = c - '0';
                    for (int n = 1; n < 3 && pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '7'; n++) {
                        v = v * 8 + (text.charAt(pos++) - '0');
                    }
                    if (v > 0xff) {
                        throw src.error(at, "octal escape \\" + Integer.toOctalString(v) + " is larger than a byte");
                    }
                    return v;
                }
                if (c > 0x7f) {
                    throw src.error(at, "escape of a non-ASCII character");
                }
                return c; // \\ \" \' and anything else stand for themselves, as in dtc
        }
    }

    // ---- integers and expressions --------------------------------------------------------------

    /** A literal, a character literal or a parenthesised expression (dtc's integer_prim). */
    private long integerPrim() {
        skipWs();
        char c = peek();
        if (c == '(') {
            pos++;
            long v = expr();
            expect(')');
            return v;
        }
        if (c == '\'') {
            return charLiteral();
        }
        if (Character.isDigit(c)) {
            return literal();
        }
        throw src.error(pos, "expected a number or (expression), found " + describeHere());
    }

    private long literal() {
        int start = pos;
        String digits;
        int radix;
        if ((text.startsWith("0x", pos) || text.startsWith("0X", pos))) {
            pos += 2;
            int d = pos;
            while (pos < text.length() && hexDigit(text.charAt(pos)) >= 0) {
                pos++;
            }
            digits = text.substring(d, pos);
            radix = 16;
            if (digits.isEmpty()) {
                throw src.error(start, "0x without hex digits");
            }
        } else {
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            digits = text.substring(start, pos);
            radix = digits.length() > 1 && digits.charAt(0) == '0' ? 8 : 10;
        }
        int suffix = pos;
        while (pos < text.length() && "uUlL".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        String sfx = text.substring(suffix, pos).toUpperCase();
        if (!sfx.isEmpty() && !Set.of("U", "L", "UL", "LL", "ULL").contains(sfx)) {
            throw src.error(suffix, "bad integer suffix '" + text.substring(suffix, pos) + "'");
        }
        if (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            throw src.error(start, "malformed number '" + text.substring(start, pos + 1) + "'");
        }
        try {
            return Long.parseUnsignedLong(digits, radix);
        } catch (NumberFormatException e) {
            throw src.error(start, radix == 8 && !digits.matches("[0-7]+")
                    ? "'" + digits + "' is not an octal number (a leading 0 means octal)"
                    : "integer literal " + text.substring(start, pos) + " does not fit in 64 bits");
        }
    }

    private long charLiteral() {
        int start = pos;
        pos++;
        if (pos >= text.length()) {
            throw src.error(start, "unterminated character literal");
        }
        long v;
        char c = text.charAt(pos);
        if (c == '\'') {
            throw src.error(start, "empty character literal");
        } else if (c == '\\') {
            v = readEscape(start);
        } else if (c > 0x7f) {
            throw src.error(start, "character literal must be ASCII");
        } else {
            v = c;
            pos++;
        }
        if (pos >= text.length() || text.charAt(pos) != '\'') {
            throw src.error(start, "character literal must hold exactly one character and end with '");
        }
        pos++;
        return v;
    }

    private void enterNode() {
        if (++nodeNesting > Fdt.MAX_DEPTH) {
            throw src.error(pos, "nodes nested deeper than " + Fdt.MAX_DEPTH + " levels");
        }
    }

    private void enterExpression() {
        if (++expressionNesting > Fdt.MAX_DEPTH) {
            throw src.error(pos, "expression nested deeper than " + Fdt.MAX_DEPTH + " levels");
        }
    }

    private long expr() {
        enterExpression();
        long v = ternary();
        expressionNesting--;
        return v;
    }

    private long ternary() {
        long cond = logicalOr();
        skipWs();
        if (peek() == '?') {
            pos++;
            long a = expr();
            expect(':');
            long b = expr();
            return cond != 0 ? a : b;
        }
        return cond;
    }

    private long logicalOr() {
        long v = logicalAnd();
        while (op("||")) {
            long r = logicalAnd();
            v = (v != 0 || r != 0) ? 1 : 0;
        }
        return v;
    }

    private long logicalAnd() {
        long v = bitOr();
        while (op("&&")) {
            long r = bitOr();
            v = (v != 0 && r != 0) ? 1 : 0;
        }
        return v;
    }

    private long bitOr() {
        long v = bitXor();
        while (opNot("|", "||")) {
            v |= bitXor();
        }
        return v;
    }

    private long bitXor() {
        long v = bitAnd();
        while (op("^")) {
            v ^= bitAnd();
        }
        return v;
    }

    private long bitAnd() {
        long v = equality();
        while (opNot("&", "&&")) {
            v &= equality();
        }
        return v;
    }

    private long equality() {
        long v = relational();
        while (true) {
            if (op("==")) {
                v = v == relational() ? 1 : 0;
            } else if (op("!=")) {
                v = v != relational() ? 1 : 0;
            } else {
                return v;
            }
        }
    }

    private long relational() {
        long v = shift();
        while (true) {
            if (op("<=")) {
                v = Long.compareUnsigned(v, shift()) <= 0 ? 1 : 0;
            } else if (op(">=")) {
                v = Long.compareUnsigned(v, shift()) >= 0 ? 1 : 0;
            } else if (opNot("<", "<<")) {
                v = Long.compareUnsigned(v, shift()) < 0 ? 1 : 0;
            } else if (opNot(">", ">>")) {
                v = Long.compareUnsigned(v, shift()) > 0 ? 1 : 0;
            } else {
                return v;
            }
        }
    }

    private long shift() {
        long v = additive();
        while (true) {
            if (op("<<")) {
                long n = additive();
                v = Long.compareUnsigned(n, 64) < 0 ? v << n : 0;
            } else if (op(">>")) {
                long n = additive();
                v = Long.compareUnsigned(n, 64) < 0 ? v >>> n : 0;
            } else {
                return v;
            }
        }
    }

    private long additive() {
        long v = multiplicative();
        while (true) {
            if (op("+")) {
                v += multiplicative();
            } else if (op("-")) {
                v -= multiplicative();
            } else {
                return v;
            }
        }
    }

    private long multiplicative() {
        long v = unary();
        while (true) {
            skipWs();
            int at = pos;
            if (op("*")) {
                v *= unary();
            } else if (op("/")) {
                long d = unary();
                if (d == 0) {
                    throw src.error(at, "division by zero");
                }
                v = Long.divideUnsigned(v, d);
            } else if (op("%")) {
                long d = unary();
                if (d == 0) {
                    throw src.error(at, "division by zero");
                }
                v = Long.remainderUnsigned(v, d);
            } else {
                return v;
            }
        }
    }

    private long unary() {
        enterExpression();
        long v = unaryOperand();
        expressionNesting--;
        return v;
    }

    private long unaryOperand() {
        skipWs();
        if (op("-")) {
            return -unary();
        }
        if (op("~")) {
            return ~unary();
        }
        if (op("!")) {
            return unary() == 0 ? 1 : 0;
        }
        return integerPrim();
    }

    /** Consumes operator {@code o} if it is next. */
    private boolean op(String o) {
        skipWs();
        if (text.startsWith(o, pos)) {
            pos += o.length();
            return true;
        }
        return false;
    }

    /** Consumes {@code o} if it is next and is not the start of the longer operator {@code not}. */
    private boolean opNot(String o, String not) {
        skipWs();
        if (text.startsWith(o, pos) && !text.startsWith(not, pos)) {
            pos += o.length();
            return true;
        }
        return false;
    }

    // ---- names, labels, references -------------------------------------------------------------

    private String readName(String what) {
        int start = pos;
        while (pos < text.length() && NAME_CHARS.indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        if (pos == start) {
            throw src.error(start, "expected a " + what + ", found " + describeHere());
        }
        return text.substring(start, pos);
    }

    /** Reads any {@code label:} prefixes at the current position. */
    private List<String> readLabels() {
        List<String> labels = new ArrayList<>();
        while (true) {
            skipWs();
            String id = identifierAt(pos);
            if (id.isEmpty() || pos + id.length() >= text.length() || text.charAt(pos + id.length()) != ':') {
                return labels;
            }
            labels.add(id);
            pos += id.length() + 1;
        }
    }

    private String identifierAt(int at) {
        int i = at;
        if (i < text.length() && (Character.isLetter(text.charAt(i)) && text.charAt(i) < 0x80 || text.charAt(i) == '_')) {
            i++;
            while (i < text.length() && (isAsciiLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                i++;
            }
        }
        return text.substring(at, i);
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return c < 0x80 && Character.isLetterOrDigit(c);
    }

    private Ref readRef() {
        int at = pos;
        pos++; // '&'
        if (peek() == '{') {
            int close = text.indexOf('}', pos);
            if (close < 0) {
                throw src.error(at, "unterminated path reference &{");
            }
            String path = text.substring(pos + 1, close);
            if (!path.startsWith("/")) {
                throw src.error(at, "a path reference must be absolute: &{/...}");
            }
            pos = close + 1;
            return new Ref(path, true, at);
        }
        String label = identifierAt(pos);
        if (label.isEmpty()) {
            throw src.error(at, "expected a label or {/path} after '&'");
        }
        pos += label.length();
        return new Ref(label, false, at);
    }

    private void addLabels(DtNode node, List<String> labels, int at) {
        for (String l : labels) {
            DtNode other = labelIndex.putIfAbsent(l, node);
            if (other != null && other != node) {
                throw src.error(at, "duplicate label '" + l + "' on " + node.path() + " and " + other.path());
            }
            node.addLabel(l);
        }
    }

    private DtNode findLabel(String label) {
        return labelIndex.get(label);
    }

    /** As {@link DeviceTree#node}, through the child index. */
    private DtNode findPath(String path) {
        if (root == null || path.equals("/")) {
            return root;
        }
        DtNode n = root;
        for (String part : path.replaceAll("^/+", "").split("/")) {
            if (n == null) {
                return null;
            }
            n = children(n).find(part);
        }
        return n;
    }

    private Children children(DtNode n) {
        return childIndex.computeIfAbsent(n, k -> {
            Children c = new Children();
            for (DtNode child : k.children()) {
                c.add(child);
            }
            return c;
        });
    }

    /**
     * A new child of {@code parent}, refused past {@link Fdt#MAX_DEPTH} levels from the root: an
     * {@code &label { }} overlay opens at its node's depth, so the nesting of the source alone
     * does not bound the tree's.
     */
    private DtNode newChild(DtNode parent, String name, int at) {
        int depth = 2; // levels as a DTB counts them: the root is the first
        for (DtNode n = parent; n.parent() != null; n = n.parent()) {
            depth++;
        }
        if (depth > Fdt.MAX_DEPTH) {
            throw src.error(at, "node " + name + " would be nested deeper than " + Fdt.MAX_DEPTH + " levels");
        }
        DtNode child = new DtNode(name, parent);
        children(parent).add(child);
        nodeAt.put(child, at);
        return child;
    }

    /** Deletes a node; its labels go with it, so they may be defined again, as in dtc. */
    private void removeNode(DtNode node) {
        DtNode parent = node.parent();
        parent.removeChild(node);
        children(parent).remove(node);
        for (DtNode n : node.subtree()) {
            for (String l : n.labels()) {
                labelIndex.remove(l, n);
            }
        }
    }

    /** The node a reference names now, or an error at the reference. */
    private DtNode lookup(Ref ref) {
        DtNode n = ref.isPath ? findPath(ref.target) : findLabel(ref.target);
        if (n == null) {
            throw src.error(ref.pos, (ref.isPath ? "no node at path " : "unknown label ") + ref.text());
        }
        return n;
    }

    // ---- resolution ---------------------------------------------------------------------------

    private void resolveReferences() {
        for (DtNode n : root.subtree()) {
            for (String prop : List.of("phandle", "linux,phandle")) {
                DtProperty p = n.property(prop);
                if (p != null && fixups.containsKey(p)) {
                    throw new DeviceTreeException(where(n, prop) + ": " + n.path() + ": " + prop
                            + " must be a number, not a reference");
                }
            }
        }
        Set<Long> used = new HashSet<>(Phandles.check(root, this::where).keySet());
        long next = 1;
        for (DtNode n : root.subtree()) {
            for (DtProperty p : n.properties()) {
                List<Fixup> fs = fixups.get(p);
                if (fs == null) {
                    continue;
                }
                byte[] old = p.bytes();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int copied = 0;
                for (Fixup f : fs) {
                    DtNode target = lookup(f.ref);
                    referenced.add(target);
                    out.write(old, copied, f.offset - copied);
                    copied = f.offset;
                    if (f.phandle) {
                        long ph = target.phandle();
                        if (ph < 0) {
                            while (used.contains(next)) {
                                next++;
                            }
                            ph = next;
                            used.add(ph);
                            target.put(DtProperty.ofCells("phandle", ph));
                        }
                        out.write((int) (ph >>> 24));
                        out.write((int) (ph >>> 16));
                        out.write((int) (ph >>> 8));
                        out.write((int) ph);
                        copied += 4;
                    } else {
                        out.writeBytes(target.path().getBytes(StandardCharsets.UTF_8));
                        out.write(0);
                    }
                }
                out.write(old, copied, old.length - copied);
                DtProperty resolved = new DtProperty(p.name(), out.toByteArray());
                n.put(resolved);
                propertyAt.put(resolved, propertyAt.get(p));
            }
        }
        for (DtNode n : omitIfNoRef) {
            if (!referenced.contains(n) && n.parent() != null) {
                removeNode(n);
            }
        }
    }

    // ---- lexical helpers ----------------------------------------------------------------------

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void expect(char c) {
        skipWs();
        if (peek() != c) {
            throw src.error(pos, "expected '" + c + "', found " + describeHere());
        }
        pos++;
    }

    private String describeHere() {
        if (pos >= text.length()) {
            return "end of file";
        }
        int end = pos;
        while (end < text.length() && end - pos < 20 && !Character.isWhitespace(text.charAt(end))) {
            end++;
        }
        return "'" + text.substring(pos, Math.max(end, pos + 1)) + "'";
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Skips blanks, comments and cpp line markers; reports other preprocessor directives. */
    private void skipWs() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                pos++;
            } else if (text.startsWith("//", pos)) {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (text.startsWith("/*", pos)) {
                int end = text.indexOf("*/", pos + 2);
                if (end < 0) {
                    throw src.error(pos, "unterminated comment");
                }
                pos = end + 2;
            } else if (c == '#' && atLineStart()) {
                if (!preprocessorLine()) {
                    return;
                }
            } else {
                return;
            }
        }
    }

    /**
     * A cpp line marker from {@code at} (its line number) to {@code eol}: {@code 12 "file.dtsi" 1 3}.
     * Read by hand, not by a regular expression: Java's regex engine recurses once per character
     * of a quoted name, and a long one overflowed the stack.
     */
    private void lineMarker(int at, int eol) {
        int i = at;
        while (i < eol && Character.isDigit(text.charAt(i))) {
            i++;
        }
        if (i == at) {
            throw src.error(pos, "malformed line marker");
        }
        String digits = text.substring(at, i);
        int line;
        try {
            line = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw src.error(at, "line number " + digits + " in a line marker is too large");
        }
        String file = null;
        int q = i;
        while (q < eol && (text.charAt(q) == ' ' || text.charAt(q) == '\t')) {
            q++;
        }
        if (q > i && q < eol && text.charAt(q) == '"') {
            StringBuilder name = new StringBuilder();
            for (int k = q + 1; k < eol; k++) {
                char c = text.charAt(k);
                if (c == '"') {
                    file = name.toString();
                    break;
                }
                if (c == '\\' && k + 1 < eol) {
                    c = text.charAt(++k); // cpp escapes '\' and '"' in file names
                }
                name.append(c);
            }
        }
        src.lineMarker(Math.min(eol + 1, text.length()), file, line);
    }

    private int skipBlanks(int from) {
        int i = from;
        while (i < text.length() && blank(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean blank(char c) {
        return c == ' ' || c == '\t';
    }

    private boolean atLineStart() {
        for (int i = pos - 1; i >= 0; i--) {
            char c = text.charAt(i);
            if (c == '\n') {
                return true;
            }
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    /**
     * At a '#' that starts a line: consumes a cpp line marker ({@code # 12 "file"}), reports a
     * directive, or returns false for a property name such as {@code #address-cells}.
     */
    private boolean preprocessorLine() {
        // A marker is dtc's "#"(line)?[ \t]+[0-9]+: the blank is required, so that a property
        // such as #47b5 at the start of a line is not taken for line 47.
        int digits = text.startsWith("line", pos + 1) ? skipBlanks(pos + 5) : skipBlanks(pos + 1);
        boolean marker = digits > pos + 1 && blank(text.charAt(digits - 1)) && digits < text.length()
                && Character.isDigit(text.charAt(digits));
        int i = skipBlanks(pos + 1);
        String word = identifierAt(i);
        int eol = text.indexOf('\n', pos);
        if (eol < 0) {
            eol = text.length();
        }
        if (marker) {
            lineMarker(digits, eol);
            pos = eol;
            return true;
        }
        int after = i + word.length();
        boolean nameContinues = after < text.length() && NAME_CHARS.indexOf(text.charAt(after)) >= 0;
        if (CPP_DIRECTIVES.contains(word) && !nameContinues) {
            throw src.error(pos, "#" + word + " is a C preprocessor directive: run the file through cpp first "
                    + "(cpp -nostdinc -undef -x assembler-with-cpp), as the Linux build does");
        }
        return false;
    }
}
