package org.trapdoor.shell.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.felix.service.command.Converter;
import org.htmlunit.WebClient;
import org.htmlunit.html.DomElement;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Verdict;
import org.trapdoor.api.hypervisor.DomuMsiPolicy;
import org.trapdoor.api.hypervisor.DoorbellPolicy;
import org.trapdoor.shell.command.CommandFailure;

/**
 * {@code attack} and {@code audit} against Xen on the virt machine with the real scenarios and
 * policies: the verdicts in the matrix follow the policies in force per column, the DomU's
 * policies are back afterwards, and the HTML page, opened in HtmlUnit, shows the same cells.
 */
class AttackCommandsTest {
    AttackShellRig rig;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    AttackCommands commands() {
        return new AttackCommands(rig.xen, rig.machine, rig.machine, rig.scenarios);
    }

    @Test
    void attackListsEveryScenarioAndRunsOneWithItsEvidence() {
        rig = new AttackShellRig("vits", false);
        AttackListing l = (AttackListing) commands().attack();
        assertEquals(List.of("doorbell-dma", "foreign-config", "foreign-deviceid", "foreign-dma", "forge-msi", "irq-flood"),
                l.scenarios().stream().map(AttackListing.Row::name).toList());
        AttackReport r = (AttackReport) commands().attack("doorbell-dma", "guest1");
        assertEquals(Verdict.SUCCEEDED, r.result().verdict(), "doorbell mapped: " + r.result());
        String text = AttackFormatter.format(r, Converter.INSPECT).toString();
        assertTrue(text.startsWith("doorbell-dma from guest1: SUCCEEDED - "), text);
        assertTrue(text.contains("EVIDENCE") && text.contains("criterion: "), text);
        assertFalse(text.contains("Exception"), text);
    }

    @Test
    void wrongNamesAndDomainsAreOneLineErrors() {
        rig = new AttackShellRig("vits", false);
        CommandFailure f = assertThrows(CommandFailure.class, () -> commands().attack("nosuch"));
        assertEquals("attack: no scenario 'nosuch' (attack lists them)", f.getMessage());
        f = assertThrows(CommandFailure.class, () -> commands().attack("forge-msi", "nobody"));
        assertEquals("attack: no domain 'nobody'", f.getMessage());
        AttackReport dom0 = (AttackReport) commands().attack("forge-msi", "Domain-0");
        assertEquals(Verdict.NOT_APPLICABLE, dom0.result().verdict());
        assertThrows(CommandFailure.class, () -> commands().audit("--html"));
    }

