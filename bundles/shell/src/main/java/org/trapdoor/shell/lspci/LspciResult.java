package org.trapdoor.shell.lspci;

import java.util.List;

/**
 * What {@code lspci} returns: the functions it read (for pipes and scripts) and their rendering,
 * which is also its text, so Gogo prints it as lspci would.
 */
public final class LspciResult implements CharSequence {
    private final List<ConfigImage> functions;
    private final String text;

    public LspciResult(List<ConfigImage> functions, String text) {
        this.functions = List.copyOf(functions);
        this.text = text;
    }

    public List<ConfigImage> functions() {
        return functions;
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public char charAt(int index) {
        return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return text.subSequence(start, end);
    }

    @Override
    public String toString() {
        return text;
    }
}
