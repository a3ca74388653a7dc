package org.trapdoor.shell.attack;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Converter;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.shell.command.Table;

/** Renders the attack commands' results as text. */
public final class AttackFormatter {
    private AttackFormatter() {
    }

    /** The text for {@code o}, or null if it is none of the attack commands' types. */
    public static CharSequence format(Object o, int level) {
        if (o instanceof AttackListing l) {
            return level == Converter.INSPECT ? listing(l) : l.scenarios().size() + " attack scenarios";
        }
        if (o instanceof AttackReport r) {
            return level == Converter.INSPECT ? report(r) : r.result().scenario() + ": " + r.result().verdict();
        }
        if (o instanceof AuditMatrix m) {
            return level == Converter.INSPECT ? AuditText.render(m) : "audit of " + m.attacker();
        }
        if (o instanceof AuditFile f) {
            if (level != Converter.INSPECT) {
                return f.path();
            }
            String text = AuditText.render(f.matrix());
            int details = text.indexOf("\n\n");
            return "wrote " + f.path() + "\n" + (details < 0 ? text : text.substring(0, details));
        }
        return null;
    }

    static String listing(AttackListing l) {
        if (l.scenarios().isEmpty()) {
            return "no attack scenarios (the attack bundle is not running, or there is no hypervisor)";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SCENARIO", "WHAT THE ATTACKER DOES"});
        for (AttackListing.Row r : l.scenarios()) {
            rows.add(new String[] {r.name(), r.description()});
        }
        return Table.render(rows) + "\n'attack NAME [DOMAIN]' runs one and prints the criterion it is judged by; "
                + "'audit' runs them all under every policy combination";
    }

    static String report(AttackReport r) {
        AttackResult a = r.result();
        StringBuilder b = new StringBuilder();
        b.append(a.scenario()).append(a.attacker() == null ? "" : " from " + a.attacker()).append(": ")
                .append(a.verdict()).append(" - ").append(a.summary());
        if (r.criterion() != null) {
            b.append("\ncriterion: ").append(r.criterion());
        }
        if (!a.evidence().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"EVIDENCE", "BEFORE", "AFTER", "DELTA"});
            for (Evidence e : a.evidence()) {
                rows.add(new String[] {e.what(), Long.toString(e.before()), Long.toString(e.after()),
                    (e.delta() > 0 ? "+" : "") + e.delta()});
            }
            b.append('\n').append(Table.render(rows));
        }
        return b.toString();
    }
}
