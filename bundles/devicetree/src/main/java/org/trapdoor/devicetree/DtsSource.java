package org.trapdoor.devicetree;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.dt.DeviceTreeException;

/**
 * DTS text with positions: turns an offset into {@code file:line:column}, honouring the
 * {@code # 12 "file.dtsi"} line markers that {@code cpp} leaves in preprocessed sources.
 */
final class DtsSource {
    private record Marker(int offset, String file, int line) {
    }

    final String text;
    final String name;
    private final List<Marker> markers = new ArrayList<>();

    DtsSource(String text, String name) {
        this.text = text;
        this.name = name;
        markers.add(new Marker(0, name, 1));
    }

    /** Records that the line starting at {@code offset} is line {@code line} of {@code file} (null: the same file). */
    void lineMarker(int offset, String file, int line) {
        String f = file != null ? file : markers.get(markers.size() - 1).file;
        markers.add(new Marker(offset, f, line));
    }

    String location(int offset) {
        offset = Math.max(0, Math.min(offset, text.length()));
        Marker m = markers.get(0);
        for (Marker k : markers) {
            if (k.offset <= offset) {
                m = k;
            }
        }
        int line = m.line;
        int lineStart = m.offset;
        for (int i = m.offset; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return m.file + ":" + line + ":" + (offset - lineStart + 1);
    }

    DeviceTreeException error(int offset, String message) {
        return new DeviceTreeException(location(offset) + ": " + message);
    }
}
