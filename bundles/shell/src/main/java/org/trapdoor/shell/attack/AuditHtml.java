package org.trapdoor.shell.attack;

import java.util.List;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;
import org.trapdoor.api.attack.Verdict;

/**
 * {@code audit --html FILE}: the matrix and the platform as one self-contained page (inline CSS,
 * no script, no external resource): a cell per scenario and combination, coloured by verdict,
 * with its summary and evidence; then the nodes, domains and devices it ran on.
 */
final class AuditHtml {
    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#1d1d1f;background:#fafafa}
            h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
            p.lead{color:#555;margin-top:0}
            table{border-collapse:collapse;margin:.5em 0;background:#fff}
            th,td{border:1px solid #d0d0d0;padding:.35em .6em;vertical-align:top;text-align:left;font-size:.9em}
            th{background:#eef0f4}
            table.matrix td.cell{min-width:11em}
            td.blocked{background:#dff3e4}td.succeeded{background:#f9d6d5}td.not-applicable{background:#ececec;color:#666}
            .verdict{font-weight:bold;display:block}.succeeded .verdict{color:#b00020}.blocked .verdict{color:#17692e}
            .summary{display:block;margin:.2em 0}
            ul.evidence{margin:.2em 0 0 1em;padding:0;font-family:ui-monospace,Menlo,monospace;font-size:.8em;color:#333}
            .legend span{display:inline-block;padding:.1em .6em;margin-right:.5em;border:1px solid #ccc}
            td.mono,th.mono{font-family:ui-monospace,Menlo,monospace}
            """;

    private AuditHtml() {
    }

    static String cssClass(Verdict v) {
        return switch (v) {
            case BLOCKED -> "blocked";
            case SUCCEEDED -> "succeeded";
            case NOT_APPLICABLE -> "not-applicable";
        };
    }

    static String render(AuditMatrix m) {
        StringBuilder b = new StringBuilder(16_384);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Trapdoor attack audit: ")
                .append(esc(m.attacker())).append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
        b.append("<h1>Attack audit from ").append(esc(m.attacker())).append("</h1>\n<p class=\"lead\">")
                .append(esc(m.topology().hypervisor())).append(": every attack under every combination of MSI controller, "
                        + "DomU MSI policy and doorbell policy, switched live; policies restored afterwards: ")
                .append(esc(m.restored())).append(".</p>\n");
        b.append("<p class=\"legend\"><span style=\"background:#dff3e4\">blocked</span>"
                + "<span style=\"background:#f9d6d5\">succeeded</span><span style=\"background:#ececec\">not applicable</span></p>\n");
        b.append("<table class=\"matrix\" id=\"matrix\"><thead><tr><th>scenario</th>");
        for (AuditMatrix.Column c : m.columns()) {
            b.append("<th data-controller=\"").append(esc(c.controller())).append("\">").append(esc(c.controller()))
                    .append("<br>domu-msi <b>").append(esc(c.domuMsi())).append("</b><br>doorbell <b>")
                    .append(esc(c.doorbell())).append("</b></th>");
        }
        b.append("</tr></thead><tbody>\n");
        for (AuditMatrix.Row r : m.rows()) {
            b.append("<tr><th title=\"").append(esc(r.criterion())).append("\">").append(esc(r.scenario()))
                    .append("</th>");
            for (int c = 0; c < r.cells().size(); c++) {
                AttackResult a = r.cells().get(c);
                AuditMatrix.Column col = m.columns().get(c);
                b.append("<td class=\"cell ").append(cssClass(a.verdict())).append("\" data-scenario=\"")
                        .append(esc(r.scenario())).append("\" data-domu-msi=\"").append(esc(col.domuMsi()))
                        .append("\" data-doorbell=\"").append(esc(col.doorbell())).append("\" data-verdict=\"")
                        .append(a.verdict()).append("\"><span class=\"verdict\">")
                        .append(AuditText.verdict(a.verdict())).append("</span><span class=\"summary\">")
                        .append(esc(a.summary())).append("</span>");
                if (!a.evidence().isEmpty()) {
                    b.append("<ul class=\"evidence\">");
                    for (Evidence e : a.evidence()) {
                        b.append("<li>").append(esc(e.what())).append(": ").append(e.before()).append(" &rarr; ")
                                .append(e.after()).append("</li>");
                    }
                    b.append("</ul>");
                }
                b.append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody></table>\n<h2>Success criteria</h2>\n<table id=\"criteria\"><tr><th>scenario</th><th>criterion</th></tr>");
        for (AuditMatrix.Row r : m.rows()) {
            b.append("<tr><td>").append(esc(r.scenario())).append("</td><td>").append(esc(r.criterion()))
                    .append("</td></tr>");
        }
        b.append("</table>\n");
        table(b, "Domains", "domains", m.topology().domains());
        table(b, "PCI devices and owners", "devices", m.topology().devices());
        table(b, "Platform nodes and bound drivers", "nodes", m.topology().nodes());
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void table(StringBuilder b, String title, String id, List<String[]> rows) {
        b.append("<h2>").append(esc(title)).append("</h2>\n<table id=\"").append(id).append("\">");
        for (int i = 0; i < rows.size(); i++) {
            b.append("<tr>");
            for (String cell : rows.get(i)) {
                String tag = i == 0 ? "th" : "td";
                b.append('<').append(tag).append('>').append(esc(cell)).append("</").append(tag).append('>');
            }
            b.append("</tr>");
        }
        b.append("</table>\n");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
