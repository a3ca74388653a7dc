package org.trapdoor.xen.toolstack;

import java.util.List;

/**
 * A value in an xl configuration file: a string (quoted string or bare number, which libxlu keeps
 * as the same atom) or a list of values. Each knows the line it started on, for messages.
 */
public sealed interface XlValue {
    int line();

    /** A quoted string (escapes resolved) or a number as written. */
    record Atom(String text, int line) implements XlValue {
    }

    /** {@code [ value, ... ]}; elements may themselves be lists. */
    record ListValue(List<XlValue> items, int line) implements XlValue {
        public ListValue {
            items = List.copyOf(items);
        }
    }
}
