package org.trapdoor.xen.toolstack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The settings of one parsed configuration file, read as libxlu's {@code xlu_cfg_get_*} read
 * them: the last assignment of a name wins; a number is an atom (quoted or not) that C's
 * {@code strtol(..., 0)} takes whole, so {@code 0x200} is hex and {@code 010} octal. Where xl
 * only warns and goes on with its default, this refuses with the same words, so a typo never
 * silently gives a guest 32 MiB.
 */
public final class XlSettings {
    /** One assignment: its value, whether it was {@code +=}, and the line of its value. */
    record Setting(XlValue value, boolean added, int line) {
    }

    private final String source;
    private final Map<String, Setting> settings = new LinkedHashMap<>();

    XlSettings(String source) {
        this.source = source;
    }

    public String source() {
        return source;
    }

    /** {@code xlu__cfg_set_store}: {@code +=} concatenates with the previous value of the name. */
    void store(String name, boolean add, XlValue value) {
        Setting prev = settings.get(name);
        XlValue v = value;
        if (add && prev != null) {
            if (prev.value() instanceof XlValue.Atom a && value instanceof XlValue.Atom b) {
                v = new XlValue.Atom(a.text() + b.text(), b.line());
            } else if (prev.value() instanceof XlValue.ListValue a && value instanceof XlValue.ListValue b) {
                java.util.List<XlValue> all = new java.util.ArrayList<>(a.items());
                all.addAll(b.items());
                v = new XlValue.ListValue(all, b.line());
            } else {
                throw XlConfigParser.error(source, value.line(), name,
                        "can't add [list] to \"string\" or vice versa");
            }
        }
        settings.remove(name); // keep the order of last assignment
        settings.put(name, new Setting(v, add, value.line()));
    }

    /** The names set, in the order of their last assignment. */
    public Set<String> names() {
        return settings.keySet();
    }

    /** The line of the last assignment of {@code name}. */
    public int line(String name) {
        Setting s = settings.get(name);
        return s == null ? 0 : s.line();
    }

    public boolean has(String name) {
        return settings.containsKey(name);
    }

    /** A single value ({@code xlu_cfg_get_string}); a list there is refused. */
    public Optional<String> string(String name) {
        Setting s = settings.get(name);
        if (s == null) {
            return Optional.empty();
        }
        if (!(s.value() instanceof XlValue.Atom a)) {
            throw error(s.line(), "parameter `" + name + "' is a list but should be a single value");
        }
        return Optional.of(a.text());
    }

    /** {@code xlu_cfg_get_bounded_long}: a whole number within [min, max]. */
    public Optional<Long> number(String name, long min, long max) {
        Setting s = settings.get(name);
        if (s == null) {
            return Optional.empty();
        }
        String text = string(name).orElseThrow();
        if (s.added()) {
            throw error(s.line(), "can't use += with numbers for parameter `" + name + "'");
        }
        long l;
        try {
            l = strtol(text);
        } catch (NumberFormatException e) {
            throw error(s.line(), "parameter `" + name + "' is not a valid number");
        } catch (ArithmeticException e) {
            throw error(s.line(), "parameter `" + name + "' could not be parsed as a number: "
                    + "Numerical result out of range");
        }
        if (l < min) {
            throw error(s.line(), "value `" + l + "' is smaller than minimum bound '" + min + "'");
        }
        if (l > max) {
            throw error(s.line(), "value `" + l + "' is greater than maximum bound '" + max + "'");
        }
        return Optional.of(l);
    }

    /** {@code xlu_cfg_get_list}: a list; a single value there is refused. */
    public Optional<XlValue.ListValue> list(String name) {
        Setting s = settings.get(name);
        if (s == null) {
            return Optional.empty();
        }
        if (!(s.value() instanceof XlValue.ListValue l)) {
            throw error(s.line(), "parameter `" + name + "' is a single value but should be a list");
        }
        return Optional.of(l);
    }

    /** A one-line error at {@code line} of this file. */
    public XlConfigException error(int line, String message) {
        return new XlConfigException(source + ":" + line + ": " + message);
    }

    /**
     * C's {@code strtol(s, &end, 0)} requiring the whole text: optional blanks and sign, then
     * {@code 0x} hex, {@code 0} octal or decimal.
     *
     * @throws NumberFormatException when the text is not entirely a number
     * @throws ArithmeticException   when it does not fit in a long ({@code ERANGE})
     */
    static long strtol(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            if (i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
                radix = 16;
                i += 2;
            }
        } else if (s.startsWith("0", i) && i + 1 < s.length()) {
            radix = 8;
            i += 1;
        }
        String digits = s.substring(i);
        if (digits.isEmpty()) {
            throw new NumberFormatException(s);
        }
        for (int k = 0; k < digits.length(); k++) {
            if (Character.digit(digits.charAt(k), radix) < 0) {
                throw new NumberFormatException(s);
            }
        }
        try {
            long v = Long.parseLong(digits, radix);
            return negative ? -v : v;
        } catch (NumberFormatException e) {
            throw new ArithmeticException("out of range"); // every digit was valid: only the size is wrong
        }
    }
}
