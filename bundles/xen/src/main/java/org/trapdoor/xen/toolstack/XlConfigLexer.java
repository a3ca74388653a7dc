package org.trapdoor.xen.toolstack;

/**
 * The tokens of an xl configuration file, as libxlu's flex scanner ({@code libxlu_cfg_l.l})
 * cuts them: identifiers {@code [a-z][._0-9a-z]*}, numbers {@code [0-9][0-9a-fx]*} (kept as
 * text, parsed only when a setting is read as a number), single- or double-quoted strings on one
 * line with C escapes, {@code , [ ] = += ;}, and newlines, a {@code #} comment being part of the
 * newline that ends it. Anything else is a lexical error reported at the word it starts.
 */
final class XlConfigLexer {
    enum Kind { IDENT, NUMBER, STRING, COMMA, OPEN, CLOSE, ASSIGN, ADD, SEMICOLON, NEWLINE, EOF }

    /**
     * One token.
     *
     * @param text what the file says there (for messages; a string's quotes included)
     * @param value a string's contents with its escapes resolved, else the text
     * @param line  1-based line it starts on
     */
    record Token(Kind kind, String text, String value, int line) {
    }

    private final String source;
    private final String in;
    private int pos;
    private int line = 1;

    XlConfigLexer(String source, String text) {
        this.source = source;
        this.in = text;
    }

    Token next() {
        while (pos < in.length() && (in.charAt(pos) == ' ' || in.charAt(pos) == '\t')) {
            pos++;
        }
        if (pos >= in.length()) {
            return new Token(Kind.EOF, "", "", line);
        }
        int start = pos;
        char c = in.charAt(pos);
        if (c >= 'a' && c <= 'z') {
            pos++;
            while (pos < in.length() && isIdentTail(in.charAt(pos))) {
                pos++;
            }
            return token(Kind.IDENT, start);
        }
        if (c >= '0' && c <= '9') {
            pos++;
            while (pos < in.length() && isNumberTail(in.charAt(pos))) {
                pos++;
            }
            return token(Kind.NUMBER, start);
        }
        switch (c) {
            case ',':
                pos++;
                return token(Kind.COMMA, start);
            case '[':
                pos++;
                return token(Kind.OPEN, start);
            case ']':
                pos++;
                return token(Kind.CLOSE, start);
            case ';':
                pos++;
                return token(Kind.SEMICOLON, start);
            case '=':
                pos++;
                return token(Kind.ASSIGN, start);
            case '\n': {
                pos++;
                Token t = new Token(Kind.NEWLINE, "", "", line);
                line++;
                return t;
            }
            case '#': {
                // libxlu needs the newline after a comment; a comment on the file's last line
                // without one is taken as ending there rather than refused.
                int end = in.indexOf('\n', pos);
                String text = in.substring(pos, end < 0 ? in.length() : end);
                pos = end < 0 ? in.length() : end + 1;
                Token t = new Token(Kind.NEWLINE, text, "", line);
                if (end >= 0) {
                    line++;
                }
                return t;
            }
            case '\'':
            case '"':
                return string(c, start);
            default:
                if (c == '+' && pos + 1 < in.length() && in.charAt(pos + 1) == '=') {
                    pos += 2;
                    return token(Kind.ADD, start);
                }
                throw lexicalError(start, "+-.():".indexOf(c) >= 0 || c == '\r'
                        ? "lexical error" + (c == '\r' ? " (a carriage return: DOS line ends?)" : PYTHON)
                        : "lexical error");
        }
    }

    /** xl's extra warning when a stray character is one Python would use. */
    private static final String PYTHON =
            " (the file looks like Python, which xl no longer runs: see PythonInXlConfig)";

    private Token string(char quote, int start) {
        StringBuilder value = new StringBuilder();
        int p = start + 1;
        while (true) {
            if (p >= in.length() || in.charAt(p) == '\n') {
                // flex finds no string token; the quote is a stray character
                throw lexicalError(start, "lexical error");
            }
            char c = in.charAt(p);
            if (c == quote) {
                break;
            }
            if (c == '\\') {
                if (p + 1 >= in.length() || in.charAt(p + 1) == '\n') {
                    throw lexicalError(start, "lexical error");
                }
                p = escape(p + 1, value, start);
                continue;
            }
            value.append(c);
            p++;
        }
        pos = p + 1;
        return new Token(Kind.STRING, in.substring(start, pos), value.toString(), line);
    }

    /** The escape after a backslash at {@code p} ({@code xlu__cfgl_dequote}); returns the position after it. */
    private int escape(int p, StringBuilder out, int tokenStart) {
        char nc = in.charAt(p);
        switch (nc) {
            case '"', '\'', '\\' -> out.append(nc);
            case 'a' -> out.append('\007');
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'v' -> out.append('\013');
            case 'x' -> {
                int q = p + 1;
                while (q < p + 3 && q < in.length() && Character.digit(in.charAt(q), 16) >= 0) {
                    q++;
                }
                if (q - (p + 1) < 2) {
                    throw lexicalError(tokenStart, "invalid digit after backslash hex numerical character escape"
                            + " in quoted string");
                }
                out.append((char) Integer.parseInt(in.substring(p + 1, q), 16));
                return q;
            }
            default -> {
                if (nc >= '0' && nc <= '7') {
                    // libxlu reads up to three digits here in base 10 (its "octal" escape)
                    int q = p;
                    while (q < p + 3 && q < in.length() && Character.isDigit(in.charAt(q))) {
                        q++;
                    }
                    out.append((char) (Integer.parseInt(in.substring(p, q)) & 0xff));
                    return q;
                }
                throw lexicalError(tokenStart, "invalid character after backlash in quoted string");
            }
        }
        return p + 1;
    }

    private Token token(Kind kind, int start) {
        String text = in.substring(start, pos);
        return new Token(kind, text, text, line);
    }

    /** The word starting at {@code start} (up to a blank or newline), as flex's error state takes it. */
    private XlConfigException lexicalError(int start, String message) {
        int end = start + 1;
        while (end < in.length() && " \t\n".indexOf(in.charAt(end)) < 0) {
            end++;
        }
        return XlConfigParser.error(source, line, in.substring(start, end), message);
    }

    private static boolean isIdentTail(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    }

    private static boolean isNumberTail(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
    }
}
