package org.trapdoor.xen.toolstack;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.xen.toolstack.XlConfigLexer.Kind;
import org.trapdoor.xen.toolstack.XlConfigLexer.Token;

/**
 * Parses an xl configuration file by libxlu's grammar ({@code libxlu_cfg_y.y}): statements
 * {@code IDENT = value} or {@code IDENT += value}, each ended by a newline or {@code ;} (the last
 * may end the file), values an atom or a bracketed list that may span lines, hold nested lists and
 * end with a comma. {@code +=} appends to the previous setting of the same name (string to
 * string, list to list). The first error ends the parse with xl's message:
 * {@code FILE:LINE: config parsing error near `TEXT': syntax error}.
 */
public final class XlConfigParser {
    private final String source;
    private final XlConfigLexer lexer;
    private Token look;

    private XlConfigParser(String source, String text) {
        this.source = source;
        this.lexer = new XlConfigLexer(source, text);
        this.look = lexer.next();
    }

    /** Reads {@code text}; {@code source} names the file in messages. */
    public static XlSettings parse(String source, String text) {
        XlConfigParser p = new XlConfigParser(source, text);
        XlSettings settings = new XlSettings(source);
        p.file(settings);
        return settings;
    }

    private void file(XlSettings settings) {
        while (true) {
            while (look.kind() == Kind.NEWLINE || look.kind() == Kind.SEMICOLON) {
                advance();
            }
            if (look.kind() == Kind.EOF) {
                return;
            }
            Token name = expect(Kind.IDENT);
            boolean add;
            if (look.kind() == Kind.ASSIGN) {
                add = false;
            } else if (look.kind() == Kind.ADD) {
                add = true;
            } else {
                throw syntaxError();
            }
            advance();
            XlValue value = value();
            if (look.kind() != Kind.NEWLINE && look.kind() != Kind.SEMICOLON && look.kind() != Kind.EOF) {
                throw syntaxError();
            }
            settings.store(name.value(), add, value);
        }
    }

    private XlValue value() {
        Token t = look;
        switch (t.kind()) {
            case STRING:
            case NUMBER:
                advance();
                return new XlValue.Atom(t.value(), t.line());
            case OPEN:
                advance();
                return list(t.line());
            default:
                throw syntaxError();
        }
    }

    /** After {@code [}: {@code nlok valuelist ]}, where a trailing comma is allowed. */
    private XlValue list(int line) {
        List<XlValue> items = new ArrayList<>();
        newlines();
        if (look.kind() == Kind.CLOSE) {
            advance();
            return new XlValue.ListValue(items, line);
        }
        while (true) {
            items.add(value());
            newlines();
            if (look.kind() == Kind.CLOSE) {
                advance();
                return new XlValue.ListValue(items, line);
            }
            expect(Kind.COMMA);
            newlines();
            if (look.kind() == Kind.CLOSE) {
                advance();
                return new XlValue.ListValue(items, line);
            }
        }
    }

    private void newlines() {
        while (look.kind() == Kind.NEWLINE) {
            advance();
        }
    }

    private Token expect(Kind kind) {
        if (look.kind() != kind) {
            throw syntaxError();
        }
        Token t = look;
        advance();
        return t;
    }

    private void advance() {
        look = lexer.next();
    }

    private XlConfigException syntaxError() {
        if (look.kind() == Kind.EOF) {
            return new XlConfigException(source + ":" + look.line() + ": config parsing error at the end of the file: "
                    + "syntax error");
        }
        return error(source, look.line(), look.kind() == Kind.NEWLINE && look.text().isEmpty() ? null : look.text(),
                "syntax error");
    }

    /**
     * xl's message ({@code xlu__cfg_yyerror}): {@code near `TEXT'}, or {@code near <newline>} when
     * the token is a bare newline ({@code text} null), or nothing at the end of the file.
     */
    static XlConfigException error(String source, int line, String text, String message) {
        String near;
        if (text == null) {
            near = "<newline>";
        } else {
            String t = text.stripTrailing();
            near = t.isEmpty() ? "" : "`" + t + "'";
        }
        return new XlConfigException(source + ":" + line + ": config parsing error near " + near + ": " + message);
    }
}
