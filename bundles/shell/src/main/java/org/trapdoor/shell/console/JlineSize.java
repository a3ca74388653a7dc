package org.trapdoor.shell.console;

import org.jline.terminal.Size;
import org.jline.terminal.Terminal;

/** The JLine side of {@link TerminalSizeGuard}, apart so that the guard loads without JLine. */
final class JlineSize {
    private JlineSize() {
    }

    /** Sets {@code terminal} to {@code columns}x{@code rows} when it reports a zero dimension. */
    static void ensure(Object terminal, int columns, int rows) {
        if (terminal instanceof Terminal t) {
            Size size = t.getSize();
            if (size == null || size.getColumns() <= 0 || size.getRows() <= 0) {
                t.setSize(new Size(columns, rows));
            }
        }
    }
}
