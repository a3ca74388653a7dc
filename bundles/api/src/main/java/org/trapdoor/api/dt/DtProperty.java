package org.trapdoor.api.dt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A device-tree property: a name and its raw big-endian value bytes, as in a DTB. */
public final class DtProperty {
    private final String name;
    private final byte[] value;

    public DtProperty(String name, byte[] value) {
        this.name = name;
        this.value = value.clone();
    }

    public String name() {
        return name;
    }

    /** A copy of the raw value. */
    public byte[] bytes() {
        return value.clone();
    }

    public int length() {
        return value.length;
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    /** Number of whole 32-bit cells. */
    public int cellCount() {
        return value.length / 4;
    }

    /** Cell {@code i} as an unsigned value. */
    public long cell(int i) {
        if (i < 0 || (long) i * 4 + 4 > value.length) {
            throw new DeviceTreeException(name + ": cell " + i + " is beyond its " + value.length + " bytes");
        }
        int o = i * 4;
        return ((value[o] & 0xffL) << 24) | ((value[o + 1] & 0xffL) << 16) | ((value[o + 2] & 0xffL) << 8) | (value[o + 3] & 0xffL);
    }

    /** All cells as unsigned values. */
    public long[] cells() {
        long[] c = new long[cellCount()];
        for (int i = 0; i < c.length; i++) {
            c[i] = cell(i);
        }
        return c;
    }

    /** {@code count} cells starting at {@code first}, combined into one number (1 or 2 cells usually). */
    public long cells(int first, int count) {
        long v = 0;
        for (int i = 0; i < count; i++) {
            v = (v << 32) | cell(first + i);
        }
        return v;
    }

    public long u32() {
        return cell(0);
    }

    /** The NUL-separated strings of a string-list property. */
    public List<String> strings() {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length; i++) {
            if (value[i] == 0) {
                out.add(new String(value, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < value.length) {
            out.add(new String(value, start, value.length - start, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The first string. */
    public String string() {
        List<String> s = strings();
        return s.isEmpty() ? "" : s.get(0);
    }

    public static DtProperty ofStrings(String name, String... strings) {
        StringBuilder sb = new StringBuilder();
        for (String s : strings) {
            sb.append(s).append('\0');
        }
        return new DtProperty(name, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static DtProperty ofCells(String name, long... cells) {
        byte[] b = new byte[cells.length * 4];
        for (int i = 0; i < cells.length; i++) {
            long c = cells[i];
            b[i * 4] = (byte) (c >>> 24);
            b[i * 4 + 1] = (byte) (c >>> 16);
            b[i * 4 + 2] = (byte) (c >>> 8);
            b[i * 4 + 3] = (byte) c;
        }
        return new DtProperty(name, b);
    }

    public static DtProperty empty(String name) {
        return new DtProperty(name, new byte[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DtProperty && ((DtProperty) o).name.equals(name) && Arrays.equals(((DtProperty) o).value, value);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name + " (" + value.length + " bytes)";
    }
}
