package org.trapdoor.shell.command;

import java.util.List;

/** How every command's tables look: left-aligned columns, two spaces apart, like lspci's and xl's. */
public final class Table {
    private Table() {
    }

    /** Left-aligned columns separated by two spaces; the last column is not padded. */
    public static String render(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                line.append(r[c]);
                if (c < cols - 1) {
                    line.append(" ".repeat(width[c] - r[c].length() + 2));
                }
            }
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(line.toString().stripTrailing());
        }
        return sb.toString();
    }
}
