package org.trapdoor.xen.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class XlConfigParserTest {
    private static String atom(XlSettings s, String name) {
        return s.string(name).orElseThrow();
    }

    private static List<String> items(XlSettings s, String name) {
        return s.list(name).orElseThrow().items().stream().map(v -> ((XlValue.Atom) v).text()).toList();
    }

    private static String error(String text) {
        return assertThrows(XlConfigException.class, () -> XlConfigParser.parse("g.cfg", text)).getMessage();
    }

    @Test
    void commentsBlankLinesAndSemicolonsSeparateStatements() {
        XlSettings s = XlConfigParser.parse("g.cfg", "# a guest\n\nname = \"g1\" # trailing\nmemory=256; vcpus = 2\n");
        assertEquals("g1", atom(s, "name"));
        assertEquals("256", atom(s, "memory"));
        assertEquals("2", atom(s, "vcpus"));
        assertEquals(4, s.line("vcpus"));
    }

    @Test
    void theLastStatementNeedsNoNewlineNorACommentItsOwn() {
        assertEquals("x", atom(XlConfigParser.parse("g.cfg", "name='x'"), "name"));
        assertEquals("x", atom(XlConfigParser.parse("g.cfg", "name='x'\n# end"), "name"));
    }

    @Test
    void stringsTakeEitherQuoteAndCEscapes() {
        XlSettings s = XlConfigParser.parse("g.cfg", "a = 'it\\'s'\nb = \"tab\\there\\\\\"\n");
        assertEquals("it's", atom(s, "a"));
        assertEquals("tab\there\\", atom(s, "b"));
    }

    @Test
    void listsSpanLinesHoldCommentsAndMayEndWithAComma() {
        XlSettings s = XlConfigParser.parse("g.cfg", "pci = [\n  '00:01.0', # first\n  \"00:02.0@3\",\n]\n");
        assertEquals(List.of("00:01.0", "00:02.0@3"), items(s, "pci"));
        assertEquals(List.of(), items(XlConfigParser.parse("g.cfg", "pci = [ ]"), "pci"));
    }

    @Test
    void listsNest() {
        XlValue.ListValue l = XlConfigParser.parse("g.cfg", "x = [ [ '1' ], '2' ]").list("x").orElseThrow();
        assertEquals(2, l.items().size());
        assertEquals(List.of(new XlValue.Atom("1", 1)), ((XlValue.ListValue) l.items().get(0)).items());
    }

    @Test
    void theLastAssignmentWinsAndPlusEqualsAppends() {
        XlSettings s = XlConfigParser.parse("g.cfg", "name='a'\nname='b'\npci=['0:1.0']\npci+=['0:2.0']\nx='ab'\nx+='cd'\n");
        assertEquals("b", atom(s, "name"));
        assertEquals(List.of("0:1.0", "0:2.0"), items(s, "pci"));
        assertEquals("abcd", atom(s, "x"));
    }

    @Test
    void addingAListToAStringIsRefused() {
        assertEquals("g.cfg:2: config parsing error near `pci': can't add [list] to \"string\" or vice versa",
                error("pci='0:1.0'\npci+=['0:2.0']\n"));
    }

    @Test
    void aSyntaxErrorNamesTheLineAndTheTokenAsXlDoes() {
        assertEquals("g.cfg:3: config parsing error near `]': syntax error", error("name='a'\n\nmemory = ]\n"));
        assertEquals("g.cfg:1: config parsing error near <newline>: syntax error", error("name =\nmemory=1\n"));
        assertEquals("g.cfg:2: config parsing error near `'a'': syntax error", error("x='1'\nname 'a'\n"));
    }

    @Test
    void anUnterminatedListEndsAtTheEndOfTheFile() {
        assertEquals("g.cfg:2: config parsing error at the end of the file: syntax error", error("pci = [ '0:1.0',\n"));
    }

    @Test
    void aStrayCharacterIsALexicalErrorNearItsWord() {
        assertEquals("g.cfg:2: config parsing error near `Name': lexical error", error("a='1'\nName = 'x'\n"));
        assertEquals("g.cfg:1: config parsing error near `\"open': lexical error", error("name = \"open\n"));
    }

    @Test
    void pythonLooksAreSaidToBePython() {
        String m = error("memory = 256 + 1\n");
        assertEquals(true, m.startsWith("g.cfg:1: config parsing error near `+': lexical error (the file looks like Python"), m);
    }
}
