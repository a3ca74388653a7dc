package org.trapdoor.shell.complete;

/**
 * One completion candidate: what Tab inserts, the group the list shows it under, a short
 * description, and whether the word is whole (a space follows) or a prefix of more.
 */
public record Choice(String value, String group, String description, boolean whole) {
    public static Choice of(String value, String group, String description) {
        return new Choice(value, group, description, true);
    }
}
