package org.trapdoor.shell;

/** Parses the numbers users type: {@code 0x1000}, {@code 4096}, {@code 0x1000_0000}. */
public final class Numbers {
    private Numbers() {
    }

    /**
     * An unsigned 64-bit number in hex ({@code 0x} prefix) or decimal; underscores are ignored.
     *
     * @param what names the argument in the error message, e.g. "address"
     * @throws IllegalArgumentException saying which argument is wrong and why
     */
    public static long parse(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is missing");
        }
        String t = text.strip().replace("_", "");
        boolean hex = t.startsWith("0x") || t.startsWith("0X");
        String digits = hex ? t.substring(2) : t;
        if (digits.isEmpty() || digits.startsWith("+") || digits.startsWith("-")) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a number (use hex 0x... or decimal)");
        }
        try {
            return Long.parseUnsignedLong(digits, hex ? 16 : 10);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a number (use hex 0x... or decimal)"
                    + (digits.length() > 16 ? ": wider than 64 bits" : ""));
        }
    }

    /** An access size: 1, 2, 4 or 8 bytes. */
    public static int size(String text) {
        long s = parse(text, "size");
        if (s != 1 && s != 2 && s != 4 && s != 8) {
            throw new IllegalArgumentException("size " + text + " is not 1, 2, 4 or 8 bytes");
        }
        return (int) s;
    }

    /** {@code 0x} and the value with {@code 2*size} hex digits. */
    public static String hex(long value, int size) {
        return String.format("0x%0" + (size * 2) + "x", value);
    }
}