    @Test
    void auditRunsEveryCombinationRestoresThePoliciesAndItsHtmlShowsTheCells() throws Exception {
        rig = new AttackShellRig("vits", true);
        Path html = dir.resolve("audit.html");
        AuditFile f = (AuditFile) commands().audit("--html", html.toString());
        AuditMatrix m = f.matrix();
        assertEquals(1 * 3 * 2, m.columns().size(), "one ITS x three domu-msi x two doorbell policies: " + m.columns());
        assertEquals(6, m.rows().size());
        assertEquals("domu-msi vits, doorbell map", m.restored());
        assertEquals("vits", Audit.active(rig.xen, DomuMsiPolicy.KIND, "guest1"));
        assertEquals("map", Audit.active(rig.xen, DoorbellPolicy.KIND, "guest1"));

        System.out.println(AuditText.render(m));
        assertEquals(Verdict.SUCCEEDED, cell(m, "doorbell-dma", "vits", "map").verdict());
        for (AuditMatrix.Column c : m.columns()) {
            if (c.problem() == null && c.doorbell().equals("abort-sanitise")) {
                assertEquals(Verdict.BLOCKED, cell(m, "doorbell-dma", c.domuMsi(), c.doorbell()).verdict(),
                        "the doorbell is unmapped under " + c.label());
            }
        }
        assertEquals(Verdict.NOT_APPLICABLE, cell(m, "foreign-deviceid", "none", "map").verdict());
        assertEquals(Verdict.NOT_APPLICABLE, cell(m, "doorbell-dma", "trap-remap", "map").verdict(),
                "a guest built with a vITS is not handed a v2m frame live");
        assertEquals(Verdict.BLOCKED, cell(m, "foreign-deviceid", "vits", "map").verdict());
        for (String s : List.of("forge-msi", "foreign-config", "foreign-dma")) {
            assertEquals(Verdict.BLOCKED, cell(m, s, "vits", "map").verdict(), s);
        }
        String text = AuditText.render(m);
        assertTrue(text.contains("policies restored: domu-msi vits, doorbell map"), text);

        String source = Files.readString(html);
        assertFalse(source.contains("http://") || source.contains("https://") || source.contains("<link")
                || source.contains("<script"), "self-contained: no external resource, no script");
        try (WebClient browser = new WebClient()) {
            browser.getOptions().setJavaScriptEnabled(false);
            HtmlPage page = browser.getPage(html.toUri().toURL());
            assertEquals("Trapdoor attack audit: guest1", page.getTitleText());
            HtmlTable matrix = (HtmlTable) page.getElementById("matrix");
            assertEquals(1 + 6, matrix.getRowCount(), "a header and one row per scenario");
            assertEquals(1 + 6, matrix.getRow(0).getCells().size());
            for (AuditMatrix.Row row : m.rows()) {
                for (int c = 0; c < m.columns().size(); c++) {
                    AuditMatrix.Column col = m.columns().get(c);
                    DomElement td = htmlCell(page, row.scenario(), col.domuMsi(), col.doorbell());
                    AttackResult a = row.cells().get(c);
                    assertEquals(a.verdict().name(), td.getAttribute("data-verdict"));
                    assertTrue(td.asNormalizedText().startsWith(AuditText.verdict(a.verdict())), td.asNormalizedText());
                    String colour = page.getEnclosingWindow().getComputedStyle(td, null).getBackgroundColor();
                    assertEquals(switch (a.verdict()) {
                        case BLOCKED -> "rgb(223, 243, 228)";
                        case SUCCEEDED -> "rgb(249, 214, 213)";
                        case NOT_APPLICABLE -> "rgb(236, 236, 236)";
                    }, colour, row.scenario() + " " + col.label());
                }
            }
            String domains = page.getElementById("domains").asNormalizedText();
            assertTrue(domains.contains("guest1") && domains.contains("0000:00:02.0"), domains);
            String devices = page.getElementById("devices").asNormalizedText();
            assertTrue(devices.contains("Domain-0") && devices.contains("guest1"), devices);
            assertTrue(page.getElementById("nodes").asNormalizedText().contains("arm,smmu-v3"));
        }
    }

    static AttackResult cell(AuditMatrix m, String scenario, String msi, String doorbell) {
        AuditMatrix.Row row = m.rows().stream().filter(r -> r.scenario().equals(scenario)).findFirst().orElseThrow();
        for (int c = 0; c < m.columns().size(); c++) {
            AuditMatrix.Column col = m.columns().get(c);
            if (col.domuMsi().equals(msi) && col.doorbell().equals(doorbell)) {
                return row.cells().get(c);
            }
        }
        throw new AssertionError("no column " + msi + " / " + doorbell + " in " + m.columns());
    }

    static DomElement htmlCell(HtmlPage page, String scenario, String msi, String doorbell) {
        for (DomElement td : page.getElementsByTagName("td")) {
            if (scenario.equals(td.getAttribute("data-scenario")) && msi.equals(td.getAttribute("data-domu-msi"))
                    && doorbell.equals(td.getAttribute("data-doorbell"))) {
                return td;
            }
        }
        throw new AssertionError("no cell " + scenario + " " + msi + " / " + doorbell);
    }
}
