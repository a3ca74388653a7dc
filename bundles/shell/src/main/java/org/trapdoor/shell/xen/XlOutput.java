package org.trapdoor.shell.xen;

/**
 * What an {@code xl} subcommand returns: the data (a domain list, a domain, an assignment, the
 * console lines; null when xl prints nothing) for pipes and variables, and the text xl prints.
 *
 * @param command the subcommand, e.g. {@code pci-list}
 * @param value   the data behind the text
 * @param text    xl's output, each line ending in a newline; empty when xl is silent
 */
public record XlOutput(String command, Object value, String text) {
}
