package org.trapdoor.hw.configimage;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bytes of a config-space dump in {@code lspci -x} (64 bytes), {@code -xxx} (256) or
 * {@code -xxxx} (4096) form: lines of {@code OFF: b0 b1 ... b15} in hex, optionally after one
 * device header line ({@code 01:00.0 Ethernet controller: ...}). Blank lines are ignored. Errors
 * name the file and the line.
 */
public final class ConfigImage {
    private static final Pattern DATA = Pattern.compile("([0-9a-fA-F]{2,3}):((?:\\s+[0-9a-fA-F]{2}){16})\\s*");
    private static final Pattern HEADER = Pattern.compile("(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7](?:\\s.*)?");

    private final String source;
    private final String header;
    private final byte[] bytes;
    private final int length;

    private ConfigImage(String source, String header, byte[] bytes, int length) {
        this.source = source;
        this.header = header;
        this.bytes = bytes;
        this.length = length;
    }

    /**
     * @param source the file name, for error messages
     * @throws IllegalArgumentException naming {@code source} and the line for malformed input
     */
    public static ConfigImage parse(String source, List<String> lines) {
        byte[] bytes = new byte[4096];
        String header = null;
        int expected = 0;
        boolean sawData = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            int lineNo = i + 1;
            if (line.isEmpty()) {
                continue;
            }
            Matcher m = DATA.matcher(line);
            if (m.matches()) {
                int off = Integer.parseInt(m.group(1), 16);
                if (off != expected) {
                    throw error(source, lineNo, String.format("expected offset %02x, found %s", expected, m.group(1)));
                }
                if (off >= 4096) {
                    throw error(source, lineNo, "offset " + m.group(1) + " is beyond the 4096-byte config space");
                }
                String[] hex = m.group(2).trim().split("\\s+");
                for (int b = 0; b < 16; b++) {
                    bytes[off + b] = (byte) Integer.parseInt(hex[b], 16);
                }
                expected += 16;
                sawData = true;
                continue;
            }
            if (!sawData && header == null && HEADER.matcher(line).matches()) {
                header = line;
                continue;
            }
            if (sawData && HEADER.matcher(line).matches()) {
                throw error(source, lineNo, "a second device starts here; give one device per file");
            }
            throw error(source, lineNo, "not an lspci -x line (want \"OFF: \" and 16 hex bytes): \""
                    + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "\"");
        }
        if (expected != 64 && expected != 256 && expected != 4096) {
            throw new IllegalArgumentException(source + ": " + expected
                    + " bytes dumped; lspci -x, -xxx and -xxxx give 64, 256 or 4096");
        }
        return new ConfigImage(source, header, bytes, expected);
    }

    private static IllegalArgumentException error(String source, int line, String what) {
        return new IllegalArgumentException(source + ":" + line + ": " + what);
    }

    public String source() {
        return source;
    }

    /** The device header line, or {@code null} if the dump had none. */
    public String header() {
        return header;
    }

    /** Bytes dumped: 64, 256 or 4096. */
    public int length() {
        return length;
    }

    /** Little-endian read of dumped bytes; beyond the dump, zeros. */
    public int read(int offset, int size) {
        int v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (bytes[offset + i] & 0xff);
        }
        return v;
    }
}
