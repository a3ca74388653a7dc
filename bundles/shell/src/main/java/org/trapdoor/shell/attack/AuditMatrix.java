package org.trapdoor.shell.attack;

import java.util.List;

import org.trapdoor.api.attack.AttackResult;

/**
 * {@code audit}: every scenario (row) under every combination of MSI controller, DomU MSI policy
 * and doorbell policy (column), the platform it ran on, and the policies put back afterwards.
 *
 * @param attacker the DomU the attacks ran from
 * @param columns  the combinations, in the order they ran
 * @param rows     one per scenario: its name, criterion and one result per column
 * @param restored what the attacker's policies were set back to, e.g. {@code "domu-msi vits, doorbell map"}
 * @param topology the platform: nodes, bound drivers, domains, assigned devices
 */
public record AuditMatrix(String attacker, List<Column> columns, List<Row> rows, String restored, Topology topology) {
    public AuditMatrix {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /**
     * One combination.
     *
     * @param controller the MSI controller's node
     * @param domuMsi    the {@code domu-msi} policy
     * @param doorbell   the {@code doorbell} policy
     * @param problem    null when the combination was in force while the scenarios ran; else why not
     *                   (every cell of the column is then not applicable with this reason)
     */
    public record Column(String controller, String domuMsi, String doorbell, String problem) {
        public String label() {
            return domuMsi + " / " + doorbell;
        }
    }

    /** One scenario across the columns. */
    public record Row(String scenario, String criterion, List<AttackResult> cells) {
        public Row {
            cells = List.copyOf(cells);
        }
    }

    /** The platform as the audit found it: tables of strings, first row the header. */
    public record Topology(String hypervisor, List<String[]> nodes, List<String[]> domains, List<String[]> devices) {
    }
}
