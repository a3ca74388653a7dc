package org.trapdoor.shell.attack;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.attack.Verdict;
import org.trapdoor.shell.command.Table;

/** {@code audit}'s text: the matrix of verdicts, then each cell's summary and evidence. */
final class AuditText {
    private AuditText() {
    }

    static String verdict(Verdict v) {
        return switch (v) {
            case BLOCKED -> "blocked";
            case SUCCEEDED -> "SUCCEEDED";
            case NOT_APPLICABLE -> "n/a";
        };
    }

    static String render(AuditMatrix m) {
        StringBuilder b = new StringBuilder();
        b.append("audit: every attack from ").append(m.attacker()).append(" under ").append(m.columns().size())
                .append(" combinations of MSI controller x domu-msi x doorbell; policies restored: ")
                .append(m.restored()).append('\n');
        List<String[]> rows = new ArrayList<>();
        String[] head = new String[m.columns().size() + 1];
        head[0] = "SCENARIO";
        for (int c = 0; c < m.columns().size(); c++) {
            head[c + 1] = "[" + (c + 1) + "]";
        }
        rows.add(head);
        for (AuditMatrix.Row r : m.rows()) {
            String[] line = new String[head.length];
            line[0] = r.scenario();
            for (int c = 0; c < r.cells().size(); c++) {
                line[c + 1] = verdict(r.cells().get(c).verdict());
            }
            rows.add(line);
        }
        b.append(Table.render(rows)).append('\n');
        for (int c = 0; c < m.columns().size(); c++) {
            AuditMatrix.Column col = m.columns().get(c);
            b.append("[").append(c + 1).append("] ").append(col.controller()).append(", domu-msi ")
                    .append(col.domuMsi()).append(", doorbell ").append(col.doorbell());
            if (col.problem() != null) {
                b.append(": not applicable, ").append(col.problem());
            }
            b.append('\n');
        }
        for (AuditMatrix.Row r : m.rows()) {
            b.append('\n').append(r.scenario()).append(" - ").append(r.criterion()).append('\n');
            for (int c = 0; c < r.cells().size(); c++) {
                AttackResult a = r.cells().get(c);
                if (m.columns().get(c).problem() != null) {
                    continue; // said once for the column above
                }
                b.append("  [").append(c + 1).append("] ").append(verdict(a.verdict())).append(": ")
                        .append(a.summary()).append('\n');
                for (Evidence e : a.evidence()) {
                    b.append("      ").append(e.what()).append(": ").append(e.before()).append(" -> ")
                            .append(e.after()).append('\n');
                }
            }
        }
        return b.toString().stripTrailing();
    }
}
